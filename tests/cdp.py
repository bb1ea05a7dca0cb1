"""Chromium for the browser tests: where it is (skipped without it, required under CI=true),
and a small client of the Chrome DevTools Protocol over a pipe (``--remote-debugging-pipe``):
enough for the browser tests to open a page at a window size, run a script in it, wait for
what it shows and take a screenshot, with the standard library only.

Chromium reads commands from its file descriptor 3 and writes answers and events to 4, each
a JSON text ended by a NUL byte.

One Chromium serves the whole run (the session fixture ``chromium_process``, which a test
module takes with ``pytest_plugins = ["cdp"]``): starting it costs more than a page. Each
user of it opens a tab of its own (``Chromium.tab()``, a new target with its own window size,
emulated media and history) and closes it when done, so no test sees another's page.

PYTEST_DONT_REWRITE: the modules import it before ``pytest_plugins`` names it, and it has no
``assert`` of its own to rewrite (pytest would warn that it comes too late to rewrite it).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # git-ignored: for a human to see


SETUP = "sudo bash scripts/install-chromium.sh"
POLL = 0.05  # seconds between two looks at a page that is not ready yet
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
        message = (f"the browser tests need Debian's chromium: run `{SETUP}`, then "
                   "`make test` again")
        if under_ci():
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BrowserError(AssertionError):
    pass


class Chromium:
    """One headless Chromium process, driven over its pipe; ``tab()`` opens a page in it."""

    def __init__(self, executable: str, flags: tuple[str, ...], profile: Path) -> None:
        commands_read, self._commands = _high(os.pipe())
        self._answers, answers_write = _high(os.pipe())

        def at_three_and_four() -> None:  # in the child, before exec
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self.process = subprocess.Popen(
            [executable, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(3, 4), preexec_fn=at_three_and_four)  # noqa: PLW1509 - no threads here
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.call("Browser.getVersion")  # up and answering before the caller goes on

    # --- the protocol -------------------------------------------------------------------

    def call(self, method: str, session: str | None = None, timeout: float = 60,
             **params: Any) -> dict[str, Any]:
        """Send ``method`` to the browser, or to the tab attached as ``session``."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._answers], [], [], left)[0]:
                raise BrowserError("chromium did not answer in time")
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise BrowserError("chromium closed the pipe: "
                                   + self.process.stderr.read().decode(errors="replace")[-2000:])
            self._buffer += chunk
        text, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(text)

    def tab(self) -> Browser:
        """A new page of its own (close it, or use it in a ``with``)."""
        return Browser(self)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._commands, self._answers):
            os.close(fd)
        if self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Browser:
    """One page of a Chromium (a target attached in flat mode): its window size, emulated
    media and history are its own."""

    def __init__(self, process: Chromium) -> None:
        self.chromium = process
        self.target = process.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = process.call("Target.attachToTarget", targetId=self.target,
                                    flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def call(self, method: str, session: bool = False, timeout: float = 60,
             **params: Any) -> dict[str, Any]:
        """Send ``method`` to the browser, or with ``session`` to this page."""
        return self.chromium.call(method, self.session if session else None, timeout, **params)

    # --- what the tests do --------------------------------------------------------------

    def size(self, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    def open(self, url: str, ready: str, timeout: float = 60) -> None:
        """Go to ``url`` and wait until the script ``ready`` is true."""
        self.call("Page.navigate", session=True, url=url)
        self.wait(ready, timeout)

    def run(self, script: str) -> Any:
        """The value of a script (an expression; a promise is awaited)."""
        answer = self.call("Runtime.evaluate", session=True, expression=script,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise BrowserError(f"{script[:200]}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def wait(self, condition: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.run(f"Boolean({condition})"):
                    return
            except BrowserError:
                pass  # the page is between two documents
            time.sleep(POLL)
        raise BrowserError(f"waited {timeout} s for {condition}")

    def read(self, script: str, timeout: float = 30) -> Any:
        """The first value of ``script`` that is neither null nor an error: Fava's frontend
        may render the page's content once more after the document has loaded."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.run(script)
                if value is not None:
                    return value
            except BrowserError:
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise BrowserError(f"{script[:200]}: null for {timeout} s")
            time.sleep(POLL)

    def text(self, selector: str, timeout: float = 30) -> str:
        """The text of the first element ``selector`` finds, once there is one."""
        return self.read(f"document.querySelector({json.dumps(selector)})?.innerText ?? null",
                         timeout)

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        """The window, or with ``full_page`` the whole page: the window is made as tall as
        what scrolls in it (Fava scrolls its content in an element of its own), then put back."""
        width, height = self.run("[window.innerWidth, window.innerHeight]")
        if full_page:
            tall = self.run("Math.max(document.documentElement.scrollHeight, "
                            "...[...document.querySelectorAll('article, main')]"
                            ".map(e => e.scrollHeight + e.getBoundingClientRect().top))")
            self.size(width, min(int(tall) + 20, 16000))
        # the same pixels, compressed less: encoding a tall page at the best ratio is slow
        data = self.call("Page.captureScreenshot", session=True, format="png",
                         optimizeForSpeed=True)["data"]
        path.write_bytes(base64.b64decode(data))
        if full_page:
            self.size(width, height)

    def close(self) -> None:
        try:
            self.chromium.call("Target.closeTarget", targetId=self.target, timeout=10)
        except BrowserError:
            pass

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@pytest.fixture(scope="session")
def chromium_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """The run's one Chromium (skipped without it, failed under CI=true); open a tab in it."""
    executable = chromium()
    with Chromium(executable, CHROMIUM_FLAGS, tmp_path_factory.mktemp("profile")) as process:
        yield process


def _high(fds: tuple[int, int]) -> tuple[int, int]:
    """The pipe's ends moved above 10, so that putting one at 3 or 4 in the child never
    overwrites the other."""
    moved = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds)
    for fd in fds:
        os.close(fd)
    return moved  # type: ignore[return-value]
