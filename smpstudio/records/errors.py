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
