"""The audit pack (docs/pack.md): every table as CSV and Markdown and on a sheet of
``tables.xlsx`` (:mod:`aipo_budget.outputs.xlsx`), an offline ``index.html``
that opens with a cover an auditor can sign, the evidence the tables cite, and a
``manifest.json`` with the SHA-256 of every input and of every file written.

A pack never destroys: it replaces only an exact previous pack, and the old or the new pack
is at the target at every instant (:mod:`.swap`). Files that may be hostile are read only as
:mod:`.files` allows; what the pack records is decided in :mod:`.manifest`; the page in
:mod:`.html` and :mod:`.charts`; the auditor's signature of the manifest in :mod:`.signature`.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget.core.evidence import RealPaths
from aipo_budget.core.paths import shown
from aipo_budget.outputs.pack import files
from aipo_budget.outputs.pack.charts import budget_chart
from aipo_budget.outputs.pack.files import (
    REFUSED, PackError, copy_file, fsync_folder, write_bytes, write_text,
)
from aipo_budget.outputs.pack.html import About, index_html, svg
from aipo_budget.outputs.pack.manifest import (
    ENTRIES, WORKBOOK, cited, copy_name, entry_record, examine, generated_at, ledger_digest,
    manifest, record_input,
)
from aipo_budget.outputs.pack.signature import SIGNATURE
from aipo_budget.outputs.pack.swap import check_replaceable, install, sweep
from aipo_budget.outputs.render import render, render_csv
from aipo_budget.outputs.xlsx import render_xlsx

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable, Mapping, Sequence

    from aipo_budget.outputs.table import Table
    from aipo_budget.outputs.tables.context import Context


@dataclass(frozen=True)
class PackSource:
    context: Context  # the audit, the period, and the ledger's path
    organisation: str  # the ledger's option "title"
    as_of: datetime.date
    inputs: Mapping[str, Sequence[str]]  # "ledger", "rules": files hashed as they are now
    entries: Sequence[Any]  # the ledger as audited: its entries are recorded
    options: dict[str, Any]
    settings: Mapping[str, Any] = field(default_factory=dict)
    documents: Sequence[str] = ()  # every Document entry's file: the evidence
    roots: Sequence[str] = ()  # the documents folders: evidence is read only inside them
    sign: Callable[[bytes], str] | None = None  # the manifest's bytes -> its signature
    signer: str = ""  # who signs, as the cover says it


@dataclass
class _Inputs:
    """The inputs as hashed before anything is written."""

    recorded: dict[str, list[dict[str, str]]]  # the manifest's "inputs"
    evidence: dict[str, str]  # evidence file that may be read -> SHA-256
    left_out: dict[str, str]  # evidence file left out -> why
    record: str  # entries.tsv: the ledger's entries
    entries: dict[str, Any]  # the manifest's "entries"


def _target(out: str) -> Path:
    """The folder ``out`` names; PackError when it cannot hold a pack."""
    if not out:
        raise PackError("an empty output path names no folder")
    parent = os.path.dirname(out.rstrip(os.sep)) or "."
    if not os.path.isdir(parent):  # as --output-file: a mistyped path creates no folders
        said = "is not a folder" if os.path.lexists(parent) else "does not exist"
        raise PackError(f"{out}: the folder it would go in ({parent}) {said}; {REFUSED}")
    target = Path(out).resolve()
    if not target.name:
        raise PackError(f"{out}: the root folder cannot hold an audit pack")
    if os.path.lexists(target) and not target.is_dir():
        raise PackError(f"{out}: exists and is not a folder; {REFUSED}")
    return target


def _hash_inputs(cites: set[str], source: PackSource, show: Callable[[str], str],
                 real_path: RealPaths) -> _Inputs:
    root = source.context.root

    def digest(path: str) -> str:  # read already, but it may have changed since
        try:
            return files._digest_file(path)
        except OSError as exc:
            raise PackError(f"{show(path)}: cannot be read ({exc.strerror or exc}); "
                            f"{REFUSED}") from None

    recorded = {kind: [{"path": shown(p, root), "sha256": digest(p)} for p in sorted(paths)]
                for kind, paths in source.inputs.items()}
    read, left_out = examine([*source.documents, *cites], source.roots, show, real_path)
    recorded["evidence"] = [{"path": shown(p, root), "sha256": read[p]} for p in read]
    record, entries = entry_record(source.entries, source.options)
    recorded["record"] = record_input(record, entries["options"])
    return _Inputs(recorded, read, left_out, record, entries)


def _copy_evidence(folder: Path, about: About, inputs: _Inputs, root: str,
                   show: Callable[[str], str], count: Callable[[], None]
                   ) -> list[dict[str, str]]:
    """Copy the cited evidence into ``folder``; each copy must be what was hashed."""
    outputs, done = [], set()
    for path, name in sorted(about.links.items(), key=lambda item: (item[1], item[0])):
        count()
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
          inputs: _Inputs, show: Callable[[str], str],
          progress: Callable[[int, int], None]) -> None:
    """Write every file of the pack into ``folder``, the manifest last; ``progress(done,
    total)`` is told each file written or copied."""
    outputs = []
    texts = [(f"{table.name}.{ext}", text) for table in tables
             for ext, text in (("csv", render_csv(table)), ("md", render("markdown", [table])))]
    texts.append(("index.html", index_html(tables, source.context, about)))
    total, done = len(texts) + 1 + len(set(about.links.values())), itertools.count(1)

    def count() -> None:
        progress(next(done), total)

    for name, text in texts:
        count()
        outputs.append(write_text(folder, name, text))
        files._reached(f"written {name}")
    # dated the period's end, not today: the same books give the same workbook
    count()
    workbook = render_xlsx(tables, source.context.end, about.links)
    outputs.append(write_bytes(folder, WORKBOOK, workbook))
    files._reached(f"written {WORKBOOK}")
    listed = write_text(folder, ENTRIES, inputs.record)
    root = source.context.root
    outputs += [listed, *_copy_evidence(folder, about, inputs, root, show, count)]
    files._reached("evidence copied")
    left_out = [{"path": shown(p, root), "why": why} for p, why in inputs.left_out.items()]
    text = manifest(inputs.recorded, left_out, outputs, source.settings, about.generated,
                    tables, {**inputs.entries, "sha256": listed["sha256"]})
    write_text(folder, "manifest.json", text)
    files._reached("manifest written")
    if source.sign is not None:  # after the manifest, which lists every other file
        write_text(folder, SIGNATURE, source.sign(text.encode("utf-8")))
    fsync_folder(folder)


def write_pack(out: str, tables: Sequence[Table], source: PackSource,
               show: Callable[[str], str] = str,
               progress: Callable[[int, int], None] = lambda _done, _total: None) -> None:
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
    real_path = RealPaths()  # thousands of evidence files share a few folders
    inputs = _hash_inputs(cites, source, show, real_path)
    links = {p: copy_name(p, source.roots, show, real_path) for p in cites
             if p in inputs.evidence}
    about = About(source.organisation, source.as_of, ledger_digest(inputs.recorded),
                  generated_at(), links, inputs.left_out, source.signer)
    install(target, lambda folder: _fill(folder, tables, source, about, inputs, show, progress),
            in_pack, out)

__all__ = ["PackError", "PackSource", "budget_chart", "svg", "sweep", "write_pack"]
