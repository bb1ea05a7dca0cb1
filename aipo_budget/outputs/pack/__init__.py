"""The audit pack: every table as CSV (one header row, then data) and Markdown (under its
title), an offline ``index.html`` that opens with a cover an auditor can sign, the evidence
files the tables cite under ``evidence/``, and a ``manifest.json`` with the SHA-256 of every
input and of every file written.

A pack never destroys. It replaces a folder only when that folder is an exact previous pack
(:mod:`.replace`), and at every instant the old or the new pack is at the target: the new
pack is written in a staging folder beside the target (:mod:`.staging`) and swapped in
(:mod:`.swap`). Files that may be hostile are read only as :mod:`.files` allows; what the
pack records of its inputs, the ledger's digest and where evidence goes are decided in
:mod:`.manifest`; the page in :mod:`.html` and :mod:`.charts`, from ``templates/pack.html``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget.core.paths import shown
from aipo_budget.outputs.pack import files
from aipo_budget.outputs.pack.charts import balance_chart, budget_chart
from aipo_budget.outputs.pack.files import REFUSED, PackError, copy_file, fsync_folder, write_text
from aipo_budget.outputs.pack.html import About, index_html, svg
from aipo_budget.outputs.pack.manifest import (
    ENTRIES, cited, copy_name, entry_record, examine, generated_at, ledger_digest, manifest,
)
from aipo_budget.outputs.pack.replace import check_replaceable
from aipo_budget.outputs.pack.staging import _discard, _make_staging, sweep
from aipo_budget.outputs.pack.swap import _put_in_place, _Signals
from aipo_budget.outputs.render import render, render_csv

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from aipo_budget.outputs.table import Table
    from aipo_budget.outputs.tables.context import Context


@dataclass(frozen=True)
class PackSource:
    """What a pack is made from."""

    context: Context  # the audit, the period, and the ledger's path
    organisation: str  # the ledger's option "title"
    as_of: datetime.date
    inputs: Mapping[str, Sequence[str]]  # "ledger", "rules": files hashed as they are now
    settings: Mapping[str, Any] = field(default_factory=dict)
    documents: Sequence[str] = ()  # every Document entry's file: the evidence
    roots: Sequence[str] = ()  # the documents folders: evidence is read only inside them
    # the ledger as audited (its entries are recorded); None: read again from context.ledger
    entries: Sequence[Any] | None = None
    options: dict[str, Any] | None = None


@dataclass
class _Inputs:
    """The inputs as hashed before anything is written."""

    recorded: dict[str, list[dict[str, str]]]  # the manifest's "inputs"
    evidence: dict[str, str]  # evidence file that may be read -> SHA-256
    left_out: dict[str, str]  # evidence file left out -> why
    record: str = ""  # entries.tsv: the ledger's entries
    entries: dict[str, Any] = field(default_factory=dict)  # the manifest's "entries"


def _target(out: str) -> Path:
    """The folder ``out`` names; PackError when it cannot hold a pack."""
    if not out:
        raise PackError("an empty output path names no folder")
    target = Path(out).resolve()
    if not target.name:
        raise PackError(f"{out}: the root folder cannot hold an audit pack")
    if os.path.lexists(target) and not target.is_dir():
        raise PackError(f"{out}: exists and is not a folder; {REFUSED}")
    return target


def _hash_inputs(cites: set[str], source: PackSource, show: Callable[[str], str]) -> _Inputs:
    root = source.context.root
    recorded = {kind: [{"path": shown(p, root), "sha256": files._input_digest(p, show)}
                       for p in sorted(paths)] for kind, paths in source.inputs.items()}
    read, left_out = examine([*source.documents, *cites], source.roots, show)
    recorded["evidence"] = [{"path": shown(p, root), "sha256": read[p]} for p in read]
    record, entries = entry_record(*_books(source, show))
    return _Inputs(recorded, read, left_out, record, entries)


def _books(source: PackSource, show: Callable[[str], str]
           ) -> tuple[Sequence[Any], dict[str, Any] | None]:
    """The ledger's entries and options: as audited when the caller passed them, else read
    again (the same files: their bytes are hashed for ``inputs`` now too)."""
    if source.entries is not None:
        return source.entries, source.options
    from aipo_budget.core.ledger import LedgerInputError, load_ledger

    try:
        entries, _errors, options = load_ledger(source.context.ledger)
    except LedgerInputError as exc:
        where, _line, why = exc.problems[0]
        raise PackError(f"{show(where)}: cannot be read ({why}); {REFUSED}") from None
    return entries, options


def _files(tables: Sequence[Table], source: PackSource, about: About
           ) -> Iterator[tuple[str, str]]:
    """The pack's text files, in the order they are written: (name, text)."""
    for table in tables:
        yield f"{table.name}.csv", render_csv(table)
        yield f"{table.name}.md", render("markdown", [table])
    yield "index.html", index_html(tables, source.context, about)


def _copy_evidence(folder: Path, about: About, inputs: _Inputs, root: str,
                   show: Callable[[str], str]) -> list[dict[str, str]]:
    """Copy the cited evidence into ``folder``; each copy must be what was hashed."""
    outputs, done = [], set()
    for path, name in sorted(about.links.items(), key=lambda item: (item[1], item[0])):
        if name in done:  # two names of one file (a link): one copy
            continue
        try:
            digest = copy_file(path, folder.joinpath(*name.split("/")))
        except OSError as exc:
            raise PackError(f"{show(path)}: cannot read this evidence file "
                            f"({exc.strerror or exc}); {REFUSED}") from None
        if digest != inputs.evidence[path]:
            raise PackError(f"{show(path)}: changed while the pack was written; {REFUSED}")
        outputs.append({"path": name, "sha256": digest, "source": shown(path, root)})
        done.add(name)
    return outputs


def _fill(folder: Path, tables: Sequence[Table], source: PackSource, about: About,
          inputs: _Inputs, show: Callable[[str], str]) -> None:
    """Write every file of the pack into ``folder``, the manifest last."""
    outputs = []
    for name, text in _files(tables, source, about):
        outputs.append(write_text(folder, name, text))
        files._reached(f"written {name}")
    listed = write_text(folder, ENTRIES, inputs.record)
    outputs.append(listed)
    outputs += _copy_evidence(folder, about, inputs, source.context.root, show)
    files._reached("evidence copied")
    root = source.context.root
    left_out = [{"path": shown(p, root), "why": why} for p, why in inputs.left_out.items()]
    write_text(folder, "manifest.json",
               manifest(inputs.recorded, left_out, outputs, source.settings, about.generated,
                        tables, {**inputs.entries, "sha256": listed["sha256"]}))
    files._reached("manifest written")
    fsync_folder(folder)


def write_pack(out: str, tables: Sequence[Table], source: PackSource,
               show: Callable[[str], str] = str) -> None:
    """Write the pack of ``tables`` to the folder ``out`` (as given).

    ``out`` must be new, empty, or an exact previous pack: anything else is refused
    (PackError naming the file), never replaced. The inputs are hashed as they are, evidence
    only where it may be read; ``show`` turns a path into the user's form for messages.
    """
    target = _target(out)

    def in_pack(relative: str) -> str:
        return os.path.join(out, *relative.split("/")) if relative not in ("", ".") else out

    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    if target.is_dir():
        check_replaceable(str(target), in_pack)
    cites = cited(tables)  # the evidence files the tables link to
    inputs = _hash_inputs(cites, source, show)
    links = {p: copy_name(p, source.roots, show) for p in cites if p in inputs.evidence}
    about = About(source.organisation, source.as_of, ledger_digest(inputs.recorded),
                  generated_at(), links, inputs.left_out)
    with _Signals(out) as signals:
        staging = _make_staging(target)
        try:
            _fill(staging.new, tables, source, about, inputs, show)
            files._reached("before exchange")
            signals.hold()
            _put_in_place(staging, target, in_pack, signals)
        except BaseException:
            signals.hold()
            _discard(staging)
            raise
        files._reached("after exchange")
        fsync_folder(target.parent)
        _discard(staging, done=True)
        files._reached("old removed")


__all__ = ["About", "PackError", "PackSource", "balance_chart", "budget_chart",
           "check_replaceable", "index_html", "ledger_digest", "svg", "sweep",
           "write_pack"]
