"""Profile ``aipo-budget check LEDGER`` (or another subcommand) in-process with cProfile.

    python benchmarks/profile_check.py LEDGER [--top 15] [--command check] [--out FILE.prof]
                                       [further arguments of the command, e.g. --no-cache]

Prints the top functions by cumulative time, first those of aipo_budget (where the time on top
of Beancount's load goes), then all functions for context, and the total wall time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile an aipo-budget command.")
    parser.add_argument("ledger")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--command", default="check")
    parser.add_argument("--out", help="also save the raw profile here")
    args, extra = parser.parse_known_args(argv)  # the rest goes to the command
    extra = [a for a in extra if a != "--"]

    from aipo_budget.cli import cli

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        cli.main([args.command, args.ledger, *extra], standalone_mode=False)
    except SystemExit:
        pass
    finally:
        profile.disable()
    wall = time.perf_counter() - started
    if args.out:
        profile.dump_stats(args.out)
    for title, restrictions in (("aipo_budget functions", (r"aipo_budget", args.top)),
                                ("all functions", (args.top,))):
        buffer = io.StringIO()
        stats = pstats.Stats(profile, stream=buffer).sort_stats("cumulative")
        stats.print_stats(*restrictions)
        body = buffer.getvalue()
        start = body.find("   ncalls")
        print(f"\n=== top {args.top} by cumulative time: {title}\n")
        print(body[start:] if start >= 0 else body)
    print(f"total wall time under the profiler: {wall:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
