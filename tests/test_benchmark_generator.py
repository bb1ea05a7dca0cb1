"""The benchmark's ledger generator (benchmarks/generate.py) cannot rot.

A small generated ledger (about 2,000 transactions, ten years, one planted violation of every
kind the generator knows) is valid Beancount, and the real engine finds exactly the planted
violations: same kind, file and line, and nothing else (no other error, no warning).
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from beancount import loader

from aipo_budget.core.engine import audit
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("aipo_bench_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


generate = _generator()
KINDS = {kind for kind, _variant in generate.PLANTS}


@pytest.fixture(scope="module", params=[1, 7], ids=lambda seed: f"seed{seed}")
def generated(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"bench-seed{request.param}")
    manifest = generate.generate(out, transactions=2000, seed=request.param,
                                 violations=len(generate.PLANTS))
    entries, errors, options = load_ledger(str(out / "main.beancount"))
    return out, manifest, entries, errors, options


def _expected(out: Path) -> set[tuple[str, str, int]]:
    data = json.loads((out / "expected-violations.json").read_text())
    return {(v["kind"], os.path.normpath(out / v["filename"]), v["lineno"]) for v in data}


def test_shape(generated):
    out, manifest, entries, errors, options = generated
    assert manifest["transactions"] == 2000
    assert sum(1 for e in entries if type(e).__name__ == "Transaction") == 2000
    assert manifest["prices"] >= 3650  # a daily IDR price over ten years
    assert 90 <= manifest["surplus_outflows"] <= 110  # about 5 %
    assert len(manifest["resolutions"]) >= 3 and len(manifest["projects"]) >= 5
    assert 'plugin "' not in (out / "main.beancount").read_text()  # bean-check -C stays pure
    assert (out / "rules" / "art21.toml").exists()
    assert len(list((out / "documents").rglob("*.pdf"))) < 300
    ruleset = load_rules(out / "rules")
    authorised = ruleset.of_kind("authorization")[0].versions[-1].params.resolutions
    assert set(authorised) == set(manifest["resolutions"])
    for project in manifest["projects"]:
        for kind in ("period", "ceiling", "cofunding"):
            assert ruleset.for_project(kind, project) is not None, (kind, project)


def test_no_beancount_errors(generated):
    _out, _manifest, _entries, errors, _options = generated
    assert errors == []


def test_engine_finds_exactly_the_planted_violations(generated):
    out, manifest, entries, errors, options = generated
    as_of = datetime.date.fromisoformat(manifest["judge_as_of"])
    result = audit(entries, load_rules(out / "rules"), as_of, errors, until=as_of,
                   options=options)
    expected = _expected(out)
    assert {kind for kind, _f, _n in expected} == KINDS  # one of every kind was planted
    found = {(f.kind, os.path.normpath(f.filename), f.lineno) for f in result.errors}
    assert expected - found == set(), "planted violations not found"
    assert found - expected == set(), "errors that were not planted"
    assert len(result.errors) == len(expected)
    assert result.warnings == []


def test_every_document_resolves_for_fava(generated):
    """Fava's own link_documents plugin resolves every document: but the planted broken one."""
    out, _manifest, _entries, _errors, _options = generated
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


def test_plugin_flag(tmp_path):
    generate.generate(tmp_path, transactions=1500, seed=3, violations=0, with_plugin=True)
    assert 'plugin "aipo_budget.plugin" "rules"' in (tmp_path / "main.beancount").read_text()
    assert json.loads((tmp_path / "expected-violations.json").read_text()) == []
