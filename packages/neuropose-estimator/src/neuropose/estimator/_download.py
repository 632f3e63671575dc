"""Streaming download with a timeout, a progress callback and a running SHA-256."""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from neuropose.estimator._errors import ModelDownloadError, ModelIntegrityError

__all__ = ["DownloadProgress", "download_file", "download_verified"]

log = logging.getLogger(__name__)

DownloadProgress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_done, bytes_total)``; the total is ``None`` when unknown."""

_CHUNK = 1 << 20


def download_file(
    url: str,
    destination: Path,
    *,
    timeout_s: float = 30.0,
    progress: DownloadProgress | None = None,
) -> str:
    """Download ``url`` to ``destination`` and return the SHA-256 of what was written.

    Parameters
    ----------
    url
        Address to fetch.
    destination
        File to create or overwrite.
    timeout_s
        Socket timeout for connecting and for each read, in seconds: a stalled host fails
        instead of hanging.
    progress
        Receives bytes done and the total from ``Content-Length``.

    Raises
    ------
    ModelDownloadError
        On any network or HTTP failure; the message names the address.
    """
    digest = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with open(destination, "wb") as handle:
                while chunk := response.read(_CHUNK):
                    handle.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            if total is not None and done != total:
                msg = f"download of {url} stopped at {done} of {total} bytes"
                raise ModelDownloadError(msg)
    except urllib.error.HTTPError as error:
        raise ModelDownloadError(f"{url} answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ModelDownloadError(f"could not download {url}: {reason}") from None
    return digest.hexdigest()


def download_verified(
    name: str,
    url: str,
    target: Path,
    expected_sha256: str | None,
    *,
    timeout_s: float,
    progress: DownloadProgress | None = None,
) -> str:
    """Download ``url`` to ``target``, retrying once when the SHA-256 differs from the pin.

    Parameters
    ----------
    name
        Model name, for the log line of an unpinned download.
    url, target
        Where from and where to.
    expected_sha256
        The published SHA-256, or ``None`` when none is published (the hash is then recorded
        and a warning logged).
    timeout_s
        Socket timeout in seconds.
    progress
        Receives bytes done and total.

    Returns
    -------
    str
        The SHA-256 of the downloaded file.

    Raises
    ------
    ModelDownloadError
        If the host cannot be reached.
    ModelIntegrityError
        If two downloads in a row differ from the published hash.
    """
    for attempt in (1, 2):
        digest = download_file(url, target, timeout_s=timeout_s, progress=progress)
        if expected_sha256 is None or digest == expected_sha256:
            break
        log.warning("SHA-256 mismatch on attempt %d for %s", attempt, url)
    else:
        msg = (
            f"{url} delivered a file with SHA-256 {digest}, twice; expected "
            f"{expected_sha256}. The download may be tampered with or the host changed it."
        )
        raise ModelIntegrityError(msg)
    if expected_sha256 is None:
        log.warning(
            "%s has no published SHA-256; recorded %s on first download (unpinned)", name, digest
        )
    return digest
