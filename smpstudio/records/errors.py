"""Errors of the records services. They carry no HTTP status: the web layer decides it
(:data:`smpstudio.web.deps.STATUS_OF`)."""

from __future__ import annotations

from smpstudio.errors import SMPError


class NotFound(SMPError):
    """No such record in the caller's clinic (records of other clinics are never revealed).

    ``lookup`` is the ``(entity, id)`` asked for when the miss was a look-up by id (an id of another
    clinic misses the same way): the web layer audits it for the caller's clinic once the request's
    transaction is rolled back (:func:`smpstudio.records.services.audit_miss`).
    """

    def __init__(self, message: object, lookup: tuple[str, int] | None = None) -> None:
        super().__init__(str(message))
        self.lookup = lookup


class Forbidden(SMPError):
    """The caller's role may not do this."""


class Unauthorized(SMPError):
    """Not signed in, or the sign-in failed."""


class TooManyAttempts(SMPError):
    """Throttled: too many attempts from this address or for this account."""


class Conflict(SMPError):
    """The change conflicts with the records' state."""


class Busy(SMPError):
    """The service has no capacity for this now (e.g. every photo-decode slot is taken); retry after
    ``retry_after_s`` seconds (the web layer's 503 sends it as Retry-After)."""

    def __init__(self, message: object, retry_after_s: int = 5) -> None:
        super().__init__(str(message))
        self.retry_after_s = retry_after_s


class WeakPassword(SMPError):
    """The password fails the policy (:func:`smpstudio.records.security.password_problem`)."""


# Errors of the clinic's running (issue 12).
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
