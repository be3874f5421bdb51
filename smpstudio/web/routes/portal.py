"""The client portal: links the owner or the front desk make and revoke, and what a link opens without
an account (the page at ``/portal#<token>``, its data under ``/api/portal`` with the token in the
``X-Portal-Token`` header: never in a URL the server sees, so never in an access log or a referrer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from smpstudio.records import schemas_clinic as sc
from smpstudio.records import services_portal as portal
from smpstudio.web.deps import Anonymous, SignedIn
from smpstudio.web.portal_render import PACK_FILES, PortalRenders
from smpstudio.web.portal_view import PortalOut, portal_view

router = APIRouter(tags=["portal"], responses={401: {}, 403: {}, 404: {}})

ObjId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Token = Annotated[str, Header(alias="X-Portal-Token", min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$",
                              description="the portal link's token (the part after # of its URL)")]
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


async def get_renders(request: Request) -> PortalRenders:
    renders = getattr(request.app.state, "portal_renders", None)
    if renders is None:
        renders = request.app.state.portal_renders = PortalRenders()
    return renders  # type: ignore[no-any-return]


Renders = Annotated[PortalRenders, Depends(get_renders)]


@router.post("/clients/{client_id}/portal-links", status_code=201, responses={409: {}, 422: {}})
async def make_link(client_id: ObjId, body: sc.PortalLinkCreate, request: Request, call: SignedIn) -> sc.PortalLinkMade:
    """A new portal link for the client (owner or front desk); the URL is shown only now."""
    link, token = await call(lambda db, actor: portal.create_link(db, actor, client_id, body.days))
    url = str(request.base_url).rstrip("/") + f"/portal#{token}"
    return sc.PortalLinkMade.model_validate({**sc.PortalLinkOut.model_validate(link).model_dump(), "url": url})


@router.get("/clients/{client_id}/portal-links")
async def list_links(client_id: ObjId, call: SignedIn) -> list[sc.PortalLinkOut]:
    return await call(lambda db, actor: [sc.PortalLinkOut.model_validate(r)
                                         for r in portal.list_links(db, actor, client_id)])


@router.post("/portal-links/{link_id}/revoke", responses={409: {}})
async def revoke_link(link_id: ObjId, call: SignedIn) -> sc.PortalLinkOut:
    return await call(lambda db, actor: sc.PortalLinkOut.model_validate(portal.revoke_link(db, actor, link_id)))


@router.get("/portal", responses={409: {}})
async def open_portal(token: Token, call: Anonymous, response: Response) -> PortalOut:
    """What the link shows (no sign-in: the token is the key). 404 with the reason in words when the link
    is unknown, expired or revoked."""
    response.headers.update(PRIVATE)
    return await call.anonymous(lambda db: portal_view(portal.open_link(db, token)))


@router.get("/portal/pictures/{which}.jpg", response_class=Response, responses={
    200: {"content": {"image/jpeg": {}}}, 409: {}})
async def picture(token: Token, which: Annotated[str, Path(pattern="^(before|after)$")], call: Anonymous,
                  renders: Renders) -> Response:
    """The saved plan's before (the photo as shown) or after (last session healed) picture."""
    vault = call.state.vault
    data = await call.anonymous(lambda db: renders.picture(db, vault, portal.open_link(db, token), which))
    return Response(data, media_type="image/jpeg", headers=PRIVATE)


@router.get("/portal/pack/{name}", response_class=Response, responses={
    200: {"content": {"application/pdf": {}}}, 409: {}})
async def pack(token: Token, name: Annotated[str, Path(pattern="^(" + "|".join(PACK_FILES) + ")$")],
               call: Anonymous, renders: Renders) -> Response:
    """One PDF of the client's pack of the saved plan."""
    vault = call.state.vault
    data = await call.anonymous(lambda db: renders.pack(db, vault, portal.open_link(db, token), name))
    return Response(data, media_type="application/pdf",
                    headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})
