"""How long verifying signed approvals takes: N signature files (made with the real
``ssh-keygen``, one key per role) read and verified by ``aipo_budget.core.signatures``, as the
approval and segregation checks do. Prints CPU seconds of the verification alone (the signing is
setup). ``python benchmarks/signatures.py [--count 1000] [--out benchmarks/out/signatures]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from aipo_budget.core import signatures


def make(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder.parent / "bench-key"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
    have = len(list(folder.glob("*.sig")))
    for number in range(have, count):
        pairs = [("date", f"2006-01-{number % 28 + 1:02d}"), ("payee", f"s8:Payee {number % 10}"),
                 ("narration", f"s12:Payment {number:04d}"), ("amount", f"a:{number}.00 USD")]
        message = signatures.signed_text("approve", pairs)
        armored = subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n",
                                  signatures.namespace("approve")], input=message,
                                 capture_output=True, check=True).stdout
        (folder / f"{number:05d}.sig").write_bytes(message + armored)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/signatures"))
    args = parser.parse_args()
    if shutil.which("ssh-keygen") is None:
        print("ssh-keygen not found: install openssh-client to run this benchmark")
        return 2
    folder = args.out / "approvals"
    make(folder, args.count)
    start = time.process_time()
    read = signatures.read_signatures(str(folder))[:args.count]
    seconds = time.process_time() - start
    verified = sum(s.fingerprint is not None for s in read)
    print(f"{verified} of {len(read)} signatures verified in {seconds:.3f} s CPU "
          f"(target: 1,000 in at most 1 s): {'met' if seconds <= 1 and verified == args.count else 'NOT met'}")
    return 0 if verified == len(read) else 1


if __name__ == "__main__":
    sys.exit(main())
