#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/test_browser.py, test_pack_print.py),
# and poppler-utils (pdftotext) to read the printed pack back, as root with apt-get.
# Idempotent: does nothing when both are already installed.
#
# `make test` runs this first. Where it cannot install chromium (not root, no apt-get, apt-get
# failed) it says so and exits 0: every other test runs, and pytest's summary reports
# tests/test_browser.py as skipped with the command that enables it. Under CI (CI=true) the
# browser test is required: the same cases fail here, and the test fails rather than skip.
set -euo pipefail

ENABLE="sudo bash scripts/install-chromium.sh"
DEBIAN_CHROMIUM=/usr/bin/chromium

under_ci() {
    case "${CI:-}" in
        [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss]) return 0 ;;
        *) return 1 ;;
    esac
}

give_up() {
    if under_ci; then
        echo "install-chromium.sh: $1: cannot install chromium and poppler-utils, and CI=true" \
             "requires the browser tests (tests/test_browser.py, tests/test_pack_print.py)" >&2
        exit 1
    fi
    echo "install-chromium.sh: $1: chromium or pdftotext not installed, so the browser tests" \
         "(tests/test_browser.py, tests/test_pack_print.py) will be skipped; to run them:" \
         "$ENABLE, then make test" >&2
    exit 0
}

runnable() { [ -f "$1" ] && [ -x "$1" ]; }

have_chromium() {
    for found in "$DEBIAN_CHROMIUM" "$(command -v chromium || true)"; do
        if [ -n "$found" ] && runnable "$found"; then return 0; fi
    done
    return 1
}

if have_chromium && command -v pdftotext >/dev/null; then
    echo "chromium already installed: $("$DEBIAN_CHROMIUM" --version 2>/dev/null || command -v chromium)"
    exit 0
fi

[ "$(id -u)" -eq 0 ] || give_up "not root (apt-get needs root)"
command -v apt-get >/dev/null || give_up "no apt-get on PATH (not Debian?)"

export DEBIAN_FRONTEND=noninteractive
apt-get update || give_up "apt-get update failed"
apt-get install -y --no-install-recommends chromium poppler-utils \
    || give_up "apt-get install chromium poppler-utils failed"
"$DEBIAN_CHROMIUM" --version
