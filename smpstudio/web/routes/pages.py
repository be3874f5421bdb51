"""The tablet app's pages: plain HTML, JS and CSS from the package (no build step, no CDN).

``/`` is the app (sign in, clients, a client's page, new consultation, consent, session day; one page
whose views are chosen by the URL's ``#`` part; the calendar in ``calendar.js``, bookings and reminders in
``clinic.js``, session day in ``sessionday.js``); ``/portal`` is the client's page opened by a portal link.
The files are served from ``smpstudio/web/static``.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Response

router = APIRouter(include_in_schema=False)

ASSETS = {"app.js": "text/javascript", "app.css": "text/css", "consult.js": "text/javascript",
          "dots.js": "text/javascript", "camera.js": "text/javascript", "consent.js": "text/javascript",
          "clinic.js": "text/javascript", "sessionday.js": "text/javascript", "account.js": "text/javascript",
          "calendar.js": "text/javascript", "portal.js": "text/javascript", "portal.css": "text/css"}
SECURITY = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}


def _read(name: str) -> bytes:
    return resources.files("smpstudio.web").joinpath("static", name).read_bytes()


@router.get("/")
async def index() -> Response:
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=SECURITY)


@router.get("/portal")
async def portal() -> Response:
    """The client's portal page (phone): the token is in the URL's ``#`` part, never sent with the page."""
    return Response(_read("portal.html"), media_type="text/html; charset=utf-8",
                    headers={**SECURITY, "Referrer-Policy": "no-referrer"})


@router.get("/app/{name}")
async def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response('{"detail":"not found"}', status_code=404, media_type="application/json")
    return Response(_read(name), media_type=f"{ASSETS[name]}; charset=utf-8", headers=SECURITY)
