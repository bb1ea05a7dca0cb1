"""Time the aipo-budget Fava extension page, rendered in-process on an already loaded ledger.

    python benchmarks/fava_page.py LEDGER [--renders 3] [--module aipo_budget.fava_ext] [--profile N]

LEDGER declares the extension (the generator's ``fava.beancount`` does:
``custom "fava-extension" "aipo_budget.fava_ext"``). The script loads the ledger with
``fava.application.create_app(load=True)`` (not timed as the page: reported as ``load_s``), then
requests ``/<slug>/extension/<ClassName>/`` ``--renders`` times with Flask's test client and
prints one JSON object on stdout:

- ``{"status": "n/a", "reason": ...}`` when the extension module cannot be imported yet;
- ``{"status": "ok", "load_s", "first_s", "renders_s": [...], "bytes", "url"}`` otherwise
  (``first_s`` is the first render after the load, the number the benchmark reports);
- ``{"status": "error", ...}`` (exit status 1) when the page does not answer 200.

benchmarks/run.py measures the process (CPU time and peak RSS, load included) with ``os.wait4``.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import inspect
import json
import os
import pstats
import sys
import time


def emit(payload: dict, code: int = 0) -> int:
    print(json.dumps(payload))
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the aipo-budget Fava extension page.")
    parser.add_argument("ledger")
    parser.add_argument("--renders", type=int, default=3)
    parser.add_argument("--module", default="aipo_budget.fava_ext")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile the first render; print its top N cumulative functions "
                             "(aipo_budget's, then all) on stderr")
    args = parser.parse_args(argv)
    ledger_path = os.path.abspath(args.ledger)
    sys.path.insert(0, os.path.dirname(ledger_path))  # as Fava does for extension modules
    try:
        module = importlib.import_module(args.module)
    except ImportError as exc:
        return emit({"status": "n/a", "reason": f"cannot import {args.module}: {exc}"})

    from fava.application import create_app
    from fava.ext import FavaExtensionBase

    classes = [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, FavaExtensionBase)
        and obj is not FavaExtensionBase and getattr(obj, "report_title", None)
    ]
    if not classes:
        return emit({"status": "n/a", "reason": f"{args.module} has no extension with a page"})
    name = classes[0].__qualname__

    started = time.perf_counter()
    app = create_app([ledger_path], load=True)
    ledgers = app.config["LEDGERS"]
    slug, ledger = next(iter(ledgers.items()))
    load_s = time.perf_counter() - started
    loaded = sorted(getattr(ledger.extensions, "_instances", {}))  # extension names Fava loaded
    client = app.test_client()
    url = f"/{slug}/extension/{name}/"
    renders, size = [], 0
    for number in range(max(1, args.renders)):
        profile = cProfile.Profile() if args.profile and number == 0 else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        response = client.get(url)
        if profile:
            profile.disable()
        elapsed = time.perf_counter() - started
        if profile:
            for restriction in (("aipo_budget", args.profile), (args.profile,)):
                pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(
                    *restriction)
        if response.status_code != 200:
            errors = [str(e.message)[:200] for e in ledger.errors][:5]
            return emit({"status": "error", "url": url, "http": response.status_code,
                         "load_s": load_s, "fava_errors": errors}, 1)
        renders.append(elapsed)
        size = len(response.data)
    return emit({"status": "ok", "url": url, "extension": name, "loaded": loaded,
                 "load_s": load_s, "first_s": renders[0], "renders_s": renders, "bytes": size})


if __name__ == "__main__":
    sys.exit(main())
