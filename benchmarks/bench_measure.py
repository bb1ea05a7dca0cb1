"""Measuring whole processes for benchmarks/run.py: wall time around the process, peak RSS
with ``/usr/bin/time -f %M`` (else ``os.wait4``'s ``ru_maxrss``), and the machine's description."""

from __future__ import annotations

import importlib.metadata
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
BIN = Path(sys.executable).parent
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
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
    cpu: float = 0.0  # user + system seconds, the process's and its forked copy's


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
    def rss_mb(self) -> float | None:
        if not self.samples:
            return None
        return statistics.median(s.rss_kb for s in self.samples.values()) / 1024

    @property
    def missing(self) -> str | None:
        return self.na or (f"failed: {self.failed}" if self.failed else None)

    def cpu_ratio(self, base: Series) -> float | None:
        """The median over the rounds of this row's CPU time divided by the baseline's."""
        ratios = [sample.cpu / base.samples[number].cpu
                  for number, sample in self.samples.items()
                  if number in base.samples and base.samples[number].cpu > 0]
        return statistics.median(ratios) if ratios else None

    def ratios(self, base: Series) -> tuple[float | None, float | None, int]:
        """Medians over the rounds of this row's wall time and peak RSS divided by the
        baseline's in the same round (the pairs), and the number of pairs."""
        walls, rss = [], []
        for number, sample in self.samples.items():
            other = base.samples.get(number)
            if other and other.wall > 0:
                walls.append(sample.wall / other.wall)
                if other.rss_kb:
                    rss.append(sample.rss_kb / other.rss_kb)
        return (statistics.median(walls) if walls else None,
                statistics.median(rss) if rss else None, len(walls))


def measure(argv: list[str], cwd: Path) -> Sample:
    """Run ``argv`` once; wall time around the process, peak RSS of the process."""
    env = dict(os.environ, AIPO_BUDGET_CACHE_DIR=str(CACHE_DIR))  # our own, not ~/.cache
    if TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
            started = time.perf_counter()
            proc = subprocess.run([TIME, "-f", "%M %U %S", "-o", out.name, *argv], cwd=cwd,
                                  capture_output=True, text=True, check=False, env=env)
            wall = time.perf_counter() - started
            lines = [line for line in Path(out.name).read_text().splitlines() if line.strip()]
        fields = lines[-1].split() if lines else []
        rss = int(fields[0]) if fields and fields[0].isdigit() else 0
        cpu = sum(map(float, fields[1:3])) if len(fields) == 3 else 0.0
        return Sample(wall, rss, proc.returncode, proc.stdout, proc.stderr, cpu=cpu)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, text=True, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Sample(wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), out.read(),
                      err.read(), cpu=usage.ru_utime + usage.ru_stime)


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
