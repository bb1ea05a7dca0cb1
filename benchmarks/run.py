"""Benchmark aipo-budget against Beancount's own load (bean-check -C), whole processes.

    python benchmarks/run.py [--sizes 25000,50000,100000,200000] [--repeat 3] [--seed 1]
                             [--violations 20] [--work benchmarks/out/ledgers]
                             [--results benchmarks/out/results.md]

For every size it generates (or reuses) a ledger with benchmarks/generate.py, then times, on that
same ledger, in alternation (A B C D E, A B C D E, ...), ``--repeat`` runs of:

- A ``bean-check -C main.beancount``: the baseline, Beancount's load with no cache;
- B ``aipo-budget check main.beancount``, cold: just before it, a comment line that changes
  main.beancount's content and size is written, so that any cache keyed on the ledger files is
  invalid (Beancount's own pickle cache is deleted by A's ``-C`` anyway);
- C ``aipo-budget check main.beancount``, warm: run again right after B, nothing changed
  (the tool's result cache lives in benchmarks/out/cache: ``AIPO_BUDGET_CACHE_DIR``);
- D ``aipo-budget report main.beancount --table all --format plain`` ("n/a" while the command or
  one of its options does not exist: exit status 2 with "No such command/option");
- E the Fava extension page (benchmarks/fava_page.py on fava.beancount): the ledger is loaded by
  Fava first, then the page is rendered in-process; its time is the first render after the
  load, its RSS the whole Fava process's peak ("n/a" while aipo_budget.fava_ext cannot be
  imported).

Wall time is measured around the process; peak RSS with ``/usr/bin/time -f %M`` (else with
``os.wait4``'s ``ru_maxrss``). The table gives medians and the ratios to the baseline, the
growth from 100k to 200k transactions, and the issue's targets. It is printed and written to
``--results`` (Markdown, for the README) with the raw samples beside it (``results.json``).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
CACHE_DIR = HERE / "out" / "cache"  # AIPO_BUDGET_CACHE_DIR for the timed commands

BASELINE = "bean-check -C"
COLD = "aipo-budget check (cold)"
WARM = "aipo-budget check (warm)"
REPORT = "aipo-budget report --table all"
FAVA = "Fava extension page"
ORDER = [BASELINE, COLD, WARM, REPORT, FAVA]
# (max wall ratio, max RSS ratio, absolute max seconds) from issue 5, judged at 100k
TARGETS = {
    COLD: (1.10, 1.15, None),
    WARM: (0.50, None, None),
    REPORT: (1.25, None, None),
    FAVA: (None, None, 0.5),
}
GROWTH_TARGET = 2.2


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"run.py: {name} not found beside {sys.executable} nor on PATH")
    return found


@dataclass
class Sample:
    wall: float
    rss_kb: int
    rc: int
    stdout: str
    stderr: str


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)
    na: str | None = None  # why the row is n/a
    failed: str | None = None

    @property
    def wall(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.samples else None

    @property
    def rss_mb(self) -> float | None:
        if not self.samples:
            return None
        return statistics.median(s.rss_kb for s in self.samples) / 1024


def measure(argv: list[str], cwd: Path) -> Sample:
    """Run ``argv`` once; wall time around the process, peak RSS of the process."""
    env = dict(os.environ, AIPO_BUDGET_CACHE_DIR=str(CACHE_DIR))  # our own, not ~/.cache
    if TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
            started = time.perf_counter()
            proc = subprocess.run([TIME, "-f", "%M", "-o", out.name, *argv], cwd=cwd,
                                  capture_output=True, text=True, check=False, env=env)
            wall = time.perf_counter() - started
            lines = [line for line in Path(out.name).read_text().splitlines() if line.strip()]
        rss = int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0
        return Sample(wall, rss, proc.returncode, proc.stdout, proc.stderr)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, text=True, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Sample(wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), out.read(),
                      err.read())


def ensure_ledger(work: Path, size: int, seed: int, violations: int) -> Path:
    folder = work / f"n{size}-seed{seed}-k{violations}"
    manifest = folder / "manifest.json"
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import generate  # noqa: PLC0415 - the sibling script

    if manifest.exists():
        data = json.loads(manifest.read_text())
        if (data.get("generator_version") == generate.GENERATOR_VERSION
                and data.get("transactions") == size and not data.get("with_plugin")):
            log(f"[{size:,}] reusing {folder}")
            return folder
    log(f"[{size:,}] generating {folder} ...")
    started = time.perf_counter()
    generate.generate(folder, transactions=size, seed=seed, violations=violations)
    log(f"[{size:,}] generated in {time.perf_counter() - started:.1f} s")
    return folder


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


class Bench:
    def __init__(self, folder: Path, repeat: int, warmup: bool) -> None:
        self.folder = folder
        self.main = folder / "main.beancount"
        self.original = self.main.read_text(encoding="utf-8")
        self.repeat = repeat
        self.warmup = warmup
        self.series = {name: Series(name) for name in ORDER}
        self.fava: list[dict] = []
        check = tool("aipo-budget")
        self.argv = {
            BASELINE: [tool("bean-check"), "-C", str(self.main)],
            COLD: [check, "check", str(self.main)],
            WARM: [check, "check", str(self.main)],
            REPORT: [check, "report", str(self.main), "--table", "all", "--format", "plain"],
            FAVA: [sys.executable, str(HERE / "fava_page.py"), str(folder / "fava.beancount")],
        }

    def invalidate(self, run: int) -> None:
        stamp = f"; benchmark: cold run {run} at {time.time_ns()} (invalidates any cache)\n"
        self.main.write_text(self.original + stamp, encoding="utf-8")

    def probe(self) -> None:
        help_ = measure([self.argv[REPORT][0], "report", "--help"], self.folder)
        if help_.rc == 2 and "No such command" in help_.stderr:
            self.series[REPORT].na = "no 'report' command yet"
        probe = measure([sys.executable, "-c", "import aipo_budget.fava_ext"], self.folder)
        if probe.rc != 0:
            self.series[FAVA].na = f"aipo_budget.fava_ext: {first_line(probe.stderr)}"

    def run_one(self, name: str, run: int) -> None:
        series = self.series[name]
        if series.na or series.failed:
            return
        if name == COLD:
            self.invalidate(run)
        sample = measure(self.argv[name], self.folder)
        ok = {BASELINE: (0,), COLD: (0, 1), WARM: (0, 1), REPORT: (0, 1), FAVA: (0,)}[name]
        if name == REPORT and sample.rc == 2 and ("No such command" in sample.stderr
                                                  or "No such option" in sample.stderr):
            series.na = first_line(sample.stderr)
            return
        if sample.rc not in ok:
            series.failed = f"exit status {sample.rc}: {first_line(sample.stderr)}"
            log(f"    {name}: FAILED {series.failed}")
            return
        if name == FAVA:
            data = json.loads(sample.stdout.strip().splitlines()[-1])
            if data["status"] == "n/a":
                series.na = data["reason"]
                return
            self.fava.append(data)
            sample.wall = data["first_s"]
        series.samples.append(sample)
        log(f"    {name:<32} {sample.wall:8.2f} s {sample.rss_kb / 1024:8.0f} MB  rc={sample.rc}")

    def run(self) -> None:
        self.probe()
        try:
            if self.warmup:  # one untimed pass: interpreter, bytecode and page caches
                log("  warm-up (not timed)")
                measure(self.argv[BASELINE], self.folder)
                measure(self.argv[WARM], self.folder)
            for run in range(1, self.repeat + 1):
                log(f"  round {run}/{self.repeat}")
                for name in ORDER:
                    self.run_one(name, run)
        finally:
            self.main.write_text(self.original, encoding="utf-8")


# --- the report ----------------------------------------------------------------------------


def fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else format(value, pattern)


def verdict(name: str, wall_ratio: float | None, rss_ratio: float | None,
            wall: float | None) -> str:
    if name not in TARGETS or wall is None:
        return ""
    max_wall, max_rss, max_seconds = TARGETS[name]
    parts, ok = [], True
    if max_wall is not None:
        parts.append(f"≤ {max_wall:.2f}× time")
        ok &= wall_ratio is not None and wall_ratio <= max_wall
    if max_rss is not None:
        parts.append(f"≤ {max_rss:.2f}× RSS")
        ok &= rss_ratio is not None and rss_ratio <= max_rss
    if max_seconds is not None:
        parts.append(f"< {max_seconds} s")
        ok &= wall < max_seconds
    return f"{', '.join(parts)}: {'met' if ok else '**missed**'}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    versions = []
    for package in ("aipo-budget", "beancount", "fava"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} ?")
    return (f"{os.cpu_count()} × {cpu}{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {', '.join(versions)}")


def markdown(results: dict[int, Bench], args: argparse.Namespace) -> str:
    lines = [
        "| Transactions | Command | Median wall (s) | × bean-check -C | Peak RSS (MB) "
        "| × RSS | Runs | Target (issue 5) |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    notes: list[str] = []
    for size, bench in results.items():
        base = bench.series[BASELINE]
        for name in ORDER:
            series = bench.series[name]
            label = name
            if series.na or series.failed:
                why = series.na or f"failed: {series.failed}"
                notes.append(f"{size:,} {name}: n/a ({why})")
                lines.append(f"| {size:,} | {label} | n/a | n/a | n/a | n/a | 0 | |")
                continue
            wall, rss = series.wall, series.rss_mb
            wall_ratio = wall / base.wall if base.wall and wall is not None else None
            rss_ratio = rss / base.rss_mb if base.rss_mb and rss is not None else None
            if name == FAVA:
                label = "Fava extension page (render on a loaded ledger)"
            lines.append(
                f"| {size:,} | {label} | {fmt(wall, '.2f')} | "
                f"{'1.00' if name == BASELINE else fmt(wall_ratio, '.2f')} | {fmt(rss, '.0f')} | "
                f"{'1.00' if name == BASELINE else fmt(rss_ratio, '.2f')} | "
                f"{len(series.samples)} | {verdict(name, wall_ratio, rss_ratio, wall)} |")
        if bench.fava:
            loads = statistics.median(d["load_s"] for d in bench.fava)
            later = statistics.median(d["renders_s"][-1] for d in bench.fava)
            notes.append(f"{size:,} Fava: ledger load by Fava (not in the page time) "
                         f"{loads:.2f} s median; a later render of the page {later:.2f} s; "
                         f"page {bench.fava[-1]['bytes'] / 1024:.0f} KiB.")
    out = [f"Measured {datetime.date.today()} on {machine()}.", "",
           f"Medians of {args.repeat} runs of each command, run in alternation on the same "
           f"generated ledger (benchmarks/generate.py, seed {args.seed}, {args.violations} planted "
           "violations, ten years, daily IDR prices, about 5 % surplus outflows). Wall time is the "
           "whole process, except the Fava row: the page rendered in-process once Fava has loaded "
           "the ledger (its RSS is the whole Fava process). Cold: a ledger file was changed just "
           "before; warm: the same command again, nothing changed.", "", *lines, ""]
    growth = growth_lines(results)
    if growth:
        out += growth + [""]
    if notes:
        out += ["Notes:", ""] + [f"- {note}" for note in notes] + [""]
    return "\n".join(out)


def growth_lines(results: dict[int, Bench]) -> list[str]:
    sizes = sorted(results)
    pairs = [(a, b) for a, b in zip(sizes, sizes[1:])]
    if not pairs:
        return []
    header = "| Command | " + " | ".join(f"{b // 1000}k / {a // 1000}k" for a, b in pairs) + " |"
    lines = ["Growth of the median wall time (linear would be the ratio of the sizes; "
             f"target: 200k / 100k ≤ {GROWTH_TARGET}):", "", header,
             "|---|" + "---:|" * len(pairs)]
    for name in ORDER:
        cells = []
        for a, b in pairs:
            wa, wb = results[a].series[name].wall, results[b].series[name].wall
            cells.append(fmt(wb / wa if wa and wb else None, ".2f"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if 100_000 in results and 200_000 in results:
        lines.append("")
        for name in ORDER:
            wa = results[100_000].series[name].wall
            wb = results[200_000].series[name].wall
            ratio = wb / wa if wa and wb else None
            mark = "" if ratio is None else (" (met)" if ratio <= GROWTH_TARGET else " (**missed**)")
            lines.append(f"- 200k / 100k, {name}: {fmt(ratio, '.2f')}{mark}")
    else:
        lines.append("")
        lines.append("- 200k / 100k: n/a (run with --sizes including 100000 and 200000)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark aipo-budget against bean-check -C.")
    parser.add_argument("--sizes", default="25000,50000,100000,200000",
                        help="comma-separated transaction counts (default 25000,50000,100000,"
                             "200000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--violations", type=int, default=20)
    parser.add_argument("--work", type=Path, default=HERE / "out" / "ledgers",
                        help="where generated ledgers are kept and reused")
    parser.add_argument("--results", type=Path, default=HERE / "out" / "results.md")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first pass")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s]
    log(f"machine: {machine()}")
    log(f"peak RSS via {'/usr/bin/time -f %M' if TIME else 'os.wait4 ru_maxrss'}")
    results: dict[int, Bench] = {}
    for size in sizes:
        folder = ensure_ledger(args.work, size, args.seed, args.violations)
        bench = Bench(folder, args.repeat, not args.no_warmup)
        log(f"[{size:,}] timing {args.repeat} rounds of {', '.join(ORDER)}")
        bench.run()
        results[size] = bench
    text = markdown(results, args)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    raw = {
        str(size): {
            "ledger": str(bench.folder),
            "series": {name: {"na": s.na, "failed": s.failed,
                              "samples": [{"wall": x.wall, "rss_kb": x.rss_kb, "rc": x.rc}
                                          for x in s.samples]}
                       for name, s in bench.series.items()},
            "fava": bench.fava,
        }
        for size, bench in results.items()
    }
    args.results.with_suffix(".json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    log(f"written {args.results} and {args.results.with_suffix('.json')}")
    slow = [size for size, bench in results.items()
            if bench.series[COLD].wall and bench.series[BASELINE].wall
            and bench.series[COLD].wall > 1.10 * bench.series[BASELINE].wall]
    for size in slow:
        log(f"cold check above 1.10x at {size:,}: profile with "
            f"{sys.executable} {HERE / 'profile_check.py'} {results[size].main}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
