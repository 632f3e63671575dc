"""The report page: one self-contained HTML file.

Nothing is fetched: styles are inline, plots are PNG data URIs, the overlay video is a data URI
or a file beside the page, and a Content-Security-Policy forbids every other source and every
script. Every text taken from a file (names, reasons, the recipe) is escaped. The numbers of
every table are embedded as JSON in ``<script type="application/json" id="report-data">`` (a
data block: never executed), and the tables are drawn from that same data.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["CONTENT_SECURITY_POLICY", "data_uri", "embed_json", "render_page"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; media-src 'self' data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
"""The page's policy: inline styles, data-URI images, video from data URIs or beside the page."""

_STYLE = """
:root{--ink:#1d2733;--line:#dde3ea;--soft:#f4f6f8;--accent:#2f7ed8}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1.2rem;color:var(--ink)}
h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.8rem 0 .5rem;border-bottom:2px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .3rem}nav a{margin-right:.8rem}
table{border-collapse:collapse;margin:.4rem 0;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.25rem .55rem;border-bottom:1px solid var(--line);vertical-align:top}
td.n{text-align:right}th{background:var(--soft);font-weight:600}
.facts th{background:none;font-weight:500;color:#56606b}
.warn{background:#fff4d6;border-left:4px solid #f0a830;padding:.5rem .8rem;margin:.5rem 0}
.note{color:#56606b;font-size:.92rem}.meta{color:#56606b}
img.plot{max-width:100%;height:auto;display:block;margin:.4rem 0;border:1px solid var(--line)}
video{max-width:100%;background:#000}pre{background:var(--soft);padding:.6rem;overflow:auto}
.bar{display:inline-block;width:8rem;height:.7rem;background:#e8e8e8;vertical-align:middle}
.bar span{display:block;height:100%;background:#3c9d5d}
.print-only{display:none}.wide{overflow-x:auto}
@media print{nav,video{display:none}.print-only{display:block}body{max-width:none}h2{break-after:avoid}
img.plot,table{break-inside:avoid}}
"""


def data_uri(mime: str, payload: bytes) -> str:
    """``data:<mime>;base64,...`` for embedding ``payload`` in the page."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def embed_json(data: Mapping[str, Any]) -> str:
    """Serialise ``data`` for a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` are written as JSON escapes so no value can close the block or
    open markup; ``JSON.parse`` and every JSON reader decode them back.
    """
    text = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _number(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "\u2013"  # an en dash: no value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value}{unit}"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return escape(str(value)) + unit


def _percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{100.0 * value:.1f} %"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    table_id: str = "",
    numeric: Container[int] = (),
) -> str:
    """Build a table from already-escaped cells; columns in ``numeric`` are right-aligned."""
    ident = f' id="{escape(table_id)}"' if table_id else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{cell}</td>' if k in numeric else f"<td>{cell}</td>"
            for k, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _wide(table: str) -> str:
    """Let a wide table scroll on its own instead of widening the page."""
    return f'<div class="wide">{table}</div>'


def _facts(pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def _image(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    return f'<img class="plot" alt="{escape(alt)}" src="{data_uri("image/png", png)}">'


def _session(data: Mapping[str, Any]) -> str:
    s = data["session"]
    units = s["units"]
    unit_text = "; ".join(f"{k}: {v}" for k, v in units.items())
    versions = ", ".join(f"{k} {v}" for k, v in sorted(s["package_versions"].items()))
    fps = _number(s["measured_fps"], 2)
    if s["variable_frame_rate"]:
        fps += " (variable frame rate: timing uses each frame's own time)"
    return '<h2 id="session">Session</h2>' + _facts(
        [
            ("video", escape(s["video_file"])),
            ("video SHA-256", f"<code>{escape(s['video_sha256'])}</code>"),
            ("recorded", escape(s["recorded_at"] or "not recorded in the video file")),
            ("processed", escape(s["processed_at"])),
            ("duration", _number(s["duration_s"], 2, " s") + f" ({s['frames']} frames)"),
            ("frame rate", f"{fps} per second, {_number(s['nominal_fps'], 2)} declared"),
            ("frame size", f"{s['width']} x {s['height']} px, rotated {s['rotation_degrees']} deg"),
            (
                "model",
                escape(s["model_name"])
                + f" <code>{escape(s['model_sha256'] or 'no SHA-256')}</code>",
            ),
            ("skeleton", f"{escape(s['skeleton'])} ({s['joints']} joints)"),
            ("units", escape(unit_text)),
            ("task", escape(data["task"])),
            ("predictions file", escape(s["predictions_file"])),
            ("software", escape(versions)),
        ]
    )


def _subject(data: Mapping[str, Any]) -> str:
    s = data["subject"]
    parts = [
        '<h2 id="subject">Subject</h2>',
        f"<p><strong>{escape(s['described'])}</strong>: {escape(s['reason'])}</p>",
    ]
    parts += [f'<p class="warn">{escape(w)}</p>' for w in s["warnings"]]
    if s["ranking"]:
        rows = [
            [
                str(r["track_id"]) + (" (chosen)" if r["chosen"] else ""),
                _number(r["first_s"], 2),
                _number(r["last_s"], 2),
                _percent(r["coverage"]),
                _number(r["mean_confidence"], 2),
                _number(r["movement"], 0),
                _number(r["centrality"], 2),
                _number(r["score"], 1),
                escape(r["reason"]),
            ]
            for r in s["ranking"]
        ]
        parts.append(
            _table(
                [
                    "track",
                    "first (s)",
                    "last (s)",
                    "coverage",
                    "confidence",
                    "movement (mm/s)",
                    "centrality",
                    "score",
                    "why",
                ],
                rows,
                table_id="subject-ranking",
                numeric=range(1, 8),
            )
        )
    return "".join(parts)


def _quality(data: Mapping[str, Any], plot: bytes | None) -> str:
    q = data["quality"]
    source = {
        "cleaned": "after the recipe's cleaning",
        "cleaned_file": "as cleaned by neuropose clean, from the file's quality flags",
    }.get(q["source"], "raw model output, before any cleaning")
    parts = [
        '<h2 id="quality">Data quality</h2>',
        f"<p>Of the subject's joint samples ({escape(source)}): "
        f"<strong>{_percent(q['observed'])}</strong> observed, {_percent(q['interpolated'])} "
        f"interpolated, {_percent(q['missing'])} missing. The subject is present in "
        f"{_percent(q['person_fraction'])} of the samples.</p>",
        _image(plot, "observed, interpolated and missing samples per joint over time"),
    ]
    rows = [
        [
            escape(j["name"]),
            f'<span class="bar"><span style="width:{100.0 * j["observed"]:.1f}%"></span></span>',
            _percent(j["observed"]),
            _percent(j["interpolated"]),
            _percent(j["missing"]),
        ]
        for j in q["joints"]
    ]
    parts.append("<details><summary>Per joint</summary>")
    parts.append(
        _table(
            ["joint", "", "observed", "interpolated", "missing"],
            rows,
            table_id="quality-joints",
            numeric=(2, 3, 4),
        )
    )
    parts.append("</details>")
    gaps = q["gaps"]
    if gaps:
        shown = gaps[:200]
        rows = [
            [
                _number(g["start_s"], 2),
                _number(g["end_s"], 2),
                _number(g["duration_s"], 2),
                "interpolated" if g["filled"] else "missing",
                "all joints" if g["all_joints"] else escape(", ".join(g["joints"])),
            ]
            for g in shown
        ]
        parts.append(f"<h3>Gaps ({len(gaps)})</h3>")
        parts.append(
            _table(
                ["from (s)", "to (s)", "length (s)", "now", "joints"],
                rows,
                table_id="quality-gaps",
                numeric=(0, 1, 2),
            )
        )
        if len(gaps) > len(shown):
            parts.append(
                f'<p class="note">The first {len(shown)} gaps are listed; all {len(gaps)} are in '
                "the embedded data.</p>"
            )
    else:
        parts.append("<p>No gaps: every joint was observed in every sample.</p>")
    return "".join(parts)


def _video(data: Mapping[str, Any], source: str | None) -> str:
    overlay = data["overlay"]
    parts = ['<h2 id="video">Video with skeletons</h2>']
    if overlay is None:
        reason = data.get("overlay_note") or "no video was given (--video)"
        parts.append(f"<p>No overlay video: {escape(reason)}.</p>")
        return "".join(parts)
    name = escape(overlay["file"])
    if source is not None:
        parts.append(
            f'<video controls preload="auto" playsinline width="{overlay["width"]}" '
            f'src="{escape(source)}"></video>'
        )
    parts.append(
        f'<p>File: <a href="{name}">{name}</a> ({_number(overlay["size_mb"], 1)} MB, '
        f"H.264, {overlay['frames']} frames, {overlay['matched_frames']} with predictions). "
        "The subject is drawn in yellow; other people in their track's colour with its id.</p>"
        f'<p class="print-only">The overlay video is the file {name} beside this report.</p>'
    )
    return "".join(parts)


def _angles(data: Mapping[str, Any], plot: bytes | None) -> str:
    angles = data["angles"]
    parts = ['<h2 id="angles">Joint angles</h2>']
    if not angles:
        parts.append(
            "<p>No angle measured: the skeleton has no named angles; name them in a recipe "
            "([[angles.custom]]).</p>"
        )
        return "".join(parts)
    parts.append(
        '<p class="note">Included angles in degrees, measured in 3D: 180 is a straight limb. '
        "Shaded bands are the repetitions, numbered as in the table below.</p>"
    )
    parts.append(_image(plot, "joint angles over time with repetitions shaded"))
    rows = [
        [
            escape(a["label"]),
            escape("-".join(a["joints"])),
            _number(a["summary"]["mean_deg"]),
            _number(a["summary"]["std_deg"]),
            _number(a["summary"]["min_deg"]),
            _number(a["summary"]["max_deg"]),
            str(a["summary"]["valid_frames"]),
        ]
        for a in angles
    ]
    parts.append(
        _table(
            ["angle", "joints", "mean (deg)", "SD (deg)", "min (deg)", "max (deg)", "samples"],
            rows,
            table_id="angle-summary",
            numeric=range(2, 7),
        )
    )
    return "".join(parts)


def _repetitions(data: Mapping[str, Any], plot: bytes | None) -> str:
    parts = ['<h2 id="repetitions">Repetitions</h2>']
    segmentation = data["segmentation"]
    if segmentation is None:
        parts.append(f"<p>{escape(data['segmentation_note'] or 'no segmentation')}.</p>")
        return "".join(parts)
    config = segmentation["config"]
    parts.append(
        f"<p>Signal: {escape(segmentation['signal'])} ({escape(segmentation['signal_unit'])}, "
        f"{escape(segmentation['origin'])}); peaks at least {_number(config['min_period_s'], 2)} s "
        "apart; each repetition runs from the low point before its peak to the low point "
        "before the next.</p>"
    )
    parts.append(_image(plot, "segmentation signal with repetitions shaded and peaks marked"))
    if data["segmentation_note"]:
        parts.append(f'<p class="warn">{escape(data["segmentation_note"])}.</p>')
    table = data["repetitions"]
    names = [a["name"] for a in data["angles"]]
    labels = {a["name"]: a["label"] for a in data["angles"]}
    summary = table["summary"]
    stats = (("mean", "mean"), ("sd", "SD"))
    # Timing and range of motion first, then one table per other measure: a table per measure
    # stays readable however many angles are measured.
    headers = ["#", "start (s)", "end (s)", "duration (s)",
               f"signal range ({segmentation['signal_unit']})",
               *(f"{labels[name]}: ROM (deg)" for name in names)]  # fmt: skip
    rows = [
        [
            str(row["index"]),
            _number(row["start_s"], 2),
            _number(row["end_s"], 2),
            _number(row["duration_s"], 2),
            _number(row["signal_range"]),
            *(_number(row["angles"][name]["range_of_motion_deg"]) for name in names),
        ]
        for row in table["rows"]
    ]
    rows += [
        [label, "", "", _number(summary["duration_s"][stat], 2),
         _number(summary["signal_range"][stat]),
         *(_number(summary["angles"][name]["range_of_motion_deg"][stat]) for name in names)]
        for stat, label in stats
    ]  # fmt: skip
    parts.append(
        _wide(_table(headers, rows, table_id="repetition-table", numeric=range(1, len(headers))))
    )
    # (measure key, heading, cell renderer, table id suffix)
    measures: tuple[tuple[str, str, Callable[[float | None], str], str], ...] = (
        (
            "peak_angular_speed_deg_s",
            "Peak angular speed (deg/s)",
            lambda v: _number(v, 0),
            "speed",
        ),
        ("observed", "Observed samples", _percent, "observed"),
    )
    for measure, title, render, ident in measures:
        if not names:
            break
        rows = [
            [str(row["index"]), *(render(row["angles"][name][measure]) for name in names)]
            for row in table["rows"]
        ]
        rows += [
            [label, *(render(summary["angles"][name][measure][stat]) for name in names)]
            for stat, label in stats
        ]
        parts.append(f"<h3>{escape(title)}</h3>")
        parts.append(
            _wide(
                _table(
                    ["#", *(labels[name] for name in names)],
                    rows,
                    table_id=f"repetition-{ident}",
                    numeric=range(1, len(names) + 1),
                )
            )
        )
    parts.append(
        '<p class="note">ROM: range of motion (largest minus smallest angle in the repetition). '
        "Peak speed: largest absolute angular velocity, from each frame's own time. Observed: "
        "share of the repetition's samples in which the angle's three joints were observed. "
        "SD is the sample standard deviation (n - 1).</p>"
    )
    return "".join(parts)


# Decimals shown per unit: a millimetre, a millisecond, a centimetre per second.
_GAIT_DIGITS = {"mm": 0, "s": 3, "m/s": 2}


def _mean_sd_cell(statistic: Mapping[str, Any] | None) -> str:
    if statistic is None or statistic["mean"] is None:
        return _number(None)
    digits = _GAIT_DIGITS.get(statistic["unit"], 1)
    sd = "" if statistic["sd"] is None else f" \u00b1 {statistic['sd']:.{digits}f}"
    return f"{statistic['mean']:.{digits}f}{sd} (n={statistic['count']})"


def _gait(data: Mapping[str, Any]) -> str:
    gait = data["gait"]
    if gait is None:
        return ""
    parts = ['<h2 id="gait">Gait</h2>']
    if "parameters" not in gait:
        parts.append(f"<p>Gait was not measured: {escape(gait['note'])}</p>")
        return "".join(parts)
    strikes = gait["heel_strikes"]
    parts.append(
        _facts(
            [
                ("heel strikes", f"left {strikes['left']}, right {strikes['right']}"),
                ("gait cycles", str(gait["cycles"])),
                ("method", escape(f"{gait['method']} (version {gait['method_version']})")),
            ]
        )
    )
    by_key = {(p["name"], p["side"]): p for p in gait["parameters"]}
    names = list(dict.fromkeys(p["name"] for p in gait["parameters"]))
    rows = [
        [
            escape(f"{name.replace('_', ' ')} ({by_key[(name, 'both')]['unit']})"),
            *(_mean_sd_cell(by_key.get((name, side))) for side in ("left", "right", "both")),
        ]
        for name in names
    ]
    parts.append(
        _table(
            ["parameter", "left", "right", "both"],
            rows,
            table_id="gait-parameters",
            numeric=(1, 2, 3),
        )
    )
    notes = [*gait["notes"], gait["note"]]
    parts.append(
        '<p class="note">'
        + " ".join(escape(note) for note in notes)
        + " Mean \u00b1 sample SD (n - 1) over strides or steps.</p>"
    )
    return "".join(parts)


def _comparison(data: Mapping[str, Any]) -> str:
    c = data["comparison"]
    if c is None:
        return ""
    unit = escape(c["unit"])
    return '<h2 id="comparison">Comparison with a reference session</h2>' + _facts(
        [
            ("reference", escape(c["reference"])),
            ("this session", escape(c["candidate"])),
            ("method", escape(c["method"]) + (f", window {c['window']} frames" if c["window"] is not None else "")),
            ("DTW distance", f"{_number(c['distance'])} {unit}"),
            ("per path step", f"{_number(c['normalized_distance'], 2)} {unit}"),
            ("path length", f"{c['path_length']} steps ({c['reference_frames']} and {c['candidate_frames']} frames)"),
            ("preprocessing", escape("; ".join(c["preprocessing"]))),
        ]
    )  # fmt: skip


def _recipe(data: Mapping[str, Any]) -> str:
    parts = ['<h2 id="recipe">Recipe</h2>']
    if data["recipe_toml"]:
        parts.append("<p>This report was made with the recipe below.</p>")
        parts.append(f'<pre id="recipe-toml">{escape(data["recipe_toml"])}</pre>')
    else:
        parts.append("<p>No recipe file: the defaults and the command line's options.</p>")
    resolved = json.dumps(data["recipe"], indent=2)
    parts.append(
        f"<details><summary>As run (every parameter)</summary><pre>{escape(resolved)}</pre>"
        "</details>"
    )
    if data["cleaning"] is not None:
        cleaning = json.dumps(data["cleaning"], indent=2)
        parts.append(f"<details><summary>Cleaning</summary><pre>{escape(cleaning)}</pre></details>")
    if data["exports"]:
        links = "".join(
            f'<li><a href="{escape(e["file"])}">{escape(e["file"])}</a> ({escape(e["format"])})</li>'
            for e in data["exports"]
        )
        parts.append(f"<h3>Exports</h3><ul>{links}</ul>")
    return "".join(parts)


def render_page(
    data: Mapping[str, Any],
    *,
    plots: Mapping[str, bytes | None],
    video_source: str | None = None,
) -> str:
    """Render the whole page.

    Parameters
    ----------
    data
        The report's JSON-ready numbers (:attr:`ReportContent.data` plus overlay and exports).
    plots
        PNG bytes by name: ``"angles"``, ``"signal"``, ``"quality"`` (``None`` to leave out).
    video_source
        The overlay's ``src``: a data URI, or its file name beside the page; ``None`` for no
        player.
    """
    s = data["session"]
    title = f"Session report: {s['video_file']}"
    sections = [
        ("session", "Session"),
        ("subject", "Subject"),
        ("quality", "Data quality"),
        ("video", "Video"),
        ("angles", "Angles"),
        ("repetitions", "Repetitions"),
        *([("gait", "Gait")] if data["gait"] is not None else []),
        *([("comparison", "Comparison")] if data["comparison"] is not None else []),
        ("recipe", "Recipe"),
    ]
    nav = "".join(f'<a href="#{key}">{escape(label)}</a>' for key, label in sections)
    generator = ", ".join(f"{k} {v}" for k, v in data["generator"].items())
    body = "".join(
        [
            f"<header><h1>{escape(title)}</h1>"
            f'<p class="meta">{escape(data["task"])} task · generated {escape(data["generated_at"])} '
            f"by {escape(generator)}</p></header>",
            f"<nav>{nav}</nav>",
            _session(data),
            _subject(data),
            _quality(data, plots.get("quality")),
            _video(data, video_source),
            _angles(data, plots.get("angles")),
            _repetitions(data, plots.get("signal")),
            _gait(data),
            _comparison(data),
            _recipe(data),
        ]
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}"
        f'<script type="application/json" id="report-data">{embed_json(data)}</script>'
        "</body></html>\n"
    )
