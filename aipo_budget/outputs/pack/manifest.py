"""What a pack was made from and what it holds (docs/pack.md): ``manifest.json``, the
ledger's digest, the record of the ledger's entries, and the evidence files.

The ledger's digest covers the manifest's ``inputs``, not the pack's own files: ``index.html``
shows it, so it cannot be part of what it digests. ``entries.tsv`` records every entry as a
period seal's record does, so that ``check --against`` can say which entry changed, appeared
or vanished. Evidence that :func:`aipo_budget.core.evidence.safety` does not allow is left
out: not copied, not linked, listed with why.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from beancount.parser.options import OPTIONS_DEFAULTS

from aipo_budget import __version__
from aipo_budget.core import evidence
from aipo_budget.core.seals.canonical import typed
from aipo_budget.core.seals.sidecar import ENTRY_HELP, fingerprinted, record_lines
from aipo_budget.core.seals.snapshot import FORMAT, Ledger, Snapshot
from aipo_budget.outputs.pack.files import REFUSED, PackError, _digest_file
from aipo_budget.outputs.render import dumps
from aipo_budget.outputs.table import Kind, Location
from aipo_budget.outputs.xlsx import sheet_names

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from aipo_budget.outputs.table import Table

ENTRIES = "entries.tsv"  # the pack's record of the ledger's entries
WORKBOOK = "tables.xlsx"  # every table on a sheet of its own
RECORD_HEAD = (
    f"# aipo-budget audit pack record (format {FORMAT}): every entry of the ledger's files "
    "when the pack was made.",
    "# `aipo-budget check --against manifest.json` reads it to say what changed since. Its "
    "SHA-256 is in manifest.json: do not edit it.",
    ENTRY_HELP,
)
TOOL = "aipo-budget"  # a manifest's "tool": what tells the manifest of an aipo-budget pack
DIGEST_OF = ('the canonical JSON of "inputs": keys sorted, separators "," and ":" without '
             "spaces, UTF-8")


def ledger_digest(inputs: Mapping[str, Any]) -> str:
    """The ledger's digest: one SHA-256 over the canonical JSON of ``inputs`` (DIGEST_OF)."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def record_input(record: str, options: Mapping[str, str]) -> list[dict[str, str]]:
    """The manifest's input ``record``: the SHA-256 of the pack's record of the entries and of
    the options it records, so that the ledger digest (over the inputs) binds them too."""
    return [{"path": ENTRIES, "sha256": hashlib.sha256(record.encode("utf-8")).hexdigest()},
            {"path": "options", "sha256": ledger_digest(options)}]


def parsed_manifest(raw: bytes) -> dict[str, Any] | None:
    """The content of the manifest whose bytes are ``raw``; None when it is JSON but not the
    manifest of an aipo-budget pack. Bytes that are not JSON raise ValueError
    (json.JSONDecodeError, UnicodeDecodeError) or RecursionError, for the caller to name."""
    content = json.loads(raw.decode("utf-8"))
    return content if isinstance(content, dict) and content.get("tool") == TOOL else None


def generated_at() -> str:
    """When the pack is made (UTC, to the second); ``SOURCE_DATE_EPOCH`` when set, as
    reproducible builds do, so that two packs of the same inputs can be identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    now = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
           if epoch.isdigit() else datetime.datetime.now(datetime.timezone.utc))
    return now.isoformat(timespec="seconds")


def entry_record(entries: Sequence[Any], options: dict[str, Any] | None
                 ) -> tuple[str, dict[str, Any]]:
    """The pack's record of the ledger's entries (the text of ``entries.tsv``), and what the
    manifest says of it but its SHA-256."""
    ledger = Ledger(entries, options)
    # the whole ledger, whatever the period; its evidence files are the manifest's inputs
    made = [fingerprinted(entry, ledger.base) for entry in ledger.own]
    snapshot = Snapshot(datetime.date.max, [digest for digest, _line in made], ledger.own, {})
    lines = record_lines(snapshot, ledger.base, [line for _digest, line in made])
    text = "\n".join([*RECORD_HEAD, *lines]) + "\n"
    return text, {"path": ENTRIES, "count": len(snapshot.prints),
                  "digest": snapshot.entries_digest, "format": FORMAT,
                  "options": options_record(options or {})}


# Beancount's options that say where the ledger is, are made of its entries or say how to
# show it, not what the entries mean: moved books or a new file are no change of meaning
NOT_MEANING = frozenset({"filename", "include", "input_hash", "dcontext", "commodities",
                         "title", "render_commas", "display_precision"})


def options_record(options: Mapping[str, Any]) -> dict[str, str]:
    """The ledger's Beancount options that give its entries their meaning (the operating
    currency, the tolerances, the plugins, the booking method...), each as typed text: an
    ``option`` line changed is no entry changed, and may change every verdict."""
    return {name: _option(options.get(name)) for name in sorted(OPTIONS_DEFAULTS)
            if name not in NOT_MEANING}


def _option(value: Any) -> str:
    if isinstance(value, dict):  # a tolerance per currency
        return "{" + ",".join(f"{typed(k)}={typed(v)}" for k, v in sorted(value.items())) + "}"
    return typed(getattr(value, "value", value))  # the booking method: its name


def manifest(inputs: Mapping[str, Any], left_out: list[dict[str, str]],
             outputs: list[dict[str, str]], settings: Mapping[str, Any], generated: str,
             tables: Sequence[Table], entries: Mapping[str, Any]) -> str:
    """``manifest.json``: every input and every file written (itself aside) with its SHA-256,
    the record of the ledger's entries, and the evidence files left unread."""
    return dumps({
        "tool": TOOL,
        "version": __version__,
        "generated": generated,
        "settings": dict(settings),
        "ledger_digest": {"sha256": ledger_digest(inputs), "of": DIGEST_OF},
        "inputs": dict(inputs),
        "entries": dict(entries),
        "evidence_left_out": left_out,
        # a CSV file is data only: its table's title is here, in the Markdown and index.html
        "tables": [{"name": t.name, "title": t.title, "csv": f"{t.name}.csv",
                    "markdown": f"{t.name}.md", "workbook": WORKBOOK, "sheet": sheet}
                   for t, sheet in zip(tables, sheet_names(tables))],
        "outputs": sorted(outputs, key=lambda item: item["path"]),
    })


def _why_left_out(path: str, roots: Sequence[str], real_path: evidence.RealPaths
                  ) -> str | None:
    """Why an evidence file is not read, or None: evidence.safety decides, this only names
    the reason for the manifest. OSError when it cannot even be looked at."""
    if evidence.safety(path, roots, real_path) is None:
        return None
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "does not exist"
    return "outside the documents folders" if stat.S_ISREG(mode) else "not a regular file"


def examine(paths: Iterable[str], roots: Sequence[str], show: Callable[[str], str],
            real_path: evidence.RealPaths) -> tuple[dict[str, str], dict[str, str]]:
    """The evidence files that may be read, path -> SHA-256, and those left out, path ->
    why. One that may be read but cannot is a PackError naming it (``show``)."""
    read, left_out = {}, {}
    for path in sorted(set(paths)):
        try:
            why = _why_left_out(path, roots, real_path)
            if why is None:
                read[path] = _digest_file(path)
            else:
                left_out[path] = why
        except OSError as exc:
            raise PackError(f"{show(path)}: cannot read this evidence file "
                            f"({exc.strerror or exc}); {REFUSED}") from None
    return read, left_out


def cited(tables: Iterable[Table]) -> set[str]:
    """The evidence files the tables cite: every resolved value of a DOCUMENT column."""
    return {value.filename for table in tables for column in table.columns
            if column.kind is Kind.DOCUMENT
            for value in table.values(column.key)
            if isinstance(value, Location) and value.filename}


def copy_name(path: str, roots: Sequence[str], show: Callable[[str], str],
              real_path: evidence.RealPaths) -> str:
    """Where the evidence file ``path`` goes in the pack: ``evidence/<its real path relative
    to the documents folder>`` ('/'-separated). PackError when it is no longer inside (its
    real path is looked up again; the folders' are ``real_path``'s, as :func:`examine` saw them)."""
    base = os.path.commonpath([real_path.folder(root) for root in roots])
    relative = PurePath(os.path.relpath(os.path.realpath(path), base))
    if not relative.parts or relative.parts[0] == os.pardir or relative.is_absolute():
        raise PackError(f"{show(path)}: left the documents folders while the pack was "
                        f"written; {REFUSED}")
    return "/".join(("evidence", *relative.parts))
