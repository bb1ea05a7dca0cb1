"""Every surplus outflow cites a resolution that authorises the use of surplus funds, and is
not dated before that resolution was adopted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Seen, metadata, on_outflow, per_outflow, unread
from aipo_budget.core.params import param, parse_texts

if TYPE_CHECKING:
    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


@dataclass(frozen=True)
class Params:
    resolutions: tuple[str, ...] = param(parse_texts)  # the instruments authorising surplus use


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    resolution, known = outflow.resolution, version.params.resolutions
    instrument = ruleset.instrument(resolution) if resolution else None
    adopted = instrument.adopted if instrument else None
    message = unread(outflow, meta.RESOLUTION, resolution is not None,
                     "surplus outflow cites no resolution")
    if message is None and resolution not in known:
        message = (f"resolution {resolution!r} is not an instrument that authorises the use of "
                   f"surplus funds (known: {', '.join(known)})")
    elif message is None and adopted is not None and outflow.date < adopted:
        message = (f"dated {outflow.date}, before resolution {resolution} was adopted on "
                   f"{adopted}: no authority existed yet")

    def compared() -> list[Fact]:
        seen: list[Fact] = [
            metadata(outflow, "resolution cited", meta.RESOLUTION, resolution),
            ("authorising resolutions", ", ".join(known), version.label),
            ("dated", outflow.date, ""),
        ]
        if instrument is not None:
            seen.append(("resolution adopted", adopted or "(no date in the rules)",
                         instrument.title))
        return seen

    return Seen(version, True, "a surplus outflow cites its authority", compared,
                on_outflow(version, outflow, message))


check, explain = per_outflow(judge)
