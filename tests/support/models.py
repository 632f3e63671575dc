"""Build the stand-in MeTRAbs SavedModel once per test session, and serve archives over HTTP."""

from __future__ import annotations

import contextlib
import http.server
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def pack(directory: Path, archive: Path, top: str = "metrabs_standin") -> Path:
    """Pack a SavedModel folder as ``.tar.gz`` with one top-level folder, like MeTRAbs'."""
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(directory, arcname=top)
    return archive


@contextlib.contextmanager
def running(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    """Serve ``server`` from a thread for the block; yields its base URL, then shuts it down."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def serve(respond: Callable[[str, int], bytes | None]) -> Iterator[str]:
    """Serve ``respond(path, request_number)`` on loopback; ``None`` answers 404. Yields the base URL."""
    count = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            count["n"] += 1
            body = respond(self.path, count["n"])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with running(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url
