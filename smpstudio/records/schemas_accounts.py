"""Schemas of a user's own account and of the owner's user management (issue 13 item 10)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, StringConstraints, model_validator

from smpstudio.records.schemas import Out, Strict, UserOut


class PasswordChange(Strict):
    """A user's new password; the current one is asked again (a borrowed tablet is not enough)."""

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Annotated[str, StringConstraints(min_length=12, max_length=200)]

    @model_validator(mode="after")
    def _a_new_one(self) -> PasswordChange:
        """The same password again would end the other sessions but leave whoever knew it signing in."""
        if self.new_password == self.current_password:
            raise ValueError("the new password is the current one; choose another")
        return self


class SessionOut(Out):
    """One signed-in browser of the user (the token itself is never shown)."""

    id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    current: bool = False


class SessionsEnded(BaseModel):
    ended: int


class PasswordChangedOut(BaseModel):
    """The other sessions ended, and the CSRF token of the new session that replaced the asking one (its
    cookie is set with the answer)."""

    ended: int
    csrf_token: str


class DeactivatedOut(UserOut):
    """The deactivated user, and how many appointments still to come are booked with them (to move)."""

    appointments_ahead: int
