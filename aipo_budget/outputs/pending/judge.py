"""Judging proposals, each with the ledger and the proposals before it in the file, as if paid
in that order. The ledger and the proposals are loaded once; proposal *k* is judged by the
audit of the ledger with proposals 1..*k*. Its findings are those on it, and those that audit
has and the audit with proposals 1..*k-1* has not (a ceiling crossed by a later, existing
payment, a reserve floor broken further on), marked "caused by the proposal". Beancount's
padding and balance assertions are made again for each audit, so that a balance assertion that
no longer holds, or a pad that now fills a gap, is new where the proposal that causes it is
added.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.core import reuse
from aipo_budget.core.engine import audit
from aipo_budget.core.facts import SURPLUS_SOURCE, ZERO, Facts, Location
from aipo_budget.core.ledger import is_revalidated, load_ledger, revalidated
from aipo_budget.core.paths import shown
from aipo_budget.core.signatures import signature_files
from aipo_budget.core.tally import plural
from aipo_budget.outputs.pending import proposals as proposing
from aipo_budget.outputs.pending.headroom import Position, headroom, position
from aipo_budget.outputs.table import Status
from aipo_budget.outputs.tables import CHECK_VIEW, findings_register

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from decimal import Decimal

    from beancount.core import data

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet
    from aipo_budget.outputs.table import Table

Key = tuple[Any, ...]


def key(finding: Finding) -> Key:
    """What makes a finding the same finding before and after a proposal: a warning that
    becomes an error, or a finding that moves to another entry, is a new one."""
    return (finding.rule, finding.kind, finding.severity, finding.filename, finding.lineno)


@dataclass(frozen=True)
class Verdict:
    """A proposal judged: its findings (``caused`` of them on other entries), the amount it
    takes from the fund and the headroom left after it (:attr:`room`), made when asked for,
    so that a thousand verdicts do not hold a thousand tables."""

    proposal: data.Transaction
    location: Location
    findings: tuple[Finding, ...]
    caused: int
    amount: Decimal | None
    room_of: Callable[[], Table]
    currency: str

    @property
    def room(self) -> Table:
        return self.room_of()

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def status(self) -> Status:
        if self.errors:
            return Status.NOT_PAYABLE
        return Status.PAYABLE_WITH_WARNINGS if self.warnings else Status.PAYABLE

    @property
    def text(self) -> str:
        return f"{self.status}: {plural(self.errors, 'error')}" if self.errors else str(self.status)


@dataclass(frozen=True)
class Setting:
    """How to audit: the rules, the day that decides which projects are closed, the cut-off
    (``--as-of``) and Beancount's options."""

    ruleset: RuleSet
    day: datetime.date
    until: datetime.date | None
    options: dict[str, Any]


def judged(ledger: str, ruleset: RuleSet, found: proposing.Proposals,
           as_of: datetime.date | None,
           stage: Callable[[str], contextlib.AbstractContextManager[Any]] = (
               lambda _text: contextlib.nullcontext())) -> list[Verdict]:
    """The proposals ``found`` judged with the ledger at ``ledger``, from one load of both
    (``check --pending`` and the Fava page's form). Raises LedgerInputError when the ledger
    cannot be read, ProposalError when a proposal cannot be judged; ``stage`` shows progress."""
    with stage(f"reading the ledger with {plural(len(found.lines), 'proposal')}"):
        entries, errors, proposals, own = loaded_with(ledger, found, as_of)
    setting = Setting(ruleset, as_of or datetime.date.today(), as_of, own)
    with stage(f"judging {plural(len(proposals), 'proposal')}"):
        return judge(entries, errors, proposals, setting)


def loaded_with(ledger: str, found: proposing.Proposals, as_of: datetime.date | None = None
                ) -> tuple[list[data.Directive], list[Any], list[data.Transaction],
                           dict[str, Any]]:
    """The ledger at ``ledger`` loaded with the proposals ``found`` (entries, errors, the
    proposed transactions, options); LedgerInputError or ProposalError when either cannot be
    read or a proposal cannot be judged."""
    entries, errors, options = load_ledger(ledger, proposed=found.text)
    # the plugin line's audit of the ledger with every proposal, as of today: not one used
    # here, and not to be held while the proposals are judged
    options.pop(reuse.KEY, None)
    proposals = proposing.locate(entries, errors, found)
    problems = proposing.refusals(proposals, entries, errors, found, as_of)
    if problems:
        raise proposing.ProposalError(found.name, problems)
    # the proposal file counts as one of the ledger's own: a proposal dated inside a sealed
    # period breaks the seal, as it would once booked
    own = {**options, "include": [*options.get("include", []),
                                  found.path or proposing.STDIN_NAME]}
    return entries, errors, proposals, own


def verdict_tables(verdict: Verdict, title: str, where: Callable[[str, int], Any],
                   name: str = "the proposal") -> list[Table]:
    """The findings on a proposal (those it causes on other entries included) and the
    headroom after it, titled ``title``; the verdict on ``name`` is the headroom's last note."""
    tables = [findings_register(verdict.findings, f"{title}: findings", where,
                                verdict.currency).select(CHECK_VIEW)] if verdict.findings else []
    room = verdict.room  # made when asked for: once
    said = f"Verdict on {name}: {verdict.text}."
    return [*tables, dataclasses.replace(room, title=f"{title}: headroom after it",
                                         notes=(*room.notes, said))]


def judge(entries: Sequence[data.Directive], errors: Sequence[Any],
          proposals: Sequence[data.Transaction], setting: Setting) -> list[Verdict]:
    """Every proposal judged in file order, from one load of the ledger with all of them
    (``entries`` and Beancount's ``errors``).

    Auditing the ledger once per proposal costs the square of their number. Adding payments
    from the fund only adds findings (a ceiling nears, a reserve thins, a duplicate appears),
    and then the same verdicts come from a few audits (:func:`_at_once`): the ledger alone and
    with every proposal, and, for each finding that appears, a bisection for the proposal
    after which it first appears; where a finding goes away (a warning given once moves to an
    earlier payment), the proposals are judged in halves, down to the few where it does. Where
    a proposal could take a finding away (money into the fund, a refund, a partner's payment,
    a link to an accrual), or the figures do not add up, each proposal is audited in turn
    (:func:`_in_turn`)."""
    prefixes = _Prefixes(entries, errors, proposals, setting)
    verdicts = _at_once(prefixes) if proposals else None
    if verdicts is not None:
        return verdicts
    first = prefixes.findings.get(0)
    prefixes.clear()  # in turn, one audit at a time is held
    return list(_in_turn(prefixes, first))


class _Prefixes:
    """The audits of the ledger with the first *k* proposals, made when asked for; only
    their findings are kept, and the audits with none and with all."""

    def __init__(self, entries: Sequence[data.Directive], errors: Sequence[Any],
                 proposals: Sequence[data.Transaction], setting: Setting) -> None:
        self.entries, self.errors, self.setting = entries, errors, setting
        self.proposals = list(proposals)
        self.findings: dict[int, list[Finding]] = {}
        self.kept: dict[int, Audit] = {}
        self._ranks: dict[int, dict[Site, int]] = {}
        self._keys: dict[int, set[Key]] = {}

    def made(self, k: int) -> Audit:
        """The audit of the ledger with the first *k* proposals, as if loaded without the
        others: Beancount's padding and balance assertions are made again on what is left
        (:func:`aipo_budget.core.ledger.revalidated`), and its other errors are the load's,
        but those on the proposals left out. With none left out, the load is that ledger's."""
        left_out, setting = self.proposals[k:], self.setting
        entries, errors = self.entries, self.errors
        if left_out:
            # and what a plugin made of them at their place (implicit_prices: a price)
            places = {_place(p) for p in left_out}
            entries, revalidated_errors = revalidated(
                [e for e in entries if _place(e) not in places], setting.options)
            # told by place: an error of Beancount's booking names the transaction as parsed
            errors = [*(e for e in errors if not is_revalidated(e)
                        and _place(getattr(e, "entry", None)) not in places),
                      *revalidated_errors]
        return audit(entries, setting.ruleset, setting.day, errors, until=setting.until,
                     options=setting.options)

    def audit(self, k: int) -> Audit:
        result = self.made(k)
        self.findings[k] = result.findings
        if k in (0, len(self.proposals)):
            self.kept[k] = result
        return result

    def found(self, k: int) -> list[Finding]:
        if k not in self.findings:
            self.audit(k)
        return self.findings[k]

    def ranks(self, k: int) -> dict[Site, int]:
        if k not in self._ranks:
            self._ranks[k] = _ranks(self.found(k))
        return self._ranks[k]

    def keys(self, k: int) -> set[Key]:
        if k not in self._keys:
            self._keys[k] = {key(f) for f in self.found(k)}
        return self._keys[k]

    def clear(self) -> None:
        for held in (self.findings, self.kept, self._ranks, self._keys):
            held.clear()


def _in_turn(prefixes: _Prefixes, first: Sequence[Finding] | None) -> Iterator[Verdict]:
    """Each proposal judged by the audit of the ledger with it and those before it: only
    that audit is held, so the memory stays that of one audit. ``first`` are the findings of
    the ledger alone, when already known."""
    if first is None:
        first = prefixes.made(0).findings
    earlier = {key(f) for f in first}
    for k, proposal in enumerate(prefixes.proposals, 1):
        after = prefixes.made(k)
        new = [f for f in after.findings if key(f) not in earlier]
        yield _verdict(proposal, new, after.findings, after, None)
        earlier = {key(f) for f in after.findings}


# A finding's site: its rule at one entry (a waived finding apart). Adding a payment can only
# raise the rank at a site (nothing, a warning, an error) when the findings only grow.
Site = tuple[Any, ...]
RANK = {"warning": 1, "waived": 1, "error": 2}


def _site(finding: Finding) -> Site:
    return (finding.rule, finding.kind, finding.severity == "waived", finding.filename,
            finding.lineno)


def _site_of(found: Key) -> Site:
    rule, kind, severity, filename, lineno = found
    return (rule, kind, severity == "waived", filename, lineno)


def _ranks(findings: Sequence[Finding]) -> dict[Site, int]:
    ranks: dict[Site, int] = {}
    for f in findings:
        site = _site(f)
        ranks[site] = max(ranks.get(site, 0), RANK.get(f.severity, 2))
    return ranks


def _at_once(prefixes: _Prefixes) -> list[Verdict] | None:
    """The verdicts of :func:`_in_turn`, from few audits, or None when they may differ.

    A finding is new where its key first appears. A site (a rule at an entry) only rises in
    rank as payments are added (nothing, a warning, an error), and a warning it had may give
    way to an error: the first audit at each rank is found by bisection. A finding may also
    join a site at a rank it has already (a second duplicate, a warning beside an error): the
    first audit with each key of the last one is found too. A finding on a proposal that reads
    that payment alone (:data:`OWN_KINDS`) is new with it, as the audit with every proposal
    has it: no audit is made for it."""
    n = len(prefixes.proposals)
    if not _only_add(prefixes):
        return None
    if any(f.kind == "ledger" for f in prefixes.found(0)):
        return None  # a payment may set right a balance assertion that fails now
    own = _own_sites(prefixes)
    mine: dict[int, list[Finding]] = {}  # k -> the findings at the own sites of proposal k
    for f in prefixes.findings[n]:
        if _site(f) in own:  # on its proposal from the audit with it, as in the last one
            mine.setdefault(own[_site(f)], []).append(f)
    new_at = _new_between(prefixes, 0, n, own)
    positions = _positions(prefixes)
    if positions is None:
        return None
    del prefixes.kept[0]  # read by the positions only: its memory goes before the verdicts'
    last_audit = prefixes.kept[n]
    verdicts = []
    for k, proposal in enumerate(prefixes.proposals, 1):
        keys = new_at.get(k, set()) | {key(f) for f in mine.get(k, ())}
        found = prefixes.findings[k] if k in prefixes.findings else mine.get(k, [])
        new = [f for f in found if key(f) in keys]
        verdicts.append(_verdict(proposal, new, found, last_audit, positions[k - 1]))
    return verdicts


def _new_between(prefixes: _Prefixes, low: int, high: int, own: dict[Site, int]
                 ) -> dict[int, set[Key]]:
    """*k* -> the keys of the findings new in the audit with the first *k* proposals, for
    ``low`` < *k* <= ``high``, but those at ``own`` sites: by bisection where the audits made
    in between only gain findings, else in two halves (a warning given once, on the payment
    that first reaches a level, moves to an earlier payment proposed later)."""
    if high - low > 1 and _monotone(prefixes, low, high):
        new_at = _new_at(prefixes, low, high, own)
        if _monotone(prefixes, low, high):  # the bisections' audits too
            return new_at
    if high - low <= 1:
        return {high: prefixes.keys(high) - prefixes.keys(low)}
    middle, new_at = (low + high) // 2, {}
    for k, keys in [*_new_between(prefixes, low, middle, own).items(),
                    *_new_between(prefixes, middle, high, own).items()]:
        new_at.setdefault(k, set()).update(keys)
    return new_at


def _new_at(prefixes: _Prefixes, low: int, high: int, own: dict[Site, int]
            ) -> dict[int, set[Key]]:
    """:func:`_new_between` when the audits only gain findings from ``low`` to ``high``."""
    first, last, new_at = prefixes.ranks(low), prefixes.ranks(high), {}
    for site, top in last.items():
        for level in range(first.get(site, 0) + 1, top + 1) if site not in own else ():
            k = _first_prefix(prefixes, low, high,
                              lambda k, s=site, r=level: prefixes.ranks(k).get(s, 0) >= r)
            new_at.setdefault(k, set()).update(
                key(f) for f in prefixes.findings[k]
                if _site(f) == site and RANK.get(f.severity, 2) >= level)
    for found in prefixes.keys(high) - prefixes.keys(low):
        if _site_of(found) not in own:
            k = _first_prefix(prefixes, low, high, lambda k, f=found: f in prefixes.keys(k))
            new_at.setdefault(k, set()).add(found)
    return new_at


# The kinds whose finding on a payment reads that payment alone (its metadata, accounts,
# amount, evidence file and dates) and the rules: on a proposal, the same in the audit with it
# as in the audit with every proposal. Not those of running totals (ceiling, co-funding,
# reserve, duplicate) nor a waiver's, which follows the finding it is about.
OWN_KINDS = frozenset({"approval", "authorization", "conversion", "eligibility", "evidence",
                       "purpose", "segregation", "period"})


def _own_sites(prefixes: _Prefixes) -> dict[Site, int]:
    """The sites of a kind in OWN_KINDS on a proposal's own line, and that proposal's *k*,
    in the audit with every proposal: each first appears in the audit with its proposal. None
    when a proposal could change how another payment reads (a price or cost on one of its
    postings, from which Beancount may make a price). With signed approvals, the approval and
    segregation findings are not among them: a signature over another payment's text (a later
    proposal's) is that payment's, so what they say of one reads the others."""
    if any(posting.price is not None or posting.cost is not None
           for proposal in prefixes.proposals for posting in proposal.postings):
        return {}
    n = len(prefixes.proposals)
    signatures = prefixes.kept[n].facts.signatures
    kinds = OWN_KINDS - ({"approval", "segregation"} if signatures is not None
                         and signature_files(signatures.folder) else set())
    at = {(where.filename, where.lineno): k for k, proposal in enumerate(prefixes.proposals, 1)
          if (where := Location.of(proposal.meta, proposal))}
    return {_site(f): at[(f.filename, f.lineno)] for f in prefixes.findings[n]
            if f.kind in kinds and (f.filename, f.lineno) in at}


def _first_prefix(prefixes: _Prefixes, low: int, high: int, holds: Callable[[int], bool]
                  ) -> int:
    """The smallest *k* after ``low`` whose audit ``holds`` (that of ``high`` does)."""
    while high - low > 1:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle
    return high  # audited: ``high``, or a middle where it holds


def _monotone(prefixes: _Prefixes, low: int, high: int) -> bool:
    """Whether every audit made from ``low`` to ``high``, in order of *k*, has every site at
    the rank of the one before or higher, and every finding of the one before but a warning
    that gave way to an error (its site rose) and never comes back: else the bisections'
    answers cannot be trusted (the next proposals take away a finding of the proposals so
    far, which may come back)."""
    made = sorted(k for k in {low, high, *prefixes.findings} if low <= k <= high)
    gone: set[Key] = set()  # the warnings that gave way to an error: they may not come back
    for before, after in zip(made, made[1:]):
        ranks, keys, earlier = prefixes.ranks(after), prefixes.keys(after), prefixes.ranks(before)
        if any(ranks.get(site, 0) < rank for site, rank in earlier.items()) or gone & keys:
            return False
        for f in prefixes.findings[before]:
            if key(f) not in keys:
                if ranks.get(_site(f), 0) <= earlier[_site(f)]:
                    return False
                gone.add(key(f))
    return True


def _only_add(prefixes: _Prefixes) -> bool:
    """Whether every proposal is a payment from the fund of costs the fund alone pays, with
    no link to another entry: what can only add findings. Money into the fund or one of its
    accounts (a transfer, a refund, a move within a payment) can lift a reserve above its
    floor or set right a balance assertion, a partner's payment can lower the fund's share,
    and a payment of an accrual settles what another entry owes: each can take away a
    finding that an earlier proposal caused, which only the audits in turn see."""
    if any(proposal.links for proposal in prefixes.proposals):
        return False
    facts = prefixes.audit(len(prefixes.proposals)).facts
    if any(facts.conventions.is_fund(posting.account) and posting.units.number >= 0
           for proposal in prefixes.proposals for posting in proposal.postings):
        return False  # money into a fund account, even within a payment
    proposed = {id(p) for p in prefixes.proposals}
    paid = {id(o.entry) for o in facts.outflows
            if o.usd > 0 and all(use.usd > 0 for use in o.uses)}
    return proposed <= paid and not any(
        id(c.location.entry) in proposed and (c.source != SURPLUS_SOURCE or c.usd <= 0)
        for c in facts.costs)


def _positions(prefixes: _Prefixes) -> list[Callable[[], Position]] | None:
    """The headroom's position after each proposal, from the audits with none and with all
    of them: each proposal's own spending and cost (:func:`position` of its own facts) added
    in turn, and the fund's history with the later proposals' movements taken out. None when
    these do not add up to what the audits say (the ledger's own figures changed with the
    proposals)."""
    n = len(prefixes.proposals)
    alone, every = prefixes.kept[0].facts, prefixes.kept[n].facts
    projects = {u.project for o in [*every.outflows, *every.refunds] for u in o.uses
                if u.project} | {c.project for c in every.costs}
    index = {id(p): k for k, p in enumerate(prefixes.proposals)}
    own = [Facts(every.as_of, every.fund_accounts) for _ in prefixes.proposals]
    for outflow in every.outflows:
        if (k := index.get(id(outflow.entry))) is not None:
            own[k].outflows.append(outflow)
    for refund in every.refunds:
        if (k := index.get(id(refund.entry))) is not None:
            own[k].refunds.append(refund)
    for cost in every.costs:
        if (k := index.get(id(cost.location.entry))) is not None:
            own[k].costs.append(cost)
    start, end = position(alone, projects), position(every, projects)
    spent, shares = dict(start.spent), dict(start.shares)
    sums = []
    for facts in own:
        added = position(facts, projects)
        for p in projects:
            spent[p] += added.spent[p]
            shares[p] = tuple(a + b for a, b in zip(shares[p], added.shares[p]))
        sums.append((dict(spent), dict(shares)))
    if (spent != end.spent or shares != end.shares
            or _history(every, index, -1) != list(alone.fund_history)):
        return None
    # the headroom reads of the fund's history only its lowest point from the payment's day on
    lowest = _lowest(every, index, [p.date for p in prefixes.proposals])
    return [lambda k=k, s=s: Position(*s, lowest[k]) for k, s in enumerate(sums)]


def _lowest(facts: Facts, index: dict[int, int], days: Sequence[datetime.date]
            ) -> list[list[tuple[Any, Any]]]:
    """For each proposal *k* (from 0), the first lowest point of the fund's history from its
    day ``days[k]`` on, with the proposals after it taken out ([] when there is none): a
    history per proposal would take time growing with the square of the proposals. From the
    history with all of them, the proposals are taken out from the last, each a point gone
    and its movement off every later balance, in a tree of minima over the history."""
    points = list(zip(facts.fund_history, facts.fund_entries))
    tree = _MinTree([(balance, place) for place, ((_day, balance), _e) in enumerate(points)])
    where = {index[id(entry)]: place for place, (_point, entry) in enumerate(points)
             if id(entry) in index}
    found: list[list[tuple[Any, Any]]] = [[] for _ in days]
    for k in reversed(range(len(days))):
        start = bisect.bisect_left(points, days[k], key=lambda point: point[0][0])
        balance, place = tree.least(start)
        found[k] = [(points[place][0][0], balance)] if place is not None else []
        if k in where:  # taken out: its point, and its movement from every later balance
            place = where[k]
            before = points[place - 1][0][1] if place else ZERO
            tree.add(place, before - points[place][0][1])
            tree.drop(place)
    return found


class _MinTree:
    """The least (value, place) of the places from one on, as values of a suffix of places
    are shifted and places dropped: a segment tree with the shifts kept at its nodes."""

    def __init__(self, values: list[tuple[Any, int]]) -> None:
        self.size = max(1, len(values))
        self.low: list[tuple[Any, int | None]] = [(None, None)] * (4 * self.size)
        self.shift = [ZERO] * (4 * self.size)
        if values:
            self._build(1, 0, self.size - 1, values)

    def _build(self, node: int, lo: int, hi: int, values: list[tuple[Any, int]]) -> None:
        if lo == hi:
            self.low[node] = values[lo]
            return
        mid = (lo + hi) // 2
        self._build(2 * node, lo, mid, values)
        self._build(2 * node + 1, mid + 1, hi, values)
        self._pull(node)

    def _pull(self, node: int) -> None:
        shown = [(v + self.shift[node], p) for v, p in (self.low[2 * node],
                                                        self.low[2 * node + 1]) if p is not None]
        self.low[node] = min(shown, default=(None, None))

    def _walk(self, node: int, lo: int, hi: int, start: int, change: Any, drop: int | None
              ) -> None:
        if hi < start or (drop is not None and not lo <= drop <= hi):
            return
        if drop is None and start <= lo:  # the whole node is shifted
            value, place = self.low[node]
            self.shift[node] += change
            self.low[node] = (value + change, place) if place is not None else (None, None)
            return
        if lo == hi:  # the dropped place
            self.low[node] = (None, None)
            return
        mid = (lo + hi) // 2
        self._walk(2 * node, lo, mid, start, change, drop)
        self._walk(2 * node + 1, mid + 1, hi, start, change, drop)
        self._pull(node)

    def add(self, start: int, change: Any) -> None:
        self._walk(1, 0, self.size - 1, start, change, None)

    def drop(self, place: int) -> None:
        self._walk(1, 0, self.size - 1, place, ZERO, place)

    def least(self, start: int, node: int = 1, lo: int = 0, hi: int | None = None
              ) -> tuple[Any, int | None]:
        hi = self.size - 1 if hi is None else hi
        if hi < start or self.low[node][1] is None:
            return (None, None)
        if start <= lo:
            return self.low[node]
        mid = (lo + hi) // 2
        shown = [(v + self.shift[node], p) for v, p in (
            self.least(start, 2 * node, lo, mid), self.least(start, 2 * node + 1, mid + 1, hi))
            if p is not None]
        return min(shown, default=(None, None))


def _history(facts: Any, index: dict[int, int], k: int) -> list[tuple[Any, Any]]:
    """The fund's balance after each transaction, with the proposals after the *k*-th
    (counted from 0; -1: all of them) taken out."""
    history, shift, before = [], ZERO, ZERO
    for (day, balance), entry in zip(facts.fund_history, facts.fund_entries):
        moved, before = balance - before, balance
        if index.get(id(entry), -1) > k:
            shift += moved
        else:
            history.append((day, balance - shift))
    return history


def _place(entry: Any) -> tuple[Any, Any]:
    meta = getattr(entry, "meta", None) or {}
    return meta.get("filename"), meta.get("lineno")


def _verdict(proposal: data.Transaction, new: Sequence[Finding], found: Sequence[Finding],
             after: Audit, at: Callable[[], Position] | None) -> Verdict:
    """The verdict on ``proposal``: the findings on it in the audit with it (``found``), and
    the ``new`` ones elsewhere, caused by it. Its headroom is read from ``after`` now (an audit
    not kept), or at the position ``at`` gives, when asked for (``after`` is then kept
    anyway)."""
    where = Location.of(proposal.meta, proposal)
    here = (where.filename, where.lineno)
    own = [f for f in found if (f.filename, f.lineno) == here]
    text = f"caused by the proposal ({shown(where.filename)}:{where.lineno}): "
    marked = [dataclasses.replace(f, message=text + f.message) for f in new
              if (f.filename, f.lineno) != here]
    outflow = after.facts.outflow_of(proposal)
    if at is None:
        room = headroom(after, proposal, "headroom after it")

        def room_of() -> Table:
            return room
    else:
        def room_of() -> Table:
            return headroom(after, proposal, "headroom after it", at())
    return Verdict(proposal, where, (*own, *marked), len(marked),
                   outflow.usd if outflow is not None else None, room_of,
                   after.facts.conventions.currency)
