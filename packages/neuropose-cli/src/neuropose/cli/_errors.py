"""Errors raised by the command line itself: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = ["CliError", "MissingExtraError", "VideoChoiceError"]


class CliError(NeuroPoseError):
    """Root of the command line's own errors."""


class MissingExtraError(CliError):
    """The package a command needs is not installed; the message names the extra to install."""


class VideoChoiceError(CliError):
    """A job's ``results.json`` names several videos and none was picked, or not the one asked for."""
