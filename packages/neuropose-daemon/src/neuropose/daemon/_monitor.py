"""The read-only status page: a small threaded HTTP server from the standard library."""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from neuropose.daemon._page import render_page
from neuropose.schema import CorruptFileError, DataDirectory, NeuroPoseError, StatusFile, io

__all__ = ["make_monitor", "serve_monitor"]

log = logging.getLogger(__name__)

# The URL of the raw status document: an HTTP interface of its own (docs/cli.md), so it does not
# follow the file's name if the data directory's layout ever changes.
_STATUS_ROUTE = "/status.json"

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _read_status(path: Path) -> tuple[StatusFile | None, str | None]:
    """Read the status file, or return ``None`` and a sentence saying why not."""
    if not path.exists():
        return None, f"No status file at {path} yet: the daemon has not run on this data directory."
    try:
        return io.load_status(path), None
    except (CorruptFileError, NeuroPoseError) as error:
        return (
            None,
            f"The status file is unreadable: {error}. The daemon rebuilds it on its next start.",
        )


class _Handler(BaseHTTPRequestHandler):
    server_version = "NeuroPose-monitor"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, code: int, body: bytes, content_type: str, *, head: bool = False) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        if code == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, code: int, data: object, *, head: bool = False) -> None:
        self._send(code, json.dumps(data, indent=2).encode() + b"\n", "application/json", head=head)

    def _get(self, head: bool) -> None:
        url = urlsplit(self.path)
        server = self.server
        assert isinstance(server, _MonitorServer)
        status, problem = _read_status(server.status_path)
        now = datetime.now(UTC)
        if url.path == "/":
            page = render_page(status, problem, now=now, stale_after_s=server.stale_after_s)
            self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8", head=head)
        elif url.path == _STATUS_ROUTE:
            if status is None:
                self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": problem}, head=head)
                return
            jobs = parse_qs(url.query).get("job")
            if jobs:
                entry = status.jobs.get(jobs[0])
                if entry is None:
                    self._json(
                        HTTPStatus.NOT_FOUND, {"error": f"no job named {jobs[0]!r}"}, head=head
                    )
                else:
                    self._json(HTTPStatus.OK, entry.model_dump(mode="json"), head=head)
                return
            self._json(HTTPStatus.OK, status.model_dump(mode="json"), head=head)
        elif url.path == "/health":
            state = (
                "ok"
                if status is not None
                else ("missing" if not server.status_path.exists() else "unreadable")
            )
            self._json(
                HTTPStatus.OK,
                {"monitor": "ok", "status_file": state, "time": now.isoformat()},
                head=head,
            )
        else:
            self._json(
                HTTPStatus.NOT_FOUND,
                {"error": f"not found; try /, {_STATUS_ROUTE} or /health"},
                head=head,
            )

    def do_GET(self) -> None:
        self._get(head=False)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def _refuse(self) -> None:
        self._json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "this page is read-only"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse  # noqa: N815


class _MonitorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], status_path: Path, stale_after_s: float) -> None:
        self.status_path = status_path
        self.stale_after_s = stale_after_s
        super().__init__(address, _Handler)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_monitor(
    data_dir: Path, *, host: str = "127.0.0.1", port: int = 8765, stale_after_s: float = 120.0
) -> ThreadingHTTPServer:
    """Create (and bind) the status server; call ``serve_forever()`` on it.

    Binding anything but a loopback address exposes job names to the network: it is allowed,
    with a warning.

    Parameters
    ----------
    data_dir
        Daemon data directory; ``out/status.json`` is read on every request.
    host, port
        Address to bind (port 0 picks a free one).
    stale_after_s
        Seconds without an update after which a processing job is flagged stale.
    """
    if not _is_loopback(host):
        log.warning(
            "the status page is bound to %s, reachable beyond this machine; prefer 127.0.0.1 "
            "with an SSH tunnel",
            host,
        )
    status_path = DataDirectory(Path(data_dir)).status_path
    return _MonitorServer((host, port), status_path, stale_after_s)


def serve_monitor(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    stale_after_s: float = 120.0,
    on_ready: Callable[[str, int], None] | None = None,
) -> None:
    """Serve the status page until interrupted (Ctrl-C).

    Parameters
    ----------
    data_dir, host, port, stale_after_s
        As for :func:`make_monitor`.
    on_ready
        Called with the bound host and port once the server listens (port 0 picks one).
    """
    server = make_monitor(data_dir, host=host, port=port, stale_after_s=stale_after_s)
    if on_ready is not None:
        bound_host, bound_port = server.server_address[:2]
        on_ready(str(bound_host), int(bound_port))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
