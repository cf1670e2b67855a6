"""The `prover` command line: one small typer module per command group."""
