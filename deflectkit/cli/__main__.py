"""`python -m deflectkit.cli`: the same as the `deflect` script."""

from deflectkit.cli import main

main()
