"""Errors a user can act on.

Every error that bad input can cause is an :class:`SMPError` (or a subclass) whose message is one
readable line. Shells turn it into a non-zero exit (CLI) or a 4xx answer (web); anything else is a bug.
"""

from __future__ import annotations


class SMPError(Exception):
    """An error caused by the input, with a one-line message meant for the user."""


class PhotoError(SMPError):
    """The photo cannot be used (unreadable, too large, no face, ...)."""


class OptionError(SMPError):
    """Options that contradict each other or fall outside their allowed range."""
