"""A real browser on the Surplus Fund page: Fava served on loopback, Debian's chromium headless.

``make test`` installs chromium (``scripts/install-chromium.sh``, as root with apt-get). Without
chromium this test is skipped, and pytest's summary says so and how to install it; under CI
(``CI=true``) it is required and fails instead, so that CI never passes without it. It leaves the
rendered DOM and screenshots in ``artifacts/`` (git-ignored) for a human to look at. Chromium is
driven through the DevTools protocol on a pipe (tests/cdp.py): it sets the window's width,
fills the form, and measures what the page lays out.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode
from pathlib import Path

import pytest

from cdp import ARTIFACTS, Browser, free_port
from conftest import copy_shipped_ledger

pytest_plugins = ["cdp"]  # chromium_process: the run's one Chromium, a tab of it per test

FAVA = Path(sys.executable).parent / "fava"
SLUG = "aipo-secretariat-surplus-fund"
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
        time.sleep(0.1)
    pytest.fail(f"fava did not answer {url} within {timeout} s")


# Whether anything scrolls sideways: the page, and every table in its own box.
SIDEWAYS = """JSON.stringify({
  page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
  tables: [...document.querySelectorAll('.sf-page table')].map(t => {
    const box = t.closest('.sf-scroll') || t.parentElement;
    return [t.className, t.scrollWidth, box.clientWidth, box.scrollWidth];
  })})"""
READY = "document.querySelector('#sf-status') && document.readyState === 'complete'"
PAYMENT = {
    "date": "2006-06-15", "payee": "Mekong Research Institute",
    "narration": "Field study, second phase", "purpose": "Trafficking-Roadmap:Research",
    "amount": "7000.00", "currency": "USD", "fund": "Assets:Surplus-Fund:Bank",
    "preparer": "Ratna Wulandari", "document": "2006-06-14.invoice-mri-2006-031.pdf",
}


def fill(browser: Browser, fields: dict[str, str]) -> None:
    """Fill the "can we pay this?" form as a user would, then send it."""
    script = "\n".join(
        f"document.querySelector('#sf-propose-form [name={name}]').value = {json.dumps(value)};"
        for name, value in fields.items())
    browser.run(script + "document.querySelector('#sf-propose-form').requestSubmit(); true")
    browser.wait("document.querySelector('#sf-verdict') && document.readyState === 'complete'")
    # the answer echoes what was sent: the form was read, not a page left from before
    browser.read("document.querySelector('#sf-propose-form [name=approvers]')?.value === "
                 f"{json.dumps(fields.get('approvers', ''))} || null")


def digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def cli_json(*args: str, cwd: Path) -> dict:
    result = subprocess.run([str(FAVA.parent / "aipo-budget"), *args, "-f", "json"], cwd=cwd,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Fava serving a copy of the shipped ledger, read-only, and the digests of its files."""
    folder = tmp_path_factory.mktemp("books")
    ledger = copy_shipped_ledger(folder)
    before = digests(folder)
    port = free_port()
    url = f"http://127.0.0.1:{port}/{SLUG}/extension/SurplusFund/"
    log = folder.parent / "fava.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(FAVA), "--read-only", "--host", "127.0.0.1", "--port", str(port), str(ledger)],
            stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_up(url, server, log)
        yield url, folder, before
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def browser(chromium_process):
    """A fresh tab for each test: no window size, form or page left from another test."""
    with chromium_process.tab() as opened:
        yield opened


@pytest.fixture(scope="module")
def statement(served):
    """The fund statement `aipo-budget report` prints for the served books: one run, read by
    both window widths (the books do not change; ``test_can_we_pay_this_...`` proves it), with
    the run's settings (conftest.run_settings)."""
    _url, folder, _before = served
    return cli_json("report", "main.beancount", "-t", "fund-statement", cwd=folder)


@pytest.mark.parametrize("width", [1400, 1024])
def test_the_page_fits_the_window_with_the_fund_at_a_glance(served, statement, browser, width):
    url, folder, _before = served
    ARTIFACTS.mkdir(exist_ok=True)
    browser.size(width, 900)
    browser.open(url, READY)
    measured = json.loads(browser.run(SIDEWAYS))
    (ARTIFACTS / f"surplus-fund-{width}.html").write_text(
        browser.run("document.documentElement.outerHTML"), encoding="utf-8")
    browser.screenshot(ARTIFACTS / f"surplus-fund-{width}.png", full_page=False)
    assert measured["page"][0] <= measured["page"][1], measured
    assert len(measured["tables"]) >= 6, measured  # the page's tables were all there
    wide = [t for t in measured["tables"] if t[1] > t[2] or t[3] > t[2]]
    assert not wide, f"tables wider than the window at {width} px: {wide}"
    # Fava's frontend ran around the page
    assert browser.run("Boolean(document.querySelector('aside'))")
    assert "Compliant: no errors, no warnings" in browser.run(
        "document.querySelector('#sf-status').innerText")
    # the headline figures and both charts above the fold, and what the report says
    bottom = browser.read("document.querySelector('.sf-charts')?.getBoundingClientRect().bottom")
    assert 0 < bottom <= 900, f"the charts end at {bottom} px, below the fold"
    assert browser.run("document.querySelectorAll('.sf-charts svg').length") == 2
    figures = json.loads(browser.read(
        "JSON.stringify([...document.querySelectorAll('.sf-figure')].map(f => "
        "[f.querySelector('.sf-label').innerText, f.querySelector('.sf-value').innerText]))"))
    lines = {row["line"]: row["amount"] for row in statement["tables"][0]["rows"]}
    expected = {"Fund balance": lines["Closing balance"],
                "Available for new allocations": lines["Available for new allocations"],
                "Committed": lines["Allocated, not yet spent (committed by rule)"]}
    shown = {label: value.replace(",", "").removesuffix(" USD") for label, value in figures}
    for label, amount in expected.items():
        assert shown[label] == amount, (label, shown, expected)
    # a transaction's explanation, shown above the page, fits too
    payment = folder / "ledger" / "project-trafficking-roadmap.beancount"
    line = next(n for n, text in enumerate(payment.read_text().splitlines(), 1)
                if "Kingdom Consultancy Group" in text)
    browser.open(f"{url}?{urlencode({'explain': f'{payment}:{line}'})}",
                 "document.querySelector('#sf-explanation table')")
    measured = json.loads(browser.read(SIDEWAYS))
    wide = [t for t in measured["tables"] if t[1] > t[2] or t[3] > t[2]]
    assert not wide and measured["page"][0] <= measured["page"][1], measured


def test_can_we_pay_this_answers_as_check_pending(served, browser):
    url, folder, before = served
    browser.size(1400, 900)
    browser.open(url, READY)
    fill(browser, {**PAYMENT, "approvers": "Nguyen Thi Lan"})
    verdict = browser.text("#sf-verdict")
    assert verdict.startswith("cannot be paid"), verdict
    assert "ORG08-APPROVAL" in browser.text("#sf-answer")
    browser.screenshot(ARTIFACTS / "surplus-fund-cannot-pay.png")

    fill(browser, {**PAYMENT, "approvers": "Nguyen Thi Lan, Maria Teresa Villanueva"})
    verdict = browser.text("#sf-verdict")
    answer = browser.text("#sf-answer")
    browser.screenshot(ARTIFACTS / "surplus-fund-can-pay.png")
    assert verdict == "can be paid", answer
    text = browser.text("#sf-proposal-text")
    command = browser.text("#sf-proposal-command")
    # the same text, judged by the command the page shows, gives the same verdict and headroom
    (folder / "proposal.beancount").write_text(text, encoding="utf-8")
    try:
        words = command.split()
        assert words[:3] == ["aipo-budget", "check", "--pending"], command
        judged = cli_json(*words[1:], cwd=folder)["proposals"][0]
    finally:
        (folder / "proposal.beancount").unlink()
    assert judged["verdict"] == "can be paid"
    left = next(row for row in judged["headroom"]["rows"]
                if row["measure"] == "allocation remaining")
    page_left = browser.read(
        "[...document.querySelectorAll('#sf-answer table.sf-table-headroom tbody tr')]"
        ".find(r => r.cells[0].innerText.startsWith('allocation remaining'))?.cells[2].innerText")
    assert page_left.replace(",", "") == left["amount"], (page_left, left)
    # the answer's tables fit the window too
    measured = json.loads(browser.read(SIDEWAYS))
    wide = [t for t in measured["tables"] if t[1] > t[2] or t[3] > t[2]]
    assert not wide and measured["page"][0] <= measured["page"][1], measured
    # nothing the page read was written
    assert digests(folder) == before
