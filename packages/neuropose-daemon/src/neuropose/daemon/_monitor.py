"""The read-only status page: a small threaded HTTP server from the standard library."""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from neuropose.daemon._errors import MonitorBindError
from neuropose.daemon._files import REPORT_CSP, byte_range, content_type, listed_output
from neuropose.daemon._page import render_page
from neuropose.schema import CorruptFileError, DataDirectory, NeuroPoseError, StatusFile, io

__all__ = ["make_monitor", "serve_monitor"]

log = logging.getLogger(__name__)

# The URL of the raw status document: an HTTP interface of its own (docs/cli.md), so it does not
# follow the file's name if the data directory's layout ever changes.
_STATUS_ROUTE = "/status.json"
# A job's recorded outputs: /files/<job>/<base name>, both URL-quoted.
_FILES_ROUTE = "/files/"
_CHUNK = 256 * 1024

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
    # A client that connects and says nothing frees its worker after this many seconds.
    timeout = 10.0

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

    def _send_file(self, path: Path, *, head: bool) -> None:
        """Stream ``path``, or the one byte range the request asks for (video players seek)."""
        size = path.stat().st_size
        try:
            wanted = byte_range(self.headers.get("Range"), size)
        except ValueError as error:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            body = f"{error}\n".encode()
            self.send_header("Content-Length", str(len(body)))
            for name, value in _SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        start, end = wanted if wanted is not None else (0, size - 1)
        self.send_response(HTTPStatus.OK if wanted is None else HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(max(end - start + 1, 0)))
        self.send_header("Accept-Ranges", "bytes")
        if wanted is not None:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, REPORT_CSP if name == "Content-Security-Policy" else value)
        self.end_headers()
        if head:
            return
        with path.open("rb") as source:
            source.seek(start)
            left = end - start + 1
            while left > 0:
                chunk = source.read(min(_CHUNK, left))
                if not chunk:
                    break
                self.wfile.write(chunk)
                left -= len(chunk)

    def _file(self, route: str, status: StatusFile | None, head: bool) -> None:
        server = self.server
        assert isinstance(server, _MonitorServer)
        parts = route.split("/")
        path = None
        if status is not None and len(parts) == 2:
            path = listed_output(status, server.data_dir, unquote(parts[0]), unquote(parts[1]))
        if path is None:
            self._json(
                HTTPStatus.NOT_FOUND,
                {"error": "no such output of a job in the status file"},
                head=head,
            )
            return
        self._send_file(path, head=head)

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
        elif url.path.startswith(_FILES_ROUTE):
            self._file(url.path[len(_FILES_ROUTE) :], status, head)
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
                {
                    "error": f"not found; try /, {_STATUS_ROUTE}, /health or {_FILES_ROUTE}<job>/<name>"
                },
                head=head,
            )

    def do_GET(self) -> None:
        self._get(head=False)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def _refuse(self) -> None:
        self._json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "this page is read-only"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse  # noqa: N815


_BACKLOG = 1024
_WORKERS = 8
_MAX_WAITING = 2048
_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n"
    b"Content-Length: 21\r\nConnection: close\r\n\r\ntoo busy; retry soon\n"
)


class _MonitorServer(ThreadingHTTPServer):
    """The status server: a deep listen backlog and a fixed pool of worker threads.

    The standard library's server listens with a backlog of 5 and starts one thread per
    request: a burst of connections overflows the backlog (clients wait seconds for their
    SYN to be retried) and a flood makes unbounded threads. Here the kernel queues up to
    ``_BACKLOG`` connections, ``_WORKERS`` threads answer them, and past ``_MAX_WAITING``
    accepted connections a request gets an immediate 503 instead of a place in the queue.
    """

    daemon_threads = True
    request_queue_size = _BACKLOG

    def __init__(self, address: tuple[str, int], data_dir: Path, stale_after_s: float) -> None:
        self.data_dir = Path(data_dir)
        self.status_path = DataDirectory(self.data_dir).status_path
        self.stale_after_s = stale_after_s
        super().__init__(address, _Handler)
        self._pool = ThreadPoolExecutor(
            max_workers=_WORKERS, thread_name_prefix="neuropose-monitor"
        )
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._waiting_lock:
            full = self._waiting >= _MAX_WAITING
            if not full:
                self._waiting += 1
        if full:
            self._refuse_busy(request)
            return
        self._pool.submit(self._answer, request, client_address)

    def _answer(self, request: Any, client_address: Any) -> None:
        with self._waiting_lock:
            self._waiting -= 1
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def _refuse_busy(self, request: socket.socket) -> None:
        try:
            request.settimeout(1.0)
            request.sendall(_BUSY)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request in one line (its traceback at debug level), not on stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):  # the client went away
            log.debug("request from %s ended early: %s", client_address, error)
            return
        log.error("request from %s failed: %r", client_address, error)
        log.debug("traceback of the failed request", exc_info=error)

    def server_close(self) -> None:
        super().server_close()
        pool = getattr(self, "_pool", None)  # absent when binding failed in __init__
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _bind_problem(error: OSError, host: str, port: int) -> str:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot serve the status page on {where}: the port is already in use (another "
            f"`neuropose serve`?); choose another one with --port, e.g. --port {port + 1 if port < 65535 else 8765}"
        )
    if error.errno == errno.EACCES:
        return (
            f"cannot serve the status page on {where}: permission denied (ports below 1024 "
            "need root); choose another one with --port, e.g. --port 8765"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"cannot serve the status page on {where}: {host} is not an address of this "
            "machine; use --host 127.0.0.1 (and --port to change the port)"
        )
    return f"cannot serve the status page on {where}: {error.strerror or error}; check --host and --port"


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
        Daemon data directory; ``out/status.json`` is read on every request, and the files
        its jobs' ``outputs`` list are served under ``/files/<job>/<name>``.
    host, port
        Address to bind (port 0 picks a free one).
    stale_after_s
        Seconds without an update after which a processing job is flagged stale.

    Raises
    ------
    MonitorBindError
        If the address cannot be bound (port in use, not this machine's address, privileged
        port); the message names host and port and what to change.
    """
    if not _is_loopback(host):
        log.warning(
            "the status page is bound to %s, reachable beyond this machine; prefer 127.0.0.1 "
            "with an SSH tunnel",
            host,
        )
    try:
        return _MonitorServer((host, port), Path(data_dir), stale_after_s)
    except (OSError, OverflowError) as error:
        reason = error if isinstance(error, OSError) else OSError(errno.EINVAL, str(error))
        raise MonitorBindError(_bind_problem(reason, host, port)) from None


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
