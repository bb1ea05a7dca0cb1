"""The Markdown of benchmarks/run.py: one table per profile (medians of CPU time, peak RSS and
wall time, their ratios to the baseline of the same round, the targets with a verdict), the
growth between sizes, the shipped ledger, and the list of targets missed."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench_measure import machine

if TYPE_CHECKING:
    import argparse

    from run import Bench

HEADER = ("| Transactions | Command | Median CPU (s) | × CPU | Peak RSS (MB) | × RSS "
          "| Median wall (s) | × wall | Rounds | Target |")
RULE = "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"


@dataclass(frozen=True)
class Target:
    """At most these ratios to the row's baseline in the same round (medians over the
    rounds): of CPU time (user + system) and of peak RSS."""

    cpu: float | None = None
    rss: float | None = None
    size: int | None = None  # judged at this size only


def fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def times(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def verdict(target: Target | None, size: int | None,
            ratios: dict[str, float | None]) -> tuple[str, bool]:
    """(the target cell, whether it is missed)."""
    if target is None:
        return "", False
    if target.size and size != target.size:
        return f"(judged at {target.size // 1000}k)", False
    parts, ok = [], True
    for key, limit, what in (("cpu", target.cpu, "CPU"), ("rss", target.rss, "RSS")):
        if limit is not None:
            parts.append(f"≤ {fmt(limit, '.2f' if limit < 10 else '.0f')}× {what}")
            ok &= ratios[key] is not None and ratios[key] <= limit
    return f"{', '.join(parts)}: {'met' if ok else '**missed**'}", not ok


def table(benches: list[Bench], missed: list[str], notes: list[str]) -> list[str]:
    lines = [HEADER, RULE]
    for bench in benches:
        where = f"{bench.size:,}" if bench.size else "shipped"
        for name, row in bench.rows.items():
            series = bench.series[name]
            if series.missing:
                notes.append(f"{bench.title}, {row.label}: n/a ({series.missing})")
                cell = "" if row.target is None else "n/a"
                lines.append(f"| {where} | {row.label} | n/a | n/a | n/a | n/a | n/a | n/a | 0 "
                             f"| {cell} |")
                if row.target is not None and not (row.target.size
                                                   and bench.size != row.target.size):
                    missed.append(f"{bench.title}, {row.label}: not measured "
                                  f"({series.missing})")
                continue
            if row.base and not bench.series[row.base].missing:
                ratios, rounds = series.ratios(bench.series[row.base])
            else:
                ratios = {"cpu": 1.0 if not row.base else None,
                          "rss": 1.0 if not row.base else None,
                          "wall": 1.0 if not row.base else None}
                rounds = len(series.samples)
            cell, miss = verdict(row.target, bench.size, ratios)
            if miss:
                missed.append(f"{bench.title}, {row.label}: {cell}")
            lines.append(f"| {where} | {row.label} | {fmt(series.cpu, '.2f')} | "
                         f"{fmt(ratios['cpu'], '.2f')} | {fmt(series.rss_mb, '.0f')} | "
                         f"{fmt(ratios['rss'], '.2f')} | {fmt(series.wall, '.2f')} | "
                         f"{fmt(ratios['wall'], '.2f')} | {rounds} | {cell} |")
            children = max((s.processes for s in series.samples.values()), default=1)
            if children > 1:
                notes.append(f"{bench.title}, {row.label}: up to {children} processes; its "
                             "peak RSS is the sum of theirs.")
        if bench.fava:
            loads = statistics.median(d["load_s"] for d in bench.fava)
            later = statistics.median(d["renders_s"][-1] for d in bench.fava)
            notes.append(f"{bench.title}: Fava's own load of the ledger (not in the page time) "
                         f"{loads:.2f} s median; a later render {later:.2f} s; page "
                         f"{bench.fava[-1]['bytes'] / 1024:.0f} KiB.")
        notes += bench.notes
    return lines


def growth(benches: list[Bench]) -> list[str]:
    by_size = {b.size: b for b in benches if b.size}
    sizes = sorted(by_size)
    pairs = list(zip(sizes, sizes[1:]))
    if not pairs:
        return []
    first = by_size[sizes[0]]
    lines = ["Growth of the median CPU time (linear: the ratio of the sizes):", "",
             "| Command | " + " | ".join(f"{b // 1000}k / {a // 1000}k" for a, b in pairs) + " |",
             "|---|" + "---:|" * len(pairs)]
    for name, row in first.rows.items():
        cells = []
        for a, b in pairs:
            ca, cb = by_size[a].series[name].cpu, by_size[b].series[name].cpu
            cells.append(fmt(cb / ca if ca and cb else None, ".2f"))
        lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    return lines + [""]


def markdown(results: dict[str, list[Bench]], shipped: Bench | None,
             args: argparse.Namespace, describe: dict[str, str]) -> str:
    missed: list[str] = []
    notes: list[str] = []
    out = [f"Measured {datetime.date.today()} on {machine()}.", "",
           f"Every row: the median of {times(args.repeat, 'run')} (on the shipped ledger "
           f"{args.shipped_repeat}), each command run in alternation with its baseline in the "
           "same round: `bean-check -C` of the same ledger, except the proposals row of the "
           "shipped ledger (`check --no-cache` of the shipped ledger). Pairs run the baseline "
           "first in odd rounds and second in even ones. × is the median over the rounds of "
           "the ratio to that round's baseline. CPU time is user + system time of the process; "
           "peak RSS is the process's (os.wait4's ru_maxrss; summed over the processes if a "
           "command starts children, as the notes say). The verdicts are on CPU time and peak "
           "RSS; wall time is shown, not judged. The Fava row is the whole Fava process (load "
           "included) except its wall time: the page rendered once Fava has loaded the ledger. "
           "Cold: `check --no-cache`; warm: `check` right after it, nothing changed; pending: "
           "`check --pending` of one proposed payment.", ""]
    for profile, benches in results.items():
        out += [f"### Profile {profile}", "", describe[profile] + ".", "",
                *table(benches, missed, notes), "", *growth(benches)]
    if shipped is not None:
        out += ["### The shipped ledger", "",
                f"main.beancount of the repository (with its plugin line) and its rules, "
                f"{times(shipped.repeat, 'round')}.", "", *table([shipped], missed, notes), ""]
    if notes:
        out += ["Notes:", "", *[f"- {note}" for note in notes], ""]
    out += ["Targets missed:" if missed else "Every target judged was met.", ""]
    out += [f"- {line}" for line in missed] + ([""] if missed else [])
    return "\n".join(out)
