"""Benchmarks: `python -m archiver.bench SUBCOMMAND`."""
