"""The Markdown of benchmarks/run.py: one table per profile (medians, ratios to bean-check -C
of the same ledger in the same round, peak RSS, the issue-12 targets), the growth between
sizes, the shipped ledger, and the list of targets missed."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench_measure import machine

if TYPE_CHECKING:
    import argparse

    from run import Bench

GROWTH_TARGET = 2.1  # cold check, 200k / 100k
HEADER = ("| Transactions | Command | Median wall (s) | × bean-check -C | × CPU | Peak RSS (MB) "
          "| × RSS | Pairs | Target (issue 12) |")
RULE = "|---:|---|---:|---:|---:|---:|---:|---:|---|"


@dataclass(frozen=True)
class Target:
    wall: float | None = None  # at most this ratio to the row's baseline
    rss: float | None = None
    seconds: float | None = None  # absolute, for the Fava page
    size: int | None = None  # judged at this size only


def fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def verdict(target: Target | None, size: int | None, wall: float | None,
            wall_ratio: float | None, rss_ratio: float | None) -> tuple[str, bool]:
    """(the target cell, whether it is missed)."""
    if target is None or wall is None:
        return "", False
    if target.size and size != target.size:
        return f"(judged at {target.size // 1000}k)", False
    parts, ok = [], True
    if target.wall is not None:
        parts.append(f"≤ {target.wall:.2f}× time")
        ok &= wall_ratio is not None and wall_ratio <= target.wall
    if target.rss is not None:
        parts.append(f"≤ {target.rss:.2f}× RSS")
        ok &= rss_ratio is not None and rss_ratio <= target.rss
    if target.seconds is not None:
        parts.append(f"< {target.seconds} s")
        ok &= wall < target.seconds
    return f"{', '.join(parts)}: {'met' if ok else '**missed**'}", not ok


def table(benches: list[Bench], missed: list[str], notes: list[str]) -> list[str]:
    lines = [HEADER, RULE]
    for bench in benches:
        where = f"{bench.size:,}" if bench.size else "shipped"
        for name, row in bench.rows.items():
            series = bench.series[name]
            if series.missing:
                notes.append(f"{bench.title}, {row.label}: n/a ({series.missing})")
                lines.append(f"| {where} | {row.label} | n/a | n/a | n/a | n/a | n/a | 0 | |")
                continue
            base = bench.series[row.base] if row.base else None
            wall_ratio, rss_ratio, pairs = (series.ratios(base) if base
                                            else (1.0, 1.0, len(series.samples)))
            cpu_ratio = series.cpu_ratio(base) if base else 1.0
            cell, miss = verdict(row.target, bench.size, series.wall, wall_ratio, rss_ratio)
            if miss:
                missed.append(f"{bench.title}, {row.label}: {cell}")
            lines.append(f"| {where} | {row.label} | {fmt(series.wall, '.2f')} | "
                         f"{fmt(wall_ratio, '.2f')} | {fmt(cpu_ratio, '.2f')} | "
                         f"{fmt(series.rss_mb, '.0f')} | "
                         f"{fmt(rss_ratio, '.2f')} | {pairs} | {cell} |")
        if bench.fava:
            loads = statistics.median(d["load_s"] for d in bench.fava)
            later = statistics.median(d["renders_s"][-1] for d in bench.fava)
            notes.append(f"{bench.title}: Fava's own load of the ledger (not in the page time) "
                         f"{loads:.2f} s median; a later render {later:.2f} s; page "
                         f"{bench.fava[-1]['bytes'] / 1024:.0f} KiB.")
    return lines


def growth(benches: list[Bench], missed: list[str]) -> list[str]:
    by_size = {b.size: b for b in benches if b.size}
    sizes = sorted(by_size)
    pairs = list(zip(sizes, sizes[1:]))
    if not pairs:
        return []
    first = by_size[sizes[0]]
    lines = [f"Growth of the median wall time (linear: the ratio of the sizes; target for the "
             f"cold check: 200k / 100k ≤ {GROWTH_TARGET}):", "",
             "| Command | " + " | ".join(f"{b // 1000}k / {a // 1000}k" for a, b in pairs) + " |",
             "|---|" + "---:|" * len(pairs)]
    for name, row in first.rows.items():
        cells = []
        for a, b in pairs:
            wa, wb = by_size[a].series[name].wall, by_size[b].series[name].wall
            ratio = wb / wa if wa and wb else None
            mark = ""
            if row.growth and (a, b) == (100_000, 200_000) and ratio is not None:
                mark = " (met)" if ratio <= GROWTH_TARGET else " (**missed**)"
                if ratio > GROWTH_TARGET:
                    missed.append(f"{first.profile}, growth 200k / 100k of {row.label}: "
                                  f"{ratio:.2f} > {GROWTH_TARGET}")
            cells.append(fmt(ratio, ".2f") + mark)
        lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    return lines + [""]


def markdown(results: dict[str, list[Bench]], shipped: Bench | None,
             args: argparse.Namespace, describe: dict[str, str]) -> str:
    missed: list[str] = []
    notes: list[str] = []
    out = [f"Measured {datetime.date.today()} on {machine()}.", "",
           f"Every row: the median of {args.repeat} runs, each command run in alternation with "
           "`bean-check -C` of the same ledger in the same round (the baseline first in odd "
           "rounds, second in even ones); × is the median over the rounds of the ratio to that "
           "round's baseline. × CPU is the same for user + system time, the forked copy's "
           "included: `check` validates in a second process while it audits (README, "
           "\"Performance\"), so its wall time can be below its CPU time (the Fava row's × CPU is "
           "the whole Fava process's, load included). "
           "Wall time is the whole process, except the Fava row: the page "
           "rendered once Fava has loaded the ledger (its RSS is the whole Fava process's). "
           "Cold: `check --no-cache`; warm: `check` right after it, nothing changed; pending: "
           "`check --pending` of one proposed payment, the ledger's own check cached.", ""]
    for profile, benches in results.items():
        out += [f"### Profile {profile}", "", describe[profile] + ".", "",
                *table(benches, missed, notes), "", *growth(benches, missed)]
    if shipped is not None:
        out += ["### The shipped ledger", "",
                f"main.beancount of the repository (with its plugin line) and its rules, "
                f"{shipped.repeat} pairs.", "", *table([shipped], missed, notes), ""]
    if notes:
        out += ["Notes:", "", *[f"- {note}" for note in notes], ""]
    out += ["Targets missed:" if missed else "Every target judged was met.", ""]
    out += [f"- {line}" for line in missed] + ([""] if missed else [])
    return "\n".join(out)
