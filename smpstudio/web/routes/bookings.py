"""Bookings: appointments (one or a plan's series), reschedule and cancel with a reason, a client's
``.ics`` and an artist's subscribable feed. The front desk may do all of it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from smpstudio.records import schemas_clinic as sc
from smpstudio.records import services_bookings as bookings
from smpstudio.records import services_calendar as calendar
from smpstudio.web.deps import Anonymous, SignedIn

router = APIRouter(tags=["bookings"], responses={401: {}, 403: {}, 404: {}})

ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]
ICS: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}}


def _out(rows):
    return [sc.AppointmentOut.model_validate(r) for r in rows]


@router.post("/clients/{client_id}/appointments", status_code=201, responses={409: {}, 422: {}})
async def book(client_id: ObjId, body: sc.BookingCreate, call: SignedIn) -> list[sc.AppointmentOut]:
    """Book one session, or with ``series`` every later session of the plan at its intervals. Refused
    whole (409, each clash named) when the artist, the room or the client is taken on any date."""
    return await call(lambda db, actor: _out(bookings.book(db, actor, client_id, body)))


@router.get("/clients/{client_id}/appointments")
async def client_appointments(client_id: ObjId, call: SignedIn) -> list[sc.AppointmentOut]:
    return await call(lambda db, actor: _out(bookings.list_for_client(db, actor, client_id)))


@router.get("/clients/{client_id}/appointments.ics", response_class=Response, responses=ICS)
async def client_ics(client_id: ObjId, call: SignedIn) -> Response:
    data = await call(lambda db, actor: calendar.client_ics(db, actor, client_id))
    return Response(
        data,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="client-{client_id}-appointments.ics"'},
    )


@router.get("/artists")
async def artists(call: SignedIn) -> list[sc.ArtistOut]:
    """Who takes appointments (names only): what the booking and calendar pages offer."""
    return await call(lambda db, actor: [sc.ArtistOut.model_validate(u) for u in bookings.list_artists(db, actor)])


@router.get("/appointments")
async def day_or_week(
    call: SignedIn,
    day: Annotated[dt.date, Query(description="first day (ISO), in the clinic's time zone")],
    days: Annotated[int, Query(ge=1, le=31, description="1 for a day, 7 for a week")] = 1,
    artist_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> list[sc.AppointmentOut]:
    """The live bookings of a day or week (of one artist): what the calendar page shows."""

    def work(db, actor):
        from smpstudio.records import schemas as s
        from smpstudio.records.errors import InvalidInput
        from smpstudio.records.services_clinic import clinic_of, clinic_tz

        if not s.MIN_DATE <= day <= s.MAX_DATE:
            raise InvalidInput(f"day: {day} is not between {s.MIN_DATE} and {s.MAX_DATE}", ("query", "day"))
        tz = clinic_tz(clinic_of(db, actor))
        start = dt.datetime.combine(day, dt.time(0), tz)
        end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(0), tz)
        return _out(bookings.calendar(db, actor, start=start, end=end, artist_id=artist_id))

    return await call(work)


@router.get("/appointments/{appointment_id}")
async def get_appointment(appointment_id: ObjId, call: SignedIn) -> sc.AppointmentOut:
    return await call(lambda db, actor: sc.AppointmentOut.model_validate(bookings.get(db, actor, appointment_id)))


@router.patch("/appointments/{appointment_id}", responses={409: {}, 422: {}})
async def reschedule(appointment_id: ObjId, body: sc.Reschedule, call: SignedIn) -> sc.AppointmentOut:
    """Move an appointment (time, artist, room) with a reason; clashes refuse it (409)."""
    return await call(
        lambda db, actor: sc.AppointmentOut.model_validate(bookings.reschedule(db, actor, appointment_id, body))
    )


@router.post("/appointments/{appointment_id}/cancel", responses={409: {}})
async def cancel(appointment_id: ObjId, body: sc.Cancel, call: SignedIn) -> sc.AppointmentOut:
    return await call(
        lambda db, actor: sc.AppointmentOut.model_validate(bookings.cancel(db, actor, appointment_id, body))
    )


@router.post("/calendar-feeds", status_code=201)
async def create_feed(body: sc.FeedCreate, request: Request, call: SignedIn) -> sc.FeedOut:
    """A subscribable feed URL of an artist's bookings (the owner, or the artist for themself)."""
    artist_id, token = await call(lambda db, actor: calendar.create_feed(db, actor, body.artist_id))
    url = str(request.url_for("artist_feed").include_query_params(token=token))
    return sc.FeedOut(artist_id=artist_id, url=url)


@router.post("/calendar-feeds/revoke", status_code=204)
async def revoke_feed(body: sc.FeedRevoke, call: SignedIn) -> Response:
    await call(lambda db, actor: calendar.revoke_feed(db, actor, body.token))
    return Response(status_code=204)


@router.get("/calendar-feeds/feed.ics", name="artist_feed", response_class=Response, responses=ICS)
async def artist_feed(
    call: Anonymous, token: Annotated[str, Query(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")]
) -> Response:
    """An artist's bookings for calendar apps (no sign-in: the token in the URL is the key)."""
    data = await call.anonymous(lambda db: calendar.feed_ics(db, token))
    return Response(data, media_type="text/calendar", headers={"Cache-Control": "private, max-age=300"})
