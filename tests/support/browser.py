"""Drive the machine's headless Chromium from tests: command-line runs and a DevTools client.

Two ways in:

- :func:`chromium` and :func:`headless_flags` for one-shot runs (``--dump-dom``,
  ``--screenshot``, ``--print-to-pdf``), as the status-page test does.
- :class:`Browser`, a small Chrome DevTools Protocol client over ``--remote-debugging-pipe``
  (JSON messages separated by NUL bytes on file descriptors 3 and 4), for what a one-shot run
  cannot tell: console messages and uncaught exceptions, and the state of a page after it
  loaded (evaluate JavaScript in it).

Only the standard library is used: no websocket client, no Selenium, no network.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["Browser", "ConsoleEntry", "Page", "chromium", "headless_flags"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str:
    """Path of the Chromium executable, or fail the test saying how to get one."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    pytest.fail(
        "chromium is needed for this test: run `bash scripts/test.sh` as root (installs it)"
    )


def headless_flags(profile: Path) -> list[str]:
    """Flags for a quiet, offline-minded headless run with a fresh profile in ``profile``."""
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", "--mute-audio", f"--user-data-dir={profile}",
    ]  # fmt: skip


@dataclass(frozen=True)
class ConsoleEntry:
    """One message the page logged or one exception it threw.

    ``source`` is ``"console"`` (``console.*`` calls), ``"exception"`` (uncaught errors) or the
    browser log's source (``"security"`` for content-security-policy violations,
    ``"network"`` for failed loads, ...).
    """

    source: str
    level: str
    text: str


@dataclass
class Page:
    """One tab attached through DevTools: evaluate JavaScript and read what it logged."""

    browser: Browser
    session: str
    console: list[ConsoleEntry] = field(default_factory=list)

    def evaluate(self, expression: str, *, timeout_s: float = 30.0) -> Any:
        """Evaluate ``expression`` in the page (awaiting a promise) and return its JSON value."""
        reply = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=self.session,
            timeout_s=timeout_s,
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"evaluating {expression!r} threw: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def errors(self) -> list[ConsoleEntry]:
        """Console errors, uncaught exceptions and browser-log errors, in arrival order."""
        self.browser.drain()
        return [entry for entry in self.console if entry.level in ("error", "assert")]


class Browser:
    """A headless Chromium driven over the DevTools pipe; use as a context manager.

    Parameters
    ----------
    profile
        A fresh directory for the browser's profile.
    """

    def __init__(self, profile: Path) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_pipes() -> None:
            # Chromium reads commands on fd 3 and writes replies on fd 4; move the ends there
            # through high numbers so neither dup2 overwrites the other end first.
            os.dup2(to_browser_read, 200)
            os.dup2(from_browser_write, 201)
            os.dup2(200, 3)
            os.dup2(201, 4)

        self._process = subprocess.Popen(
            [chromium(), *headless_flags(profile), "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=wire_pipes,  # noqa: PLW1509 - a test helper, single-threaded at this point
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._ids = itertools.count(1)
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._pages: dict[str, Page] = {}
        self._reader = threading.Thread(target=self._read, name="cdp-reader", daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ transport
    def _read(self) -> None:
        buffer = b""
        with open(self._from_browser, "rb", buffering=0, closefd=True) as stream:
            while chunk := stream.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._events.put(json.loads(message))
        self._events.put(None)

    def _take(self, timeout_s: float) -> dict[str, Any] | None:
        message = self._events.get(timeout=timeout_s)
        if message is None:
            raise AssertionError("chromium closed its DevTools pipe (did it crash?)")
        if "id" in message:
            self._replies[message["id"]] = message
            return None
        self._dispatch(message)
        return message

    def _dispatch(self, event: dict[str, Any]) -> None:
        page = self._pages.get(event.get("sessionId", ""))
        if page is None:
            return
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params["args"]
            )
            page.console.append(ConsoleEntry("console", params["type"], text))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            page.console.append(ConsoleEntry("exception", "error", text))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            page.console.append(ConsoleEntry(entry["source"], entry["level"], entry["text"]))

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout_s: float = 30.0,
    ) -> dict[str, Any]:
        """Send one DevTools command and return its result (events meanwhile are recorded)."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout_s
        while number not in self._replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no reply to {method} within {timeout_s} s")
            with contextlib.suppress(queue.Empty):
                self._take(remaining)
        reply = self._replies.pop(number)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def drain(self, quiet_s: float = 0.2) -> None:
        """Record the events that arrived so far, waiting until none came for ``quiet_s``."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._take(quiet_s)

    def wait_for(self, page: Page, method: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """Wait for the next event ``method`` of ``page`` and return its parameters."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {method} within {timeout_s} s")
            try:
                event = self._take(remaining)
            except queue.Empty:
                continue
            if event and event.get("sessionId") == page.session and event.get("method") == method:
                return event.get("params", {})

    # ------------------------------------------------------------------- pages
    def open(self, url: str, *, timeout_s: float = 60.0) -> Page:
        """Open ``url`` in a new tab, wait for its load event and return the tab."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        self._pages[session] = page
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable", session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for(page, "Page.loadEventFired", timeout_s)
        return page

    def close(self) -> None:
        """Ask the browser to quit, then make sure it did."""
        with contextlib.suppress(Exception):
            self.call("Browser.close", timeout_s=5.0)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        with contextlib.suppress(OSError):
            os.close(self._to_browser)
        self._reader.join(timeout=5)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
