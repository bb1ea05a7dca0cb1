"""Measuring whole processes for benchmarks/run.py: wall time around the process, CPU time and
peak memory from ``os.wait4`` (user + system time and ``ru_maxrss`` of the process and its
waited-for children), and the machine's description.

Peak memory is that of the process tree: ``ru_maxrss`` when the command runs as one process
(the usual case: none of the timed commands starts another). A watcher thread lists the
process's descendants every 50 ms (``/proc/PID/task/*/children``); if it sees any, the sample's
peak is the sum of each process's peak (``VmHWM`` of ``/proc/PID/status``, last read while it
ran), and never less than ``ru_maxrss`` (which is only the largest of them).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
WATCH_INTERVAL = 0.05  # seconds between two looks at the process's descendants
CACHE_DIR = HERE / "out" / "cache"  # AIPO_BUDGET_CACHE_DIR of the timed commands


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"run.py: {name} not found beside {sys.executable} nor on PATH")
    return found


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def last_line(text: str) -> str:
    """The last non-empty line (where click and Python put the reason of a failure)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


@dataclass
class Sample:
    wall: float
    rss_kb: int
    rc: int
    stdout: str
    stderr: str
    round: int = 0
    cpu: float = 0.0  # user + system seconds of the process (and of any child it waited for)
    processes: int = 1  # the process and the descendants the watcher saw


@dataclass
class Series:
    """The runs of one row: samples by round, or why it has none."""

    name: str
    samples: dict[int, Sample] = field(default_factory=dict)
    na: str | None = None
    failed: str | None = None

    @property
    def wall(self) -> float | None:
        return statistics.median(s.wall for s in self.samples.values()) if self.samples else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(s.cpu for s in self.samples.values()) if self.samples else None

    @property
    def rss_mb(self) -> float | None:
        if not self.samples:
            return None
        return statistics.median(s.rss_kb for s in self.samples.values()) / 1024

    @property
    def missing(self) -> str | None:
        return self.na or (f"failed: {self.failed}" if self.failed else None)

    def ratios(self, base: Series) -> tuple[dict[str, float | None], int]:
        """The medians over the rounds of this row's CPU time, peak RSS and wall time, each
        divided by the baseline's in the same round (``{"cpu", "rss", "wall"}``), and the
        number of rounds both ran."""
        ratios: dict[str, list[float]] = {"cpu": [], "rss": [], "wall": []}
        for number, sample in self.samples.items():
            other = base.samples.get(number)
            if other is None:
                continue
            for key, mine, theirs in (("cpu", sample.cpu, other.cpu),
                                      ("rss", sample.rss_kb, other.rss_kb),
                                      ("wall", sample.wall, other.wall)):
                if theirs > 0:
                    ratios[key].append(mine / theirs)
        pairs = sum(1 for number in self.samples if number in base.samples)
        return {key: statistics.median(values) if values else None
                for key, values in ratios.items()}, pairs


def _children(pid: int) -> list[int]:
    """The pids of the children of ``pid`` (every thread's), [] when it is gone."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as file:
                found += [int(child) for child in file.read().split()]
        except (OSError, ValueError):
            continue
    return found


def _peak_kb(pid: int) -> int:
    """The peak resident set (VmHWM) of a running process in KiB, 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as file:
            for line in file:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeWatch(threading.Thread):
    """Every WATCH_INTERVAL, the descendants of ``pid`` and, once there are any, the peak
    RSS of each process of the tree (the root's included) as last read while it ran."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, int] = {}  # descendants' pids -> their last VmHWM
        self.root_peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(WATCH_INTERVAL):
            pending, seen = _children(self.pid), set()
            while pending:
                child = pending.pop()
                if child in seen:
                    continue
                seen.add(child)
                pending += _children(child)
                self.peaks[child] = max(self.peaks.get(child, 0), _peak_kb(child))
            if self.peaks:
                self.root_peak = max(self.root_peak, _peak_kb(self.pid))

    def total_kb(self, maxrss_kb: int) -> int:
        """The process tree's peak: ``ru_maxrss`` alone for one process, else the sum of the
        peaks seen, never less than ``ru_maxrss`` (the largest single process's)."""
        if not self.peaks:
            return maxrss_kb
        return max(maxrss_kb, self.root_peak + sum(self.peaks.values()))


TIME = shutil.which("time") if os.path.exists("/usr/bin/time") else None  # GNU time


def measure(argv: list[str], cwd: Path) -> Sample:
    """Run ``argv`` once: wall time around the process; CPU time (user + system) and peak RSS
    from ``os.wait4`` (summed over the process tree when it has children: TreeWatch)."""
    env = dict(os.environ, AIPO_BUDGET_CACHE_DIR=str(CACHE_DIR))  # our own, not ~/.cache
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        # ru_maxrss survives exec: a command forked from this process (grown by generating
        # ledgers) would report this process's peak if it is larger. GNU time forks the
        # command from its own small image and reports its true peak (%M, KiB).
        if TIME:
            argv = [TIME, "-f", "%M", "-o", peak.name, *argv]
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, text=True, env=env)
        watch = TreeWatch(proc.pid)
        watch.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        watch.done.set()
        watch.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        maxrss = usage.ru_maxrss
        if TIME:
            reported = peak.read().split()
            maxrss = int(reported[-1]) if reported and reported[-1].isdigit() else maxrss
            if watch.peaks:  # the command is time's child: the root of the tree measured
                watch.root_peak = watch.peaks.pop(next(iter(watch.peaks)))
        return Sample(wall, watch.total_kb(maxrss), proc.returncode, out.read(),
                      err.read(), cpu=usage.ru_utime + usage.ru_stime,
                      processes=1 + len(watch.peaks))


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
