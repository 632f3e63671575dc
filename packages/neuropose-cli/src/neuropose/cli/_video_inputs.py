"""``process``'s inputs, checked before the model loads, and its outputs, named without clashes.

Every input is checked first (it exists, is a file, opens as a video, has a frame), so a bad one
is refused in well under a second, with every bad input named in one message, instead of after
the model has loaded. A folder stands for the videos directly inside it. Outputs are
``<stem>.<format>`` in the output folder; inputs that share a stem (``cam1/trial.mp4`` and
``cam2/trial.mp4``) get their distinguishing parent folders in front (``cam1_trial.npz``,
``cam2_trial.npz``), and nothing that exists is overwritten without ``--force``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from neuropose.cli._errors import OutputExistsError, VideoInputError

__all__ = ["checked_videos", "output_paths", "refuse_overwrite"]


def _is_video(path: Path) -> bool:
    from neuropose.schema import VIDEO_EXTENSIONS

    return (
        path.is_file() and not path.name.startswith(".") and path.suffix.lower() in VIDEO_EXTENSIONS
    )


def _expand(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Replace each folder by the videos directly inside it (by name); note empty folders."""
    from neuropose.schema import VIDEO_EXTENSIONS

    videos: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if _is_video(p))
            if not inside:
                accepted = ", ".join(sorted(VIDEO_EXTENSIONS))
                problems.append(f"{path} is a folder with no video in it (accepted: {accepted})")
            videos += inside
        else:
            videos.append(path)
    return videos, problems


def _problem(video: Path) -> str | None:
    """Why ``video`` cannot be processed, or ``None``: decodes its first frame to find out."""
    from neuropose.estimator import FrameReader
    from neuropose.schema import NeuroPoseError

    if not video.exists():
        return f"{video} does not exist"
    if not video.is_file():
        return f"{video} is not a file"
    try:
        with FrameReader(video, queue_frames=1) as reader:
            next(iter(reader))
    except StopIteration:
        return f"{video} holds no decodable frame"
    except NeuroPoseError as error:
        return str(error)
    except OSError as error:
        return f"{video} cannot be read ({error.strerror or error})"
    return None


def checked_videos(paths: Sequence[Path]) -> list[Path]:
    """Return the videos ``paths`` stand for, each checked to open and yield a frame.

    A folder stands for the videos directly inside it, sorted by name. Opening takes OpenCV
    (imported here, well under a second), not TensorFlow.

    Raises
    ------
    VideoInputError
        Naming, in one message, every input that is missing, not a file, not a video, without
        a frame, given twice, or a folder without videos.
    """
    videos, empty_folders = _expand(paths)
    problems = list(empty_folders)
    seen: dict[Path, Path] = {}
    for video in videos:
        key = video.resolve()
        if key in seen:
            problems.append(f"{video} is given twice (also as {seen[key]})")
        else:
            seen[key] = video
            problem = _problem(video)
            if problem is not None:
                problems.append(problem)
    if problems:
        count = len(videos) + len(empty_folders)
        what = f"{len(problems)} of {count} inputs" if count > 1 else "the input"
        raise VideoInputError(
            f"{what} cannot be processed, nothing was run: " + "; ".join(problems)
        )
    return videos


def output_paths(videos: Sequence[Path], folder: Path, suffix: str) -> list[Path]:
    """Name one output per video in ``folder``: ``<stem><suffix>``, made distinct where needed.

    Videos whose stems clash get as many of their parent folders' names in front as tell them
    apart (``cam1_trial.npz``, ``cam2_trial.npz``); if their folders cannot (``trial.mp4`` and
    ``trial.mov`` side by side), their extensions do (``trial_mp4.npz``).

    Raises
    ------
    OutputExistsError
        If two videos still map to one name (listing them).
    """
    stems = [video.stem for video in videos]
    names = list(stems)
    for index in _clashing(stems):
        names[index] = _distinct(videos[index], [videos[k] for k in _group(stems, index)])
    clashes = _clashing(names)
    if clashes:
        listed = ", ".join(str(videos[k]) for k in sorted(clashes))
        raise OutputExistsError(f"these inputs would write the same output file: {listed}")
    return [folder / f"{name}{suffix}" for name in names]


def _clashing(names: list[str]) -> set[int]:
    folded = [name.casefold() for name in names]  # macOS and Windows folders ignore case
    return {k for k, name in enumerate(folded) if folded.count(name) > 1}


def _group(names: list[str], index: int) -> list[int]:
    return [k for k, name in enumerate(names) if name.casefold() == names[index].casefold()]


def _distinct(video: Path, group: list[Path]) -> str:
    """Return the shortest ``parent_..._stem`` name telling ``video`` apart from ``group``."""
    resolved = [p.resolve() for p in group]
    mine = video.resolve()
    depth = max(len(p.parts) for p in resolved)
    for used in range(1, depth):
        label = "_".join([*mine.parent.parts[max(len(mine.parent.parts) - used, 0) :], mine.stem])
        others = [
            "_".join([*p.parent.parts[max(len(p.parent.parts) - used, 0) :], p.stem])
            for p in resolved
            if p != mine
        ]
        if label.casefold() not in {o.casefold() for o in others}:
            return label.lstrip("/_") or mine.stem
    return f"{mine.stem}_{mine.suffix.lstrip('.')}"


def refuse_overwrite(targets: Sequence[Path], *, force: bool) -> None:
    """Refuse to replace existing files unless ``force``.

    Raises
    ------
    OutputExistsError
        Listing every existing target and saying how to proceed.
    """
    existing = [str(target) for target in targets if target.exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
            "use --force to overwrite, or another output folder (-o)"
        )
