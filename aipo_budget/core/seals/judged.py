"""What judged a sealed period, and its verdict: the parts of a seal besides the books
(:mod:`.snapshot`), each a sorted list of lines, digested, and kept in the seal's record to say
what changed.

What judged it: each rule version in force on or before the sealed date (its kind, severity,
effective date, text and parameters; a parameter at its default is not written, so a parameter a
later aipo-budget adds changes no seal), the instruments adopted by then or undated, the waivers
adopted by then, and what of the register of signers bears on those days. A line is
``SUBJECT<TAB>FIELD<TAB>VALUE``, the value typed (:func:`.canonical.typed`).

The verdict: one line per finding dated on or before the sealed date, but those of kind
``seal`` (which this verifies) and ``ledger`` (Beancount's own errors, added after the checks):
``DATE<TAB>RULE<TAB>SEVERITY<TAB>ENTRY<TAB>MESSAGE``, the entry by its short fingerprint (where
it is written does not count, nor does a line number quoted in the message).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.params import values
from aipo_budget.core.seals.canonical import EMPTY, SHORT, fingerprint, typed, untyped
from aipo_budget.core.seals.sidecar import Difference, escape, unescape

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet

UNSEALED_KINDS = ("seal", "ledger")
NUMBERED_SIGNER = re.compile(r"^signer (\S+) line (\d+)\t")
WHERE = re.compile(r"\bline \d+\b|\S*[/.]\S*:\d+\b")  # "line 12", "ledger/x.beancount:12"
SHOWN = 80  # characters of a value quoted in a finding
_DIRECTIVES = tuple(data.ALL_DIRECTIVES)


def digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("".join(f"{line}\n" for line in lines)
                          .encode("utf-8", "surrogatepass")).hexdigest()


def _value(value: Any) -> str:
    if isinstance(value, dict):  # a kind's table parameter: by key, whatever the TOML order
        return "{" + ",".join(f"{typed(k)}={_value(v)}" for k, v in sorted(value.items())) + "}"
    return typed(value)


def judged(ruleset: RuleSet, through: datetime.date) -> list[str]:
    """The sorted lines of what judged the days up to ``through``."""
    from aipo_budget.core import signatures  # it reads the seals' canonical form

    items = []
    for rule in ruleset.rules:
        for v in rule.versions:
            if v.effective <= through:
                fields = [("kind", typed(v.kind)), ("severity", typed(v.severity)),
                          ("effective", typed(v.effective)), ("text", typed(v.text)),
                          *((f"parameter {name}", _value(value))
                            for name, value in values(v.params).items())]
                items += [(f"rule {rule.id} version {v.number}", *f) for f in fields]
    adopted = [*(("instrument", i.id, i) for i in ruleset.instruments
                 if i.adopted is None or i.adopted <= through),
               *(("waiver", w.reference, w) for w in ruleset.waivers if w.adopted <= through)]
    for kind, key, item in adopted:  # every field but its key and where it is written
        items += [(f"{kind} {key}", f.name, _value(getattr(item, f.name)))
                  for f in dataclasses.fields(item)
                  if f.name not in ("id", "reference", "filename", "lineno")]
    items += [(name, "register", typed(text)) for name, text
              in signatures.sealed_lines(ruleset.register, through)]
    return sorted("\t".join(map(escape, item)) for item in items)


def verdict(findings: Iterable[Finding], base: str) -> list[tuple[datetime.date, str, Finding]]:
    """(date, verdict line, finding) of each dated finding but a seal's or Beancount's, by
    date; ``base`` is the ledger's folder."""
    found = []
    for item in findings:
        if item.date is None or item.kind in UNSEALED_KINDS:
            continue
        entry = item.entry if isinstance(item.entry, _DIRECTIVES) else None
        line = "\t".join([item.date.isoformat(), escape(item.rule), item.severity,
                          fingerprint(entry, base)[:SHORT] if entry is not None else EMPTY,
                          escape(WHERE.sub("<line>", item.message))])
        found.append((item.date, line, item))
    found.sort(key=lambda each: each[:2])
    return found


def shown(value: str | None) -> str:
    """A typed value as a reader says it: 2, 2002-01-01, a text (cut at SHOWN characters)."""
    text = untyped(value) if value else "nothing"
    return text if len(text) <= SHOWN else text[:SHOWN - 3] + "..."


def _subjects(lines: Iterable[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for line in lines:
        subject, name, value = map(unescape, line.split("\t"))
        found[subject][name] = value
    return found


def _by_count(recorded: Sequence[str]) -> list[str]:
    """A record's register lines as they are written now: by each key's n-th line, not by
    the line of the register (records made before: a line added above moved them all)."""
    numbered = sorted((match[1], int(match[2]), line) for line in recorded
                      if (match := NUMBERED_SIGNER.match(line)))
    seen: Counter[str] = Counter()
    renamed = {}
    for key, _lineno, line in numbered:
        seen[key] += 1
        renamed[line] = NUMBERED_SIGNER.sub(f"signer {key} #{seen[key]}\t", line, count=1)
    return [renamed.get(line, line) for line in recorded]


def judged_differences(recorded: Sequence[str], now: Sequence[str], through: datetime.date
                       ) -> list[Difference]:
    """Each subject added or removed since the seal, and each field changed, old and new."""
    before, after = _subjects(_by_count(recorded)), _subjects(now)
    said = []
    for subject in sorted(before.keys() | after.keys()):
        old, new = before.get(subject, {}), after.get(subject, {})
        effective = (old or new).get("effective")
        label = subject + (f" (effective {shown(effective)})" if effective else "")
        if not new:
            said.append(f"{label} removed since the seal, or no longer in force by then")
        elif not old:
            said.append(f"{label} added since the seal")
        else:
            said += [f"{label}: {name} changed since the seal: {shown(old.get(name))} -> "
                     f"{shown(new.get(name))}" for name in sorted(old.keys() | new.keys())
                     if old.get(name) != new.get(name)]
    return [Difference(("judged", message), through, message) for message in said]


def _finding(line: str) -> tuple[datetime.date, str]:
    day, rule, severity, _entry, message = map(unescape, line.split("\t"))
    return datetime.date.fromisoformat(day), f"{day} {rule} ({severity}): {message}"


def verdict_differences(recorded: Sequence[str], now: Sequence[tuple[datetime.date, str, Finding]],
                        entries: dict[str, data.Directive]) -> list[Difference]:
    """The findings that appeared in the sealed period and those that disappeared from it, as
    multisets of verdict lines, each at its entry (``entries``: by short fingerprint), if
    there is one still, else at the seal."""
    left = Counter(recorded)
    found = []
    for _day, line, item in now:
        if left[line]:
            left[line] -= 1
            continue
        day, said = _finding(line)
        entry = item.entry if isinstance(item.entry, _DIRECTIVES) else None
        found.append(Difference(("verdict", "+", line), day,
                                f"finding appeared in the sealed period: {said}", entry))
    for line in sorted(left.elements()):
        day, said = _finding(line)
        found.append(Difference(("verdict", "-", line), day,
                                f"finding disappeared from the sealed period: {said}",
                                entries.get(line.split("\t")[3])))
    return found
