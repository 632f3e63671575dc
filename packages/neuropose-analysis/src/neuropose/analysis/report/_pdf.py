"""Printing a report to PDF with headless Chromium, where it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from neuropose.analysis.report._errors import ChromiumNotFoundError, PdfPrintError

__all__ = ["CHROMIUM_ENV", "CHROMIUM_NAMES", "find_chromium", "print_pdf"]

CHROMIUM_ENV = "NEUROPOSE_CHROMIUM"
"""Environment variable naming the Chromium (or Chrome) executable, when not on ``PATH``."""

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
"""Executable names looked up on ``PATH``, in order."""

_MACOS_APPS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)

_INSTALL_ADVICE = (
    "install Chromium (Debian/Ubuntu: sudo apt install chromium; macOS: brew install --cask "
    f"chromium) or set {CHROMIUM_ENV} to a Chromium or Chrome executable; the HTML report "
    "also prints from any browser (File > Print > Save as PDF)"
)


def find_chromium() -> str | None:
    """Return the Chromium or Chrome executable to print with, or ``None`` when there is none.

    ``$NEUROPOSE_CHROMIUM`` wins, then the names of :data:`CHROMIUM_NAMES` on ``PATH``, then the
    usual macOS application bundles.
    """
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    return next((app for app in _MACOS_APPS if Path(app).is_file()), None)


def print_pdf(
    html: Path | str, pdf: Path | str, *, chromium: str | None = None, timeout_s: float = 180.0
) -> Path:
    """Print an HTML file to PDF with headless Chromium (A4/Letter as the browser defaults).

    The browser runs with a fresh temporary profile, no network services of its own and no
    first-run or sync machinery; the page itself is offline by its content policy.

    Parameters
    ----------
    html
        The report.
    pdf
        The PDF to write.
    chromium
        The browser executable; found with :func:`find_chromium` when ``None``.
    timeout_s
        Longest time the browser may take, seconds.

    Raises
    ------
    ChromiumNotFoundError
        If no browser is installed (the message says how to install one).
    PdfPrintError
        If the browser fails, times out or writes no PDF.
    """
    executable = chromium or find_chromium()
    if executable is None:
        raise ChromiumNotFoundError(f"printing to PDF needs Chromium, not found; {_INSTALL_ADVICE}")
    source, target = Path(html).resolve(), Path(pdf).resolve()
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial.pdf")
    with tempfile.TemporaryDirectory(prefix="neuropose-pdf-") as profile:
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            source.as_uri(),
        ]
        try:
            run = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except FileNotFoundError:
            raise ChromiumNotFoundError(f"{executable} does not exist; {_INSTALL_ADVICE}") from None
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise PdfPrintError(
                f"Chromium did not print {source.name} within {timeout_s:g} s"
            ) from None
    if run.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise PdfPrintError(
            f"Chromium ({executable}) did not print {source.name} (exit {run.returncode}): "
            + " | ".join(tail)
        )
    os.replace(partial, target)
    return target
