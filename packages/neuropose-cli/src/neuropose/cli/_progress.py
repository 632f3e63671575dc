"""Progress bars on stderr for long work (frames, bytes)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

import typer

__all__ = ["ProgressBar"]


class ProgressBar:
    """A progress bar on stderr fed with absolute counts, silent when ``quiet``.

    Parameters
    ----------
    label
        Text before the bar.
    quiet
        Show nothing.
    """

    def __init__(self, label: str, *, quiet: bool = False) -> None:
        self.label = label
        self.quiet = quiet
        self._bar: Any = None
        self._done = 0

    def update(self, done: int, total: int | None) -> None:
        """Move the bar to ``done`` of ``total`` (``None`` when unknown)."""
        if self.quiet:
            return
        if self._bar is None:
            self._bar = typer.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True
            )
            self._bar.__enter__()
        self._bar.update(max(done - self._done, 0))
        self._done = done

    @property
    def callback(self) -> Callable[[int, int | None], None]:
        """Return the bar as a ``progress(done, total)`` callback."""
        return self.update

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, value, traceback)
