from deflectkit.cli import main

main()
