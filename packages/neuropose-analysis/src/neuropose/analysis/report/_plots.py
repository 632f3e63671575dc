"""The report's figures, drawn with matplotlib's Agg canvas into PNG bytes.

No pyplot: figures are plain :class:`matplotlib.figure.Figure` objects on their own canvas, so
drawing holds no global state and is safe from the daemon's threads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from neuropose.analysis.report._extra import require_report_library

if TYPE_CHECKING:
    from neuropose.analysis.report._content import MeasuredAngle
    from neuropose.schema import Repetition

__all__ = ["angle_figure", "quality_figure", "signal_figure"]

_SHADES = ("#2f7ed8", "#8e44ad")
_QUALITY_COLOURS = ("#3c9d5d", "#f0a830", "#e8e8e8")  # observed, interpolated, missing
_DPI = 100
# A quality image wider than this many columns shows the worst code of each bin of samples.
_QUALITY_COLUMNS = 1500
# At most this many repetition numbers are written above a plot.
_MAX_LABELS = 40


def _figure(width_in: float, height_in: float) -> Any:
    require_report_library("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _shade(axes: Any, repetitions: Sequence[Repetition], label: bool) -> None:
    """Shade repetitions in alternating colours (one collection per colour: fast for hundreds).

    With ``label``, number them at the top (every k-th when there are many).
    """
    from matplotlib.collections import PolyCollection

    for parity, colour in enumerate(_SHADES):
        boxes = [
            ((rep.start_s, 0.0), (rep.end_s, 0.0), (rep.end_s, 1.0), (rep.start_s, 1.0))
            for rep in repetitions[parity::2]
        ]
        if boxes:
            axes.add_collection(
                PolyCollection(
                    boxes,
                    facecolors=colour,
                    alpha=0.1,
                    linewidths=0,
                    transform=axes.get_xaxis_transform(),
                ),
                autolim=False,
            )
    if not label:
        return
    every = max(1, len(repetitions) // _MAX_LABELS + (len(repetitions) % _MAX_LABELS > 0))
    for k in range(0, len(repetitions), every):
        rep = repetitions[k]
        axes.text(
            (rep.start_s + rep.end_s) / 2,
            1.0,
            str(k),
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=7,
            color="#555",
        )


def angle_figure(
    times_s: npt.ArrayLike, angles: Sequence[MeasuredAngle], repetitions: Sequence[Repetition]
) -> bytes:
    """One panel per angle (degrees over seconds), repetitions shaded and numbered; PNG bytes."""
    times = np.asarray(times_s, np.float64)
    figure = _figure(10.0, 1.0 + 1.5 * len(angles))
    panels = figure.subplots(len(angles), 1, sharex=True, squeeze=False)[:, 0]
    for k, (axes, angle) in enumerate(zip(panels, angles, strict=True)):
        axes.plot(times, angle.values, lw=0.9, color="#1d2733")
        _shade(axes, repetitions, label=k == 0)
        axes.set_ylabel(f"{angle.spec.label}\n(deg)", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3, lw=0.5)
    panels[-1].set_xlabel("time (s)", fontsize=8)
    return _png(figure)


def signal_figure(
    times_s: npt.ArrayLike,
    signal: npt.ArrayLike,
    unit: str,
    label: str,
    repetitions: Sequence[Repetition],
) -> bytes:
    """Plot the segmented signal with repetitions shaded and peaks marked; PNG bytes."""
    times = np.asarray(times_s, np.float64)
    values = np.asarray(signal, np.float64)
    figure = _figure(10.0, 2.4)
    axes = figure.subplots()
    axes.plot(times, values, lw=0.9, color="#1d2733")
    _shade(axes, repetitions, label=True)
    peaks = [rep.peak for rep in repetitions]
    axes.plot(times[peaks], values[peaks], "v", color="#c0392b", ms=4)
    axes.set_ylabel(unit, fontsize=8)
    axes.set_xlabel(f"time (s); signal: {label}", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3, lw=0.5)
    return _png(figure)


def quality_figure(
    times_s: npt.ArrayLike, codes: npt.ArrayLike, joint_names: Sequence[str]
) -> bytes:
    """Per joint over time: observed, interpolated or missing, as coloured bands; PNG bytes."""
    require_report_library("matplotlib")
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    times = np.asarray(times_s, np.float64)
    values = np.asarray(codes, np.int8)
    samples = int(values.shape[0])
    if samples > _QUALITY_COLUMNS:
        bins = np.linspace(0, samples, _QUALITY_COLUMNS + 1).astype(int)
        values = np.maximum.reduceat(values, bins[:-1], axis=0)
    figure = _figure(10.0, 1.2 + 0.11 * len(joint_names))
    axes = figure.subplots()
    end = float(times[-1]) if samples else 1.0
    start = float(times[0]) if samples else 0.0
    axes.imshow(
        values.T,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(_QUALITY_COLOURS),
        vmin=0,
        vmax=2,
        extent=(start, end if end > start else start + 1.0, len(joint_names) - 0.5, -0.5),
    )
    axes.set_yticks(range(len(joint_names)), joint_names, fontsize=5)
    axes.tick_params(axis="x", labelsize=7)
    axes.set_xlabel("time (s)", fontsize=8)
    axes.legend(
        handles=[
            Patch(color=colour, label=name)
            for colour, name in zip(
                _QUALITY_COLOURS, ("observed", "interpolated", "missing"), strict=True
            )
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=3,
        fontsize=7,
        frameon=False,
    )
    return _png(figure)
