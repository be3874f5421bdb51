"""Errors of the records services; the web layer maps each to its HTTP status."""

from __future__ import annotations

from smpstudio.errors import SMPError


class NotFound(SMPError):
    """No such record in the caller's clinic (records of other clinics are never revealed)."""

    status = 404


class Forbidden(SMPError):
    status = 403


class Unauthorized(SMPError):
    status = 401


class TooManyAttempts(SMPError):
    status = 429


class Conflict(SMPError):
    status = 409


class Busy(SMPError):
    """The service has no capacity for this now (e.g. every photo-decode slot is taken); retry."""

    status = 503


class WeakPassword(SMPError):
    """The password fails the policy (:func:`smpstudio.records.security.password_problem`)."""


# Errors of the clinic's running (issue 12). They carry no HTTP status: the web layer decides it
# (smpstudio.web.deps.STATUS_OF).
class InvalidInput(SMPError):
    """Input that is well-formed JSON but wrong for this clinic (e.g. a date in the wrong order).

    ``loc`` names the input as a validation error does (``("body", "date_of_birth")``); by default the
    field the message starts with (``"starts_at: ..."``)."""

    def __init__(self, message: object, loc: tuple[str, ...] | None = None) -> None:
        super().__init__(str(message))
        if loc is None:
            head = str(message).split(":", 1)[0]
            loc = ("body", head) if head.isidentifier() and head != str(message) else ("body",)
        self.loc = loc


class SafetyRefused(SMPError):
    """A session may not be started or marked done: one or more safety rules refuse it."""

    def __init__(self, message: str, rules: list[str]) -> None:
        super().__init__(message)
        self.rules = rules


class BookingConflict(SMPError):
    """The artist, the room or the client is already booked at that time."""


class DuplicateSession(SMPError):
    """The client already has a live session with that number."""
