"""The benchmark's proposals and its way of measuring a process (benchmarks/bench_ledgers.py,
benchmarks/bench_measure.py) cannot rot.

- The 1,000-proposal row of benchmarks/run.py judges proposals that can be paid: on a copy of
  the shipped ledger (never the repository's own folders), a smaller batch of the same
  proposals, each with its evidence file, is judged "can be paid" without a finding.
- The one-proposal row's payment names a project and a category of each profile's rules.
- Peak memory is that of the process tree: one process gives os.wait4's ru_maxrss; a command
  that starts a child is measured as the sum of both peaks.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from beancount.core import data
from beancount.parser import parser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # the benchmark's modules import one another
try:
    import bench_ledgers
    import bench_measure
    import generate
    import generate_cofunded
finally:
    sys.path.remove(str(ROOT / "benchmarks"))


def _repository_documents() -> set[str]:
    return {str(path) for path in (ROOT / "documents").rglob("*") if path.is_file()}


def test_the_proposals_of_the_shipped_ledger_can_be_paid(tmp_path):
    before = _repository_documents()
    main, proposals, as_of = bench_ledgers.shipped_with_proposals(tmp_path, 30)
    assert main.parent == tmp_path / "shipped-proposals"
    assert _repository_documents() == before  # the evidence went into the copy only
    entries, errors, _options = parser.parse_file(str(proposals))
    assert not errors
    assert len(entries) == 30
    assert all(entry.date <= as_of for entry in entries)
    assert len({entry.meta["document"] for entry in entries}) == 30  # each its own evidence
    env = dict(os.environ, AIPO_BUDGET_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run(
        [bench_measure.tool("aipo-budget"), "check", "--pending", str(proposals), "--as-of",
         str(as_of), "--format", "json", "--quiet", str(main)],
        capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    judged = json.loads(done.stdout)["proposals"]
    assert len(judged) == 30
    assert {proposal["verdict"] for proposal in judged} == {"can be paid"}
    assert not [finding for proposal in judged for finding in proposal["findings"]]


@pytest.mark.parametrize("module", [generate, generate_cofunded],
                         ids=["standard", "cofunded"])
def test_the_one_proposal_names_a_project_of_the_rules(module, tmp_path):
    if module is generate:
        manifest = module.generate(tmp_path, transactions=2000, seed=1, violations=0)
    else:
        manifest = module.generate(tmp_path, transactions=2000, seed=1, findings=13)
    path = bench_ledgers.proposal(tmp_path)
    entries, errors, _options = parser.parse_file(str(path))
    assert not errors
    [entry] = entries
    assert isinstance(entry, data.Transaction)
    assert entry.date == datetime.date.fromisoformat(manifest["judge_as_of"])
    project = entry.postings[0].account.split(":")[2]
    assert project in manifest["projects"]
    assert entry.meta["resolution"] in {
        rule["resolution"] for rule in bench_ledgers.rule_params(tmp_path / "rules", "purpose")}


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_peak_memory_is_the_process_trees(tmp_path):
    hold = "import time; x = b'x' * 150_000_000; time.sleep(0.4)"  # pages written
    alone = bench_measure.measure(_python(hold), tmp_path)
    assert alone.rc == 0 and alone.processes == 1
    assert alone.rss_kb > 150_000
    parent = bench_measure.measure(_python(
        "import subprocess, sys; y = b'y' * 100_000_000; "
        f"subprocess.run([sys.executable, '-c', {hold!r}], check=True)"), tmp_path)
    assert parent.rc == 0 and parent.processes == 2
    assert parent.rss_kb > 250_000  # both peaks, not only the child's (the larger)
    assert parent.cpu > 0
