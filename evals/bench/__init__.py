"""Performance benchmarks: each module measures one part and prints a table (`python -m evals.bench.<name>`)."""
