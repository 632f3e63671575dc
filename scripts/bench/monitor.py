"""Latency of the status page under a burst of concurrent GETs.

Starts the monitor in a subprocess on a data directory with 50 jobs, fires ``--requests``
GETs of ``/`` at once (one thread each, released together), and prints p50, p99 and the worst
latency, and how many requests failed. ``--baseline`` runs the same page on the standard
library's server settings (listen backlog 5, one thread per request) for comparison.

Goal (issue 13): every request answered, p99 <= 1 s on a 2-core machine.

Run: ``uv run python scripts/bench/monitor.py [--requests 200] [--rounds 3] [--baseline]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from neuropose.schema import DataDirectory, JobStatus, JobStatusEntry, StatusFile, io

_SERVER = """
import sys
from http.server import ThreadingHTTPServer
from pathlib import Path
from neuropose.daemon import make_monitor
from neuropose.daemon import _monitor
from neuropose.schema import DataDirectory

data, baseline = Path(sys.argv[1]), sys.argv[2] == "baseline"
if baseline:
    class Server(_monitor._MonitorServer):
        request_queue_size = 5  # the standard library's default

        def process_request(self, request, client_address):
            ThreadingHTTPServer.process_request(self, request, client_address)  # a thread each

    server = Server(("127.0.0.1", 0), DataDirectory(data).status_path, 120.0)
else:
    server = make_monitor(data, port=0)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _status(data: Path, jobs: int) -> None:
    now = datetime.now(UTC)
    entries = {
        f"job_{i:03d}": JobStatusEntry(
            name=f"job_{i:03d}",
            status=JobStatus.COMPLETED if i else JobStatus.PROCESSING,
            percent_complete=100.0 if i else 40.0,
            started_at=now,
            last_update=now,
        )
        for i in range(jobs)
    }
    layout = DataDirectory(data)
    layout.outbox.mkdir(parents=True)
    io.save(StatusFile(updated_at=now, daemon_pid=1, jobs=entries), layout.status_path)


def _burst(url: str, count: int, timeout: float) -> tuple[list[float], int]:
    start = threading.Barrier(count)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def fetch() -> None:
        start.wait()
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                response.read()
            with lock:
                latencies.append(time.perf_counter() - began)
        except OSError:
            with lock:
                failures[0] += 1

    threads = [threading.Thread(target=fetch) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latencies), failures[0]


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def _run(data: Path, mode: str, requests: int, rounds: int, timeout: float) -> None:
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from neuropose.schema import DataDirectory\n" + _SERVER,
            str(data),
            mode,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/"
        urllib.request.urlopen(url, timeout=10).read()  # warm up
        all_latencies: list[float] = []
        failed = 0
        for _ in range(rounds):
            latencies, failures = _burst(url, requests, timeout)
            all_latencies += latencies
            failed += failures
            time.sleep(0.5)
        all_latencies.sort()
        print(
            f"{mode:9s} {requests} concurrent x {rounds}: answered {len(all_latencies)}, "
            f"failed {failed} (timeout {timeout:g} s); p50 {_percentile(all_latencies, 0.5):.3f} s, "
            f"p99 {_percentile(all_latencies, 0.99):.3f} s, max {all_latencies[-1] if all_latencies else float('nan'):.3f} s"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    parser.add_argument("--baseline", action="store_true", help="also the stdlib defaults")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        _status(data, 50)
        _run(data, "monitor", args.requests, args.rounds, args.timeout)
        if args.baseline:
            _run(data, "baseline", args.requests, args.rounds, args.timeout)
    print("goal: every request answered, p99 <= 1 s on a 2-core machine")


if __name__ == "__main__":
    main()
