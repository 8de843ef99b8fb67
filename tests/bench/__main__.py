"""`python -m tests.bench SUBCOMMAND [options]`: run one of the project's benchmarks.

Each subcommand is a module with `add_arguments(parser)` and `run(args) -> int`; register a new
one in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "extract": "tests.bench.extract",
    "gen-archive": "tests.bench.archive_gen",
    "views": "tests.bench.views",
    "api": "tests.bench.api",
    "throughput": "tests.bench.throughput",
    "soak": "tests.bench.soak",
    "faults": "tests.bench.faults",
    "import": "tests.bench.bulk_import",
    "screenshots": "tests.bench.screenshots",
    "storage": "tests.bench.storage",
    "wacz-import": "tests.bench.wacz_import",
    "guard": "tests.bench.guard",
    "watch": "tests.bench.watch",
    "walls": "tests.bench.walls",
    "replay-fidelity": "tests.bench.replay_fidelity",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description="Run a benchmark of the archiver.",
        epilog="example: python -m tests.bench extract --data-dir ../shared/bench/mozilla",
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
