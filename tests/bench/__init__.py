"""Benchmarks: `python -m tests.bench SUBCOMMAND`."""
