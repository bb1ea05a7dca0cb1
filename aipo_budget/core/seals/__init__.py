"""Period seals: ``aipo-budget seal`` records a digest of the ledger through a date, and every
audit verifies every seal (findings of kind ``seal``).

- :mod:`.canonical`: the canonical form of an entry and its fingerprint (also for manifests);
- :mod:`.snapshot`: what a seal covers (fingerprints, evidence digests) and its overall digest;
- :mod:`.record`: the ``custom "aipo-seal"`` entry; :mod:`.sidecar`: its per-entry record;
- :mod:`.diff` and :mod:`.verify`: what changed since, as findings, and the sealed periods;
- :mod:`.store`: the files ``seal`` writes (atomically, under a lock).
"""

from __future__ import annotations

from aipo_budget.core.seals.verify import (
    BROKEN,
    DEFAULT_SEAL_RULE,
    HOLDS,
    UNVERIFIED,
    SealedPeriod,
    Verification,
    seal_findings,
    seal_inputs,
    verify,
)

__all__ = ["BROKEN", "DEFAULT_SEAL_RULE", "HOLDS", "UNVERIFIED", "SealedPeriod",
           "Verification", "seal_findings", "seal_inputs", "verify"]
