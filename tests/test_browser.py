"""A real browser on the Surplus Fund page: Fava served on loopback, Debian's chromium headless.

``make test`` installs chromium (``scripts/install-chromium.sh``, as root with apt-get). Without
chromium this test is skipped, and pytest's summary says so and how to install it; under CI
(``CI=true``) it is required and fails instead, so that CI never passes without it. It leaves the
rendered DOM and a screenshot in ``artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, copy_shipped_ledger

ARTIFACTS = ROOT / "artifacts"
FAVA = Path(sys.executable).parent / "fava"
SLUG = "aipo-secretariat-surplus-fund"
SETUP = "sudo bash scripts/install-chromium.sh"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
)


def under_ci() -> bool:
    """CI runners set CI=true; there the browser test is required, never skipped."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def chromium() -> str:
    debian = Path("/usr/bin/chromium")  # also when /usr/bin is not on PATH
    usable = debian.is_file() and os.access(debian, os.X_OK)
    found = shutil.which("chromium") or (str(debian) if usable else None)
    if found is None:
        message = (f"the browser test needs Debian's chromium: run `{SETUP}`, then "
                   "`make test` again")
        if under_ci():
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"fava exited with status {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"fava did not answer {url} within {timeout} s")


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr[-3000:]}"
    return result


def test_the_page_in_a_real_browser(tmp_path):
    browser = chromium()
    assert FAVA.exists(), f"no fava next to {sys.executable}"
    ledger = copy_shipped_ledger(tmp_path / "books")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "surplus-fund.png"
    screenshot.unlink(missing_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/{SLUG}/extension/SurplusFund/"
    log = tmp_path / "fava.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(FAVA), "--read-only", "--host", "127.0.0.1", "--port", str(port), str(ledger)],
            stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(url, server, log)
        dom = run_chromium(browser, tmp_path / "profile-dom", "--dump-dom", url).stdout
        (ARTIFACTS / "surplus-fund.html").write_text(dom, encoding="utf-8")
        assert "Compliant: no errors, no warnings" in dom
        assert '<table class="sf-table' in dom
        assert "Rules in force" in dom
        assert "SOC03-CEILING" in dom
        # Fava's frontend ran: it rendered its header and sidebar around the page
        assert "<aside class=" in dom
        run_chromium(browser, tmp_path / "profile-shot", f"--screenshot={screenshot}",
                     "--window-size=1400,2000", url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    assert screenshot.exists()
    assert screenshot.stat().st_size > 10_000, "the screenshot looks empty"
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
