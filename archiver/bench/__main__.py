"""`python -m archiver.bench SUBCOMMAND [options]`: run one of the project's benchmarks.

Each subcommand is a module with `add_arguments(parser)` and `run(args) -> int`; register a new
one in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "extract": "archiver.bench.extract",
    "gen-archive": "archiver.bench.archive_gen",
    "views": "archiver.bench.views",
    "api": "archiver.bench.api",
    "throughput": "archiver.bench.throughput",
    "soak": "archiver.bench.soak",
    "faults": "archiver.bench.faults",
    "import": "archiver.bench.bulk_import",
    "screenshots": "archiver.bench.screenshots",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m archiver.bench",
        description="Run a benchmark of the archiver.",
        epilog="example: python -m archiver.bench extract --data-dir ../shared/bench/mozilla",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(
            name,
            help=(module.__doc__ or "").strip().splitlines()[0],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.module.run(args))


if __name__ == "__main__":
    sys.exit(main())
