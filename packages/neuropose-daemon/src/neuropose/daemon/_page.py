"""The status page's HTML.

Every value from the status file is escaped: job names come from file names inside zips and
may hold markup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import PurePosixPath
from urllib.parse import quote

from neuropose.schema import JobStatus, JobStatusEntry, StatusFile

__all__ = ["is_stale", "render_page"]

_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2733}
h1{font-size:1.3rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #dde3ea;vertical-align:top}
.bar{width:10rem;height:.8rem;background:#e6ebf0;border-radius:.4rem;overflow:hidden}
.fill{height:100%;background:#2f7ed8}.badge{padding:.05rem .4rem;border-radius:.3rem;font-size:.8rem}
.completed{background:#d9f2df}.failed{background:#f8d7da}.processing{background:#dbe9fb}
.pending{background:#eee}.stale{background:#ffe8a3}.note{padding:.6rem;background:#fff4d6;border-radius:.3rem}
.error{color:#9b1c1c;font-family:monospace;white-space:pre-wrap}
"""


def _time(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _eta(entry: JobStatusEntry, now: datetime) -> str:
    if entry.status != JobStatus.PROCESSING or entry.started_at is None:
        return ""
    done = entry.percent_complete / 100.0
    if done <= 0.0:
        return ""
    elapsed = (now - entry.started_at).total_seconds()
    remaining = max(elapsed / done - elapsed, 0.0)
    minutes, seconds = divmod(int(remaining), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {seconds:02d}s"


def is_stale(entry: JobStatusEntry, now: datetime, stale_after_s: float) -> bool:
    """Tell whether a processing job has had no update for ``stale_after_s`` seconds."""
    if entry.status != JobStatus.PROCESSING or entry.last_update is None:
        return False
    return (now - entry.last_update).total_seconds() > stale_after_s


def _reports(entry: JobStatusEntry) -> str:
    """Links to the job's HTML outputs (served by ``/files/``) and the hook's error, if any."""
    links = []
    for recorded in entry.outputs:
        name = PurePosixPath(recorded).name
        if not name.lower().endswith(".html"):
            continue
        href = f"/files/{quote(entry.name, safe='')}/{quote(name, safe='')}"
        links.append(f'<a href="{escape(href)}">{escape(name)}</a>')
    text = "<br>".join(links)
    if entry.hook_error:
        text += f'<div class="error">report failed: {escape(entry.hook_error)}</div>'
    return text


def _row(entry: JobStatusEntry, now: datetime, stale_after_s: float) -> str:
    status = escape(entry.status.value)
    badge = f'<span class="badge {status}">{status}</span>'
    if is_stale(entry, now, stale_after_s):
        badge += (
            ' <span class="badge stale" title="no update from the daemon for a while">stale</span>'
        )
    percent = max(0.0, min(entry.percent_complete, 100.0))
    bar = (
        f'<div class="bar" role="progressbar" aria-valuenow="{percent:.0f}" aria-valuemin="0" '
        f'aria-valuemax="100"><div class="fill" style="width:{percent:.1f}%"></div></div>{percent:.0f}%'
    )
    frames = f"{entry.frames_done}" + (f" / {entry.frames_total}" if entry.frames_total else "")
    error = f'<div class="error">{escape(entry.error)}</div>' if entry.error else ""
    cells = [
        escape(entry.name),
        badge,
        bar,
        escape(frames),
        f"{entry.videos_done} / {entry.videos_total}",
        escape(entry.current_video or ""),
        _time(entry.started_at),
        _time(entry.last_update),
        _eta(entry, now),
        error,
        _reports(entry),
    ]
    return '<tr class="job">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def render_page(
    status: StatusFile | None,
    problem: str | None,
    *,
    now: datetime,
    stale_after_s: float,
    refresh_s: int = 5,
) -> str:
    """Render the whole page.

    Parameters
    ----------
    status
        The status file, or ``None`` when it could not be read.
    problem
        Why it could not be read (shown, escaped, instead of the table).
    now
        Current UTC time, for staleness and ETA.
    stale_after_s
        Seconds without update after which a processing job is flagged.
    refresh_s
        Seconds between automatic reloads.
    """
    header = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{int(refresh_s)}">'
        f"<title>NeuroPose status</title><style>{_STYLE}</style></head><body><h1>NeuroPose jobs</h1>"
    )
    if status is None:
        body = f'<p class="note">{escape(problem or "no status")}</p>'
    else:
        order = {
            JobStatus.PROCESSING: 0,
            JobStatus.PENDING: 1,
            JobStatus.FAILED: 2,
            JobStatus.COMPLETED: 3,
        }
        entries = sorted(status.jobs.values(), key=lambda e: (order[e.status], e.name))
        counts = {s: sum(e.status == s for e in entries) for s in JobStatus}
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "no jobs yet"
        updated = _time(status.updated_at) or "never"
        rows = "".join(_row(e, now, stale_after_s) for e in entries)
        body = (
            f"<p>{escape(summary)}. Status written {escape(updated)} by daemon PID "
            f"{status.daemon_pid if status.daemon_pid is not None else '?'}; this page reloads every "
            f"{int(refresh_s)} s.</p>"
            "<table><thead><tr><th>job</th><th>status</th><th>progress</th><th>frames</th>"
            "<th>videos</th><th>current video</th><th>started</th><th>last update</th>"
            f"<th>ETA</th><th>error</th><th>report</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return header + body + "</body></html>"
