"""The benchmark's second ledger profile (benchmarks/generate_cofunded.py) cannot rot.

A small generated ledger (2,000 transactions, ten years, one planted violation of every variant)
is valid Beancount, has the shape the profile promises (most project costs co-funded, shared
payments, accruals paid in parts, half the operating expenses in rupiah with daily prices,
several fund sub-accounts, nested glob includes), and the real engine and `aipo-budget check`
find exactly the planted violations: same kind, file and line, and nothing else.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
from beancount import loader
from beancount.core import data
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.engine import audit
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import load_rules

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _generator():
    spec = importlib.util.spec_from_file_location("aipo_bench_generate_cofunded",
                                                  BENCHMARKS / "generate_cofunded.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


generate = _generator()
plants = sys.modules["cofunded_plants"]  # imported by the generator from its folder
VARIANTS = len(plants.PLANTS)


@pytest.fixture(scope="module", params=[1, 4], ids=lambda seed: f"seed{seed}")
def generated(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"cofunded-seed{request.param}")
    manifest = generate.generate(out, transactions=2000, seed=request.param, findings=VARIANTS)
    entries, errors, options = load_ledger(str(out / "main.beancount"))
    return out, manifest, entries, errors, options


def _expected(out: Path) -> set[tuple[str, str, int]]:
    found = json.loads((out / "expected-violations.json").read_text())
    return {(v["kind"], os.path.normpath(out / v["filename"]), v["lineno"]) for v in found}


def _transactions(entries):
    return [e for e in entries if isinstance(e, data.Transaction)]


def _fund(account: str) -> bool:
    return account.startswith("Assets:Surplus-Fund:")


def test_no_beancount_errors(generated):
    assert generated[3] == []


def test_layout(generated):
    out, manifest, entries, _errors, options = generated
    main = (out / "main.beancount").read_text()
    assert 'plugin "' not in main  # bean-check -C stays Beancount alone
    assert 'include "ledger/*/year.beancount"' in main  # a glob, whose files include a glob
    assert 'include "*/*.beancount"' in (out / "ledger" / "2016" / "year.beancount").read_text()
    files = {os.path.relpath(name, out) for name in options["include"]}
    assert len([f for f in files if f.count(os.sep) == 3]) > 100  # ledger/<year>/<month>/...
    assert manifest["transactions"] == len(_transactions(entries)) == 2000
    ruleset = load_rules(out / "rules")
    assert ruleset.of_kind("duplicate")
    for project in manifest["projects"]:
        for kind in ("period", "ceiling", "cofunding"):
            assert ruleset.for_project(kind, project) is not None, (kind, project)


def test_daily_prices_and_rupiah_expenses(generated):
    _out, _manifest, entries, _errors, _options = generated
    idr = sorted(e.date for e in entries if isinstance(e, data.Price) and e.currency == "IDR")
    assert len(idr) >= 3650 and all((b - a).days == 1 for a, b in zip(idr, idr[1:]))
    currencies = Counter(p.units.currency for t in _transactions(entries) for p in t.postings
                         if p.account.startswith("Expenses:Secretariat:"))
    assert 0.4 <= currencies["IDR"] / sum(currencies.values()) <= 0.6


def test_cofunding_shared_payments_and_accruals(generated):
    _out, manifest, entries, _errors, _options = generated
    txns = _transactions(entries)
    assert manifest["cofunded_share_of_project_costs"] > 0.5
    shared = [t for t in txns if any(_fund(p.account) and p.units.number < 0 for p in t.postings)
              and any(p.account.startswith("Assets:Co-Funding:") for p in t.postings)]
    assert len(shared) >= 30
    several = [t for t in txns if len({p.account.split(":")[2] for p in t.postings
                                       if p.account.startswith("Expenses:Projects:")}) > 1]
    assert several
    parts = defaultdict(list)
    for txn in txns:
        if any(p.account == "Liabilities:Payables" and p.units.number > 0 for p in txn.postings):
            for link in txn.links:
                parts[link].append(txn.meta.get("document"))
    assert parts and all(len(documents) >= 2 for documents in parts.values())
    cited = [d for documents in parts.values() for d in documents if d]
    assert len(cited) == len(set(cited))  # every part its own evidence
    moves = [t for t in txns if t.postings and all(_fund(p.account) for p in t.postings)]
    assert len({p.account for t in moves for p in t.postings}) >= 4


def test_engine_finds_exactly_the_planted_violations(generated):
    out, manifest, entries, errors, options = generated
    as_of = datetime.date.fromisoformat(manifest["judge_as_of"])
    result = audit(entries, load_rules(out / "rules"), as_of, errors, until=as_of,
                   options=options)
    expected = _expected(out)
    assert len(expected) == VARIANTS
    assert {kind for kind, _f, _n in expected} == {kind for kind, _v in plants.PLANTS}
    found = {(f.kind, os.path.normpath(f.filename), f.lineno) for f in result.findings}
    assert expected - found == set(), "planted violations not found"
    assert found - expected == set(), "findings that were not planted"
    assert len(result.errors) == len(result.findings) == VARIANTS


def test_check_command_reports_only_them(generated):
    out = generated[0]
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json",
                                      str(out / "main.beancount")])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["summary"]["errors"] == VARIANTS
    assert report["summary"]["warnings"] == 0
    found = {(f["kind"], os.path.normpath(f["filename"]), f["lineno"])
             for f in report["findings"]}
    assert found == _expected(out)


def test_every_document_resolves_for_fava(generated):
    """Fava's own link_documents resolves every document (names and relative paths) but the
    planted broken ones."""
    out = generated[0]
    text = (out / "main.beancount").read_text()
    probe = out / "fava-links.beancount"
    probe.write_text(text.replace('option "documents" "documents"\n',
                                  'option "documents" "documents"\n'
                                  'plugin "fava.plugins.link_documents"\n'))
    try:
        _entries, errors, _options = loader._load([(str(probe), True)], None, None, None)
    finally:
        probe.unlink()
    unresolved = {(os.path.normpath(e.source["filename"]), e.source["lineno"]) for e in errors}
    planted = json.loads((out / "expected-violations.json").read_text())
    broken = {(os.path.normpath(out / v["filename"]), v["lineno"]) for v in planted
              if v["note"] == "unresolved-document"}
    assert unresolved == broken, [e.message for e in errors]


def test_rotation_past_the_transfers():
    """Beyond the ledger's transfers (two a year), the transfer plants become other kinds."""
    kinds = plants.plant_kinds(SimpleNamespace(k=VARIANTS * 20, years=10))
    assert len(kinds) == VARIANTS * 20
    assert sum(1 for kind, _v in kinds if kind == "transfer") == 18


def test_too_many_findings_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="too many --findings|too few --transactions"):
        generate.generate(tmp_path / "out", transactions=2000, seed=1, findings=1500)
