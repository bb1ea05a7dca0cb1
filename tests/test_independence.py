"""The engine's tests survive an amendment of the shipped rules (issue 9, section 3).

Every test runs on the tests' own rules, ``tests/rules``, except the modules in SHIPPED_USERS:
"the shipped ledger passes the shipped rules" is theirs. Proved two ways: ``conftest.RULES`` is
the tests' folder, and a scan of every test module's syntax tree (conftest included) finds no
other way to the shipped ``rules/``:

- a path into it, however spelled (``ROOT / "rules"``, ``SHIPPED / name`` in a loop over
  ``("ledger", "rules")``, ``Path(__file__).parents[1] / "rules"``), or a copy or link of the
  whole repository;
- the shipped ``main.beancount`` on a command line, or given to ``invoke``, without ``--rules``,
  or given to Fava (whose plugin reads the rules beside the ledger);
- a process or a ``chdir`` into the repository (the default ledger, and the rules beside it)
  without ``--rules``.

The scan evaluates pure path expressions only (names, constants, ``/``, ``Path``, ``str``,
``parent``, ``parents[i]``, ``resolve``, ``joinpath``, ``os.path.join``) over names bound at module
level or by a loop over constants. A path built from a function's argument is out of its sight;
the tests of the scanner below pin down what it does see.
"""

from __future__ import annotations

import ast
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import conftest
from aipo_budget.core.rules import KINDS, load_rules

TESTS = Path(__file__).resolve().parent
ROOT = conftest.ROOT.resolve()
SHIPPED_RULES = ROOT / "rules"
SHIPPED_LEDGER = ROOT / "main.beancount"
# The modules that may use the shipped rules, and why.
SHIPPED_USERS = {
    "test_shipped_ledger.py": "the shipped ledger passes the shipped rules (the README's make run)",
    "test_docs.py": "the README's commands, run as a newcomer runs them on the shipped ledger",
    "test_approvals.py": "a copy of the shipped ledger and rules asking for signatures from 2006, "
                         "the signed-approval case as an auditor tries it",
    "test_independence.py": "names the shipped rules folder to guard it",
    "test_pack_print.py": "the shipped ledger's pack printed as an auditor prints it",
}
RULES_OPTIONS = {"--rules", "-r"}
PURE_ATTRIBUTES = {"parent", "parents", "resolve", "joinpath", "absolute", "path", "join"}
PURE_FUNCTIONS = {"Path", "str"}
LEDGER_CONSUMERS = {"invoke", "Fava", "create_app"}


# --- the scanner -----------------------------------------------------------------------------


def is_pure(node: ast.AST) -> bool:
    """Only names, constants and path arithmetic: safe to evaluate, no I/O."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if sub.keywords or not (
                    (isinstance(func, ast.Name) and func.id in PURE_FUNCTIONS)
                    or (isinstance(func, ast.Attribute) and func.attr in PURE_ATTRIBUTES)):
                return False
        elif isinstance(sub, ast.Attribute):
            if sub.attr not in PURE_ATTRIBUTES:
                return False
        elif isinstance(sub, ast.BinOp):
            if not isinstance(sub.op, ast.Div):
                return False
        elif not isinstance(sub, (ast.Name, ast.Constant, ast.Subscript, ast.expr_context,
                                  ast.operator)):
            return False
    return True


def evaluate(node: ast.AST, names: dict[str, Any]) -> Path | None:
    """The absolute, resolved path a pure expression means, or None."""
    if not isinstance(node, ast.expr) or not is_pure(node):
        return None
    try:
        # is_pure allowed path arithmetic only: no builtins, no I/O beyond resolving a path
        value = eval(compile(ast.Expression(node), "<scan>", "eval"),
                     {"__builtins__": {}, "Path": Path, "str": str, "os": os}, dict(names))
    except Exception:  # a name it does not know, a method of a non-path: not a path
        return None
    if isinstance(value, (str, Path)) and os.path.isabs(value):
        return Path(value).resolve()
    return None


def module_names(tree: ast.Module, path: Path) -> dict[str, Any]:
    """The module-level names bound to a path: conftest's, and pure assignments in order."""
    names: dict[str, Any] = {"__file__": str(path)}
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "conftest":
            for alias in statement.names:
                value = getattr(conftest, alias.name, None)
                if isinstance(value, (str, Path)):
                    names[alias.asname or alias.name] = value
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            value = evaluate(statement.value, names)
            if isinstance(target, ast.Name) and value is not None:
                names[target.id] = value
    return names


def within(path: Path | None, folder: Path) -> bool:
    return path is not None and (path == folder or folder in path.parents)


def has_rules_option(node: ast.AST) -> bool:
    return any(isinstance(sub, ast.Constant) and sub.value in RULES_OPTIONS
               for sub in ast.walk(node))


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


class Scan(ast.NodeVisitor):
    """Every way to the shipped rules in one module: ``found`` maps a line to what it does."""

    def __init__(self, names: dict[str, Any]) -> None:
        self.names = names
        self.loops: list[tuple[str, list[Any]]] = []
        self.found: dict[int, str] = {}

    def values(self, node: ast.AST) -> Iterator[Path]:
        """What the expression means, once per value of the loops around it."""
        variables = [name for name, _ in self.loops]
        for combination in itertools.product(*(values for _, values in self.loops)):
            value = evaluate(node, {**self.names, **dict(zip(variables, combination))})
            if value is not None:
                yield value

    def flag(self, node: ast.AST, what: str) -> None:
        self.found.setdefault(node.lineno, what)

    def visit_For(self, node: ast.For) -> None:
        constants = isinstance(node.iter, (ast.Tuple, ast.List)) and all(
            isinstance(element, ast.Constant) for element in node.iter.elts)
        if isinstance(node.target, ast.Name) and constants:
            self.loops.append((node.target.id, [e.value for e in node.iter.elts]))
            self.generic_visit(node)
            self.loops.pop()
        else:
            self.generic_visit(node)

    def into_rules(self, node: ast.expr) -> None:
        if any(within(value, SHIPPED_RULES) for value in self.values(node)):
            self.flag(node, "a path into the shipped rules/")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.into_rules(node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.names and within(evaluate(node, self.names), SHIPPED_RULES):
            self.flag(node, f"{node.id} is in the shipped rules/")

    def visit_List(self, node: ast.List | ast.Tuple) -> None:
        if self.names_the_ledger(node.elts) and not has_rules_option(node):
            self.flag(node, "the shipped main.beancount on a command line without --rules")
        self.generic_visit(node)

    visit_Tuple = visit_List

    def visit_Call(self, node: ast.Call) -> None:
        name, first = call_name(node), node.args[0] if node.args else None
        if name in ("joinpath", "join"):
            self.into_rules(node)
        elif name in LEDGER_CONSUMERS and self.names_the_ledger(node.args) and not (
                name == "invoke" and has_rules_option(node)):
            self.flag(node, f"{name}() of the shipped main.beancount without --rules")
        elif name in ("copytree", "symlink_to", "chdir") and first is not None \
                and ROOT in self.values(first):
            self.flag(node, f"{name}() of the repository, the shipped rules/ in it")
        for keyword in node.keywords:
            if keyword.arg == "cwd" and ROOT in self.values(keyword.value) \
                    and not has_rules_option(node):
                self.flag(node, "a process in the repository without --rules")
        self.generic_visit(node)

    def names_the_ledger(self, nodes: list[ast.expr]) -> bool:
        return any(value == SHIPPED_LEDGER for node in nodes for value in self.values(node))


def scan(source: str, path: Path) -> list[str]:
    """``FILE:LINE: what`` for each way to the shipped rules in the module ``source``."""
    tree = ast.parse(source, filename=str(path))
    visitor = Scan(module_names(tree, path))
    visitor.visit(tree)
    name = path.relative_to(TESTS)
    return [f"{name}:{line}: {what}" for line, what in sorted(visitor.found.items())]


# --- the tests' rules ------------------------------------------------------------------------


def test_conftest_rules_are_the_tests_own_folder():
    rules = conftest.RULES.resolve()
    assert rules == TESTS / "rules" and not within(rules, SHIPPED_RULES)
    files = sorted(rules.glob("*.toml"))
    assert files, "tests/rules holds no rules file"
    for file in files:
        assert not file.is_symlink() and file.resolve().parent == rules, file
        assert file.read_text(encoding="utf-8").startswith("# THE TEST SUITE'S FIXED RULES"), file
    ruleset = load_rules(conftest.RULES)
    assert {rule.kind for rule in ruleset.rules} == set(KINDS)
    assert all(within(Path(name).resolve(), rules) for name in ruleset.files)


def test_no_test_module_but_the_shipped_ones_reaches_the_shipped_rules():
    found = [hit for path in sorted(TESTS.rglob("*.py")) if path.name not in SHIPPED_USERS
             for hit in scan(path.read_text(encoding="utf-8"), path)]
    assert found == [], "use conftest.RULES (tests/rules), not the shipped rules/"


def test_the_shipped_ledger_test_is_seen_using_the_shipped_rules():
    """The scanner sees the one intended use, so its silence elsewhere means something."""
    path = TESTS / "test_shipped_ledger.py"
    hits = scan(path.read_text(encoding="utf-8"), path)
    assert any("the shipped main.beancount on a command line without --rules" in hit
               for hit in hits), hits


def test_test_modules_share_through_conftest_not_by_importing_each_other():
    modules = {path.stem for path in TESTS.rglob("test_*.py")}
    imports = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [])
            imports += [f"{path.relative_to(TESTS)}:{node.lineno}: {name}"
                        for name in names if name.split(".")[0] in modules]
    assert imports == [], "move what is shared into tests/conftest.py"


# --- what the scanner sees -------------------------------------------------------------------


REACHES = {
    "constant": 'from conftest import ROOT\nRULES = ROOT / "rules"\n',
    "file in it": 'from conftest import ROOT\ntext = (ROOT / "rules" / "art21.toml").read_text()\n',
    "own root": 'HERE = Path(__file__).resolve().parent\nSHIPPED = HERE.parent\n'
                'def f(tmp):\n    shutil.copytree(SHIPPED / "rules", tmp / "rules")\n',
    "parents": 'def f():\n    return Path(__file__).parents[1].joinpath("rules")\n',
    "loop": 'from conftest import ROOT\ndef f(folder):\n'
            '    for name in ("ledger", "documents", "rules"):\n'
            '        shutil.copytree(ROOT / name, folder / name)\n',
    "whole repository": 'from conftest import ROOT\ndef f(tmp):\n    shutil.copytree(ROOT, tmp)\n',
    "command line": 'from conftest import ROOT\ndef f():\n'
                    '    CliRunner().invoke(cli, ["check", str(ROOT / "main.beancount")])\n',
    "invoke": 'from conftest import ROOT\nLEDGER = ROOT / "main.beancount"\n'
              'def f(command):\n    invoke(command, str(LEDGER), "--as-of", "2006-12-31")\n',
    "fava": 'from conftest import ROOT\ndef f():\n    Fava(ROOT / "main.beancount")\n',
    "process": 'from conftest import ROOT\ndef f():\n'
               '    subprocess.run([*MAIN, "check"], cwd=ROOT, check=False)\n',
    "chdir": 'from conftest import ROOT\ndef f(monkeypatch):\n    monkeypatch.chdir(ROOT)\n',
}
CLEAR = {
    "tests' rules": 'from conftest import RULES\ndef f(tmp):\n'
                    '    shutil.copytree(RULES, tmp / "rules")\n',
    "with --rules": 'from conftest import ROOT, RULES\nBOOKS = (str(ROOT / "main.beancount"), '
                    '"--rules", str(RULES))\ndef f():\n    invoke("check", *BOOKS)\n'
                    '    subprocess.run([*MAIN, "check", "--rules", str(RULES)], cwd=ROOT)\n',
    "other files": 'from conftest import ROOT\ndef f(tmp):\n'
                   '    for name in ("ledger", "documents"):\n'
                   '        shutil.copytree(ROOT / name, tmp / name)\n'
                   '    shutil.copy(ROOT / "main.beancount", tmp)\n',
    "a rules folder elsewhere": 'def f(tmp_path):\n    return tmp_path / "rules"\n',
    "facts of the shipped ledger": 'from conftest import ROOT, reconcile\n'
                                   'LEDGER = ROOT / "main.beancount"\n'
                                   'def f(end):\n    reconcile(LEDGER, end)\n',
}


@pytest.mark.parametrize("source", REACHES.values(), ids=REACHES.keys())
def test_the_scanner_sees_a_way_to_the_shipped_rules(source):
    assert len(scan(source, TESTS / "test_example.py")) == 1, source


@pytest.mark.parametrize("source", CLEAR.values(), ids=CLEAR.keys())
def test_the_scanner_lets_the_tests_rules_pass(source):
    assert scan(source, TESTS / "test_example.py") == []
