"""The pre-commit hook a books repository runs (``.pre-commit-hooks.yaml``) and the CI recipe of
docs/integrations.md: the hook is one well-formed entry of pre-commit's manifest, its command is
the CLI's and judges the books by their exit status, and the docs show the same command."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import KINGDOM, ROOT, copy_shipped_ledger

HOOKS = ROOT / ".pre-commit-hooks.yaml"
GUIDE = ROOT / "docs" / "integrations.md"
# what pre-commit's manifest requires of a hook, and what this one must say
REQUIRED = {"id", "name", "entry", "language"}
KEY = re.compile(r"^(?P<indent>- |  )(?P<key>[a-z_]+): (?P<value>.+)$")


def manifest_hooks(text: str) -> list[dict[str, str]]:
    """The hooks of a manifest as simple as ours: a list of mappings of one-line scalars."""
    hooks: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = KEY.match(line)
        assert match, f"line {number} is not '- key: value' or '  key: value': {line!r}"
        if match["indent"] == "- ":
            hooks.append({})
        assert hooks, f"line {number}: a key before the first hook"
        assert match["key"] not in hooks[-1], f"line {number}: {match['key']} twice"
        hooks[-1][match["key"]] = match["value"].strip()
    return hooks


def test_the_manifest_has_one_hook_that_checks_the_whole_ledger():
    (hook,) = manifest_hooks(HOOKS.read_text(encoding="utf-8"))
    assert REQUIRED <= hook.keys()
    assert hook["id"] == "aipo-budget-check" and hook["language"] == "python"
    assert hook["pass_filenames"] == "false"  # the whole ledger, never the staged files alone
    files = re.compile(hook["files"])
    assert all(files.search(name) for name in (
        "main.beancount", "ledger/project-trafficking-roadmap.beancount", "books.bean",
        "rules/26GA-2005-Soc-03.toml"))
    assert not any(files.search(name) for name in ("documents/a.pdf", "README.md",
                                                   "main.beancount.orig"))


def test_the_entry_is_the_installed_command():
    program, *_args = shlex.split(manifest_hooks(HOOKS.read_text(encoding="utf-8"))[0]["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"]
    assert scripts[program] == "aipo_budget.cli:main"


@pytest.mark.parametrize("planted, status", [(False, 0), (True, 1)])
def test_the_hook_passes_clean_books_and_stops_an_error(tmp_path, monkeypatch, planted,
                                                        status):
    """Run as pre-commit runs it: from the books' top folder, no file names."""
    main = copy_shipped_ledger(tmp_path)
    if planted:
        path = tmp_path / "ledger" / "project-trafficking-roadmap.beancount"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(KINGDOM, KINGDOM.replace(
            'approved-by: "Nguyen Thi Lan"', 'approved-by: ""')), encoding="utf-8")
    monkeypatch.chdir(main.parent)
    _program, *args = shlex.split(manifest_hooks(HOOKS.read_text(encoding="utf-8"))[0]["entry"])
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == status, result.output
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == planted
    if planted:  # FILE:LINE: error: ..., as an editor's quickfix list reads it
        assert re.match(r"ledger/project-trafficking-roadmap\.beancount:\d+: error: .*approver",
                        errors[0])


def test_the_guide_shows_the_hooks_own_command_and_files():
    hook = manifest_hooks(HOOKS.read_text(encoding="utf-8"))[0]
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"- id: {hook['id']}" in guide
    assert f"entry: {hook['entry']}" in guide  # the local hook runs the same command
    assert f"files: {hook['files']}" in guide
    assert "aipo-budget check --format lines main.beancount" in guide  # the CI recipe


def test_the_manifest_reader_refuses_what_it_cannot_read():
    with pytest.raises(AssertionError, match="line 1"):
        manifest_hooks("id: no list\n")
    with pytest.raises(AssertionError, match="twice"):
        manifest_hooks("- id: a\n  id: b\n")
    assert manifest_hooks("# comment\n- id: a\n  entry: b c\n- id: d\n") == [
        {"id": "a", "entry": "b c"}, {"id": "d"}]
