"""The overlay video: every detected skeleton and its track id drawn on the input video.

The input is decoded with PyAV, turned upright as the container's rotation asks, and each
frame is matched to the prediction with the nearest time (``times_s``): a variable-frame-rate
video is drawn frame for frame, never by index. Output is H.264 (libx264, bundled in PyAV's
wheels) in ``yuv420p`` with the index at the front of the MP4 (``faststart``): what Chrome,
Firefox and Safari play. Frame times are kept, so the overlay has the input's timing.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuropose.analysis.report._errors import VideoMismatchError, VideoReadError
from neuropose.analysis.report._extra import require_report_library

if TYPE_CHECKING:
    from neuropose.analysis.report._subject import Subject
    from neuropose.schema import VideoPredictions

__all__ = ["OverlayResult", "check_video", "render_overlay", "video_facts"]

_TIME_BASE = Fraction(1, 90000)
_PALETTE = (
    (47, 126, 216),
    (142, 68, 173),
    (39, 174, 96),
    (211, 84, 0),
    (22, 160, 133),
    (127, 140, 141),
)
_SUBJECT = (255, 214, 10)

OverlayProgress = Callable[[int, int], None]
"""Called with (frames written, frames expected) as the overlay is encoded."""


@dataclass(frozen=True)
class OverlayResult:
    """What :func:`render_overlay` wrote.

    Attributes
    ----------
    path
        The MP4 file.
    frames
        Frames written.
    matched_frames
        Frames that had a prediction at their time (the others are shown without skeletons).
    duration_s
        Time from the first frame to the end of the last, seconds.
    width, height
        Frame size of the overlay, pixels.
    elapsed_s
        Wall-clock time taken, seconds.
    """

    path: Path
    frames: int
    matched_frames: int
    duration_s: float
    width: int
    height: int
    elapsed_s: float

    @property
    def speed(self) -> float:
        """Video seconds encoded per wall-clock second (2.0 = twice real time)."""
        return self.duration_s / self.elapsed_s if self.elapsed_s > 0 else float("inf")

    @property
    def size_bytes(self) -> int:
        """Size of the file, bytes."""
        return self.path.stat().st_size


def check_video(predictions: VideoPredictions, video: Path) -> None:
    """Refuse a video whose SHA-256 differs from the one the predictions were made from.

    Raises
    ------
    VideoReadError
        If the video cannot be read.
    VideoMismatchError
        If it is another video (or the same one re-encoded).
    """
    try:
        with open(video, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as error:
        raise VideoReadError(f"cannot read video {video}: {error.strerror or error}") from None
    expected = predictions.metadata.sha256
    if digest != expected:
        raise VideoMismatchError(
            f"{video} is not the video these predictions were made from: its SHA-256 is "
            f"{digest[:12]}..., the predictions record {expected[:12]}... for "
            f"{predictions.metadata.file_name}; give the original video (a re-encoded copy "
            "differs too)"
        )


def _open(video: Path) -> Any:
    av = require_report_library("av")
    try:
        return av.open(str(video))
    except (av.error.FFmpegError, OSError) as error:
        raise VideoReadError(f"cannot open {video} as a video: {error}") from None


def video_facts(video: Path) -> dict[str, Any]:
    """Read what the container says beyond the predictions: ``recorded_at`` (creation time)."""
    with _open(video) as container:
        tags = {**container.metadata, **container.streams.video[0].metadata}
    return {"recorded_at": tags.get("creation_time")}


@dataclass
class _Drawing:
    """Everything needed to draw one frame's skeletons, computed once per video."""

    poses: np.ndarray  # (frames, persons, joints, 2): px in the overlay's frame
    anchors: np.ndarray  # (frames, persons, 2): the box's top-left corner, px
    ids: np.ndarray  # (frames, persons): track ids
    tracked: bool
    highlight: np.ndarray  # (frames, persons): the subject's detections
    present: np.ndarray  # (frames, persons)
    edges: tuple[tuple[int, int], ...]
    line_width: int
    font: Any

    def label(self, frame: int, slot: int) -> str:
        """``"#3"`` (track id), ``"no id"`` (untracked in a tracked file) or ``"slot 0"``."""
        if not self.tracked:
            text = f"slot {slot}"
        else:
            track = int(self.ids[frame, slot])
            text = f"#{track}" if track >= 0 else "no id"
        return text + (" subject" if self.highlight[frame, slot] else "")

    def colour(self, frame: int, slot: int) -> tuple[int, int, int]:
        """Pick the subject's colour, or one per track id (per slot when untracked)."""
        if self.highlight[frame, slot]:
            return _SUBJECT
        key = int(self.ids[frame, slot]) if self.tracked else slot
        return _PALETTE[key % len(_PALETTE)]


def _drawing(
    predictions: VideoPredictions, subject: Subject | None, scale: tuple[float, float]
) -> _Drawing:
    from PIL import ImageFont

    from neuropose.schema import NO_TRACK

    ids = np.asarray(predictions.track_ids)
    highlight = np.zeros(ids.shape, bool) if subject is None else subject.slot_mask(predictions)
    height = max(predictions.metadata.height * scale[1], 1.0)
    return _Drawing(
        poses=np.asarray(predictions.poses2d, np.float64) * np.array(scale),
        anchors=np.asarray(predictions.boxes[..., :2], np.float64) * np.array(scale),
        ids=ids,
        tracked=bool(np.any(ids != NO_TRACK)),
        highlight=highlight,
        present=predictions.person_mask,
        edges=predictions.skeleton.joint_edges,
        line_width=max(round(height / 180), 2),
        font=ImageFont.load_default(size=max(int(height / 28), 10)),
    )


def _draw(image: Any, drawing: _Drawing, frame: int) -> None:
    from PIL import ImageDraw

    canvas = ImageDraw.Draw(image)
    radius = drawing.line_width
    for slot in np.flatnonzero(drawing.present[frame]).tolist():
        colour = drawing.colour(frame, slot)
        points = drawing.poses[frame, slot]
        finite = np.isfinite(points).all(axis=1)
        for a, b in drawing.edges:
            if finite[a] and finite[b]:
                canvas.line((*points[a], *points[b]), fill=colour, width=drawing.line_width)
        for x, y in points[finite].tolist():
            canvas.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        x, y = drawing.anchors[frame, slot].tolist()
        if np.isfinite(x) and np.isfinite(y):
            _label(canvas, drawing, drawing.label(frame, slot), (x, y), colour, image.size)


def _label(
    canvas: Any,
    drawing: _Drawing,
    text: str,
    corner: tuple[float, float],
    colour: tuple[int, int, int],
    size: tuple[int, int],
) -> None:
    """Write ``text`` on a tag above the box's top-left corner, kept inside the picture."""
    left, top, right, bottom = canvas.textbbox((0, 0), text, font=drawing.font)
    width, height = right - left + 4, bottom - top + 4
    x = min(max(corner[0], 0.0), max(size[0] - width, 0))
    y = min(max(corner[1] - height, 0.0), max(size[1] - height, 0))
    canvas.rectangle((x, y, x + width, y + height), fill=colour)
    canvas.text((x + 2 - left, y + 2 - top), text, fill=(0, 0, 0), font=drawing.font)


def _matcher(times_s: np.ndarray) -> Callable[[float], int]:
    """Return a function from a frame time to the index of the prediction at that time (-1: none)."""
    times = np.asarray(times_s, np.float64)
    intervals = np.diff(times)
    positive = intervals[intervals > 0]
    # Within half the shortest frame interval the nearest prediction is this frame's own.
    tolerance = 0.5 * float(positive.min()) if positive.size else 0.02

    def match(t: float) -> int:
        if times.size == 0:
            return -1
        index = int(np.searchsorted(times, t))
        neighbours = [k for k in (index - 1, index) if 0 <= k < times.size]
        nearest = min(neighbours, key=lambda k: abs(times[k] - t))
        return nearest if abs(times[nearest] - t) <= tolerance else -1

    return match


def _sync_into_place(partial: Path, target: Path) -> None:
    """Flush the finished file to disk, then rename it over ``target`` (never a torn file)."""
    from neuropose.schema.io import fsync_directory

    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    fsync_directory(target.parent)


def _even(value: float) -> int:
    return max(int(value) // 2 * 2, 2)


def render_overlay(
    predictions: VideoPredictions,
    video: Path | str,
    output: Path | str,
    *,
    subject: Subject | None = None,
    max_height: int | None = 720,
    crf: int = 23,
    preset: str = "veryfast",
    verify: bool = True,
    progress: OverlayProgress | None = None,
) -> OverlayResult:
    """Draw every skeleton and its track id (or person slot) on the video; write an H.264 MP4.

    Parameters
    ----------
    predictions
        Predictions of this video (2D poses in pixels of the upright frame).
    video
        The input video.
    output
        The MP4 to write (replaced atomically if it exists).
    subject
        The person to highlight (yellow, labelled "subject"); ``None`` for none.
    max_height
        Scale taller videos down to this height, pixels; ``None`` keeps the size.
    crf, preset
        libx264 quality (lower is better, 23 its default) and speed preset.
    verify
        Refuse a video whose SHA-256 differs from the predictions' record.
    progress
        Called with (frames written, frames expected) every 30 frames and at the end.

    Returns
    -------
    OverlayResult
        Frames written and matched, duration, size and encoding speed.

    Raises
    ------
    MissingReportExtraError
        If PyAV or Pillow is not installed.
    VideoMismatchError
        If ``verify`` and the video is not the predictions' video.
    VideoReadError
        If the video cannot be opened or decoded.
    """
    av = require_report_library("av")
    require_report_library("PIL")
    from PIL import Image

    started = time.perf_counter()
    source, target = Path(video), Path(output)
    if verify:
        check_video(predictions, source)
    meta = predictions.metadata
    height = meta.height if max_height is None else min(meta.height, max_height)
    factor = height / meta.height
    out_w, out_h = _even(meta.width * factor), _even(meta.height * factor)
    drawing = _drawing(predictions, subject, (out_w / meta.width, out_h / meta.height))
    match = _matcher(predictions.times_s)
    expected = meta.frame_count
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    frames = matched = 0
    last_pts, first_time, last_time, step = -1, None, 0.0, 0.0
    try:
        with (
            _open(source) as container,
            av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as sink,
        ):
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = stream.average_rate or Fraction(30)
            encoder = sink.add_stream("libx264", rate=rate)
            encoder.width, encoder.height, encoder.pix_fmt = out_w, out_h, "yuv420p"
            encoder.time_base = _TIME_BASE
            encoder.codec_context.time_base = _TIME_BASE
            encoder.options = {"preset": preset, "crf": str(crf)}
            start = stream.start_time or 0
            for frame in container.decode(stream):
                t = (
                    float((frame.pts - start) * stream.time_base)
                    if frame.pts is not None
                    else (last_time + step)
                )
                first_time = t if first_time is None else first_time
                step = t - last_time if frames else step
                last_time = t
                quarter_turns = (getattr(frame, "rotation", 0) or 0) // 90 % 4
                # Scale while converting (one swscale pass), then turn the picture upright.
                stored = (out_h, out_w) if quarter_turns % 2 else (out_w, out_h)
                image = frame.to_image(width=stored[0], height=stored[1])
                if quarter_turns:
                    image = image.transpose(
                        (None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180,
                         Image.Transpose.ROTATE_270)[quarter_turns]
                    )  # fmt: skip
                index = match(t)
                if index >= 0:
                    _draw(image, drawing, index)
                    matched += 1
                picture = av.VideoFrame.from_image(image)
                pts = max(round((t - first_time) / _TIME_BASE), last_pts + 1)
                picture.pts, picture.time_base, last_pts = pts, _TIME_BASE, pts
                sink.mux(encoder.encode(picture))
                frames += 1
                if progress is not None and frames % 30 == 0:
                    progress(frames, expected)
            sink.mux(encoder.encode(None))
        if frames == 0:
            raise VideoReadError(f"{source} holds no decodable frame")
        _sync_into_place(partial, target)
    except av.error.FFmpegError as error:
        raise VideoReadError(f"decoding {source} failed after {frames} frame(s): {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    if progress is not None:
        progress(frames, expected)
    duration = (last_time - (first_time or 0.0)) + (step if step > 0 else 1.0 / float(rate))
    return OverlayResult(
        path=target,
        frames=frames,
        matched_frames=matched,
        duration_s=duration,
        width=out_w,
        height=out_h,
        elapsed_s=time.perf_counter() - started,
    )
