"""The consultation API over HTTP (TestClient): start from a photo, drag, options, previews, save with consent.

Images are measured (pixels), not taken on trust: the API's previews are the pipeline's own renders, a
drag moves the hairline where it was dragged and changes the preview, the save binds the previews shown.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from smpstudio.imaging.samples import sample_photo


def _jpeg_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def signature_b64(ink: bool = True) -> str:
    im = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(im).line([(20, 150), (200, 40), (380, 160), (580, 50)], fill=(0, 0, 0, 255), width=6)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def consult(login):
    c = login("a_owner")
    client = c.post("/api/clients", json={"first_name": "Dee", "last_name": "Drag"}).json()["id"]
    face = sample_photo().to_jpeg_bytes()
    r = c.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", face, "image/jpeg")})
    assert r.status_code == 201, r.text
    return c, client, r.json()


def test_start_gives_overlay_hairline_plan_and_stores_the_photo(consult):
    c, client, body = consult
    assert body["width"] <= 512 and body["overlay"]["px_per_mm"] > 0.3  # the view: the head, cropped
    assert len(body["overlay"]["landmarks"]) >= 5 and len(body["control_points"]) >= 5
    assert body["stages"][0] == "before" and "years-3" in body["stages"] and "session-3-healed" in body["stages"]
    assert [s["index"] for s in body["plan"]["sessions"]][:3] == [1, 2, 3]
    assert sum(s["impressions"] for s in body["plan"]["sessions"] if not s["suggested"]) == body["dots"]
    # the client reads the shade in words; the artist's water:pigment mix is in the details view
    shades = [s["shade"] for s in body["plan"]["sessions"]]
    assert all(sh.endswith("grey") or sh == "near-black" for sh in shades), shades
    mixes = body["plan"]["details"]["mix per session (water:pigment)"]
    assert all(f"{s['index']}: {s['dilution']}" in mixes for s in body["plan"]["sessions"])
    photos = c.get(f"/api/clients/{client}/photos").json()
    assert [p["id"] for p in photos] == [body["photo_id"]] and photos[0]["view"] == "front"


def test_drag_moves_the_mirrored_hairline_and_changes_the_preview(consult):
    c, _client, body = consult
    cid, pts = body["id"], body["control_points"]
    before = c.get(f"/api/consults/{cid}/preview", params={"stage": "session-3-healed"})
    assert before.status_code == 200
    i = 1
    mm = body["overlay"]["px_per_mm"]
    x, y = pts[i][0], pts[i][1] + 8 * mm  # 8 mm down
    r = c.patch(f"/api/consults/{cid}", json={"move": {"index": i, "x": x, "y": y}})
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["revision"] == body["revision"] + 1
    assert np.allclose(new["control_points"][i], (x, y), atol=0.6)
    j = len(pts) - 1 - i  # its mirror moved by the same height
    assert abs(new["control_points"][j][1] - y) < 0.03 * body["height"]  # (mirrored on the face frame, mm)
    assert new["control_points"][j][1] - pts[j][1] > 5 * mm
    after = c.get(f"/api/consults/{cid}/preview", params={"stage": "session-3-healed"})
    diff = np.abs(_jpeg_pixels(after.content) - _jpeg_pixels(before.content)).max(axis=2)
    assert (diff > 2).sum() > 40, "the preview did not change where the hairline moved"
    assert after.headers["X-Preview-Sha256"] != before.headers["X-Preview-Sha256"]


@pytest.mark.parametrize("change", [{"move": {"index": 99, "x": 1, "y": 1}}, {"sessions": 0}, {"style": "wavy"},
                                    {"shade": "red"}, {"move": {"index": 0, "x": 1e9, "y": 0}}, {"stage": "norwood-99"},
                                    {"unknown": 1}])
def test_bad_changes_are_refused_with_a_message_and_change_nothing(consult, change):
    c, _client, body = consult
    r = c.patch(f"/api/consults/{body['id']}", json=change)
    assert 400 <= r.status_code < 500 and r.json()["detail"], r.text
    assert c.get(f"/api/consults/{body['id']}").json()["revision"] == body["revision"]


def test_options_change_the_plan(consult):
    c, _client, body = consult
    r = c.patch(f"/api/consults/{body['id']}", json={"sessions": 4, "interval_days": 21, "style": "broken"})
    new = r.json()
    assert new["sessions"] == 4 and len([s for s in new["plan"]["sessions"] if not s["suggested"]]) == 4
    assert new["plan"]["sessions"][1]["day"] == 21 and "session-4-healed" in new["stages"]


def test_the_artist_sets_a_shade_and_returns_to_the_matched_one(consult):
    """A shade typed as #rrggbb becomes the plan's target (read back as the same code, the source named),
    and auto_shade goes back to the shade matched to the client's hair. Both paths imported a module
    that no longer existed (plan.colour_space) until 2026-12-03: the request failed inside the service."""
    c, _client, body = consult
    assert body["shade"] is None and body["plan"]["details"]["target shade source"] != "chosen shade"
    r = c.patch(f"/api/consults/{body['id']}", json={"shade": "#3c3a38"})
    assert r.status_code == 200, r.text
    chosen = r.json()
    assert chosen["shade"] == "#3c3a38" and chosen["plan"]["details"]["target shade source"] == "chosen shade"
    r = c.patch(f"/api/consults/{body['id']}", json={"auto_shade": True})
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["shade"] is None
    assert back["plan"]["details"]["target shade source"] == body["plan"]["details"]["target shade source"]


def test_closeup_is_at_least_15_px_per_mm(consult):
    c, _client, body = consult
    x, y = body["control_points"][len(body["control_points"]) // 2]
    r = c.get(f"/api/consults/{body['id']}/closeup", params={"stage": "session-3-healed", "x": x, "y": y - 5})
    img = _jpeg_pixels(r.content)
    assert body["closeup_px_per_mm"] >= 15 and img.shape[1] >= 12 * 15
    assert img.std() > 3  # dots on skin, not a flat patch


def test_save_binds_the_previews_shown_and_makes_a_consent_pdf(consult):
    from pypdf import PdfReader

    c, client, body = consult
    cid = body["id"]
    shown = [c.get(f"/api/consults/{cid}/preview", params={"stage": s}).headers["X-Preview-Sha256"]
             for s in ("before", "session-3-healed", "years-3")]
    base = {"signer": "Dee Drag", "consent_version": "smp-consent-2026-12", "revision": body["revision"]}
    r = c.post(f"/api/consults/{cid}/save", json={**base, "signature_png_base64": signature_b64(False),
                                                   "preview_sha256": shown})
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    r = c.post(f"/api/consults/{cid}/save", json={**base, "signature_png_base64": signature_b64(),
                                                   "preview_sha256": shown + ["0" * 64]})
    assert r.status_code == 422 and "not shown" in r.json()["detail"]
    assert c.get(f"/api/clients/{client}/plans").json() == []  # nothing half-written
    assert c.get(f"/api/clients/{client}/consents").json() == []
    # a change after the previews were shown: the old revision cannot be signed
    c.patch(f"/api/consults/{cid}", json={"sessions": 2})
    r = c.post(f"/api/consults/{cid}/save", json={**base, "signature_png_base64": signature_b64(),
                                                   "preview_sha256": shown})
    assert r.status_code == 409
    back = c.patch(f"/api/consults/{cid}", json={"sessions": 3}).json()  # back to the design shown before
    assert back["revision"] > body["revision"] and back["dots"] == body["dots"]
    shown = [c.get(f"/api/consults/{cid}/preview", params={"stage": s}).headers["X-Preview-Sha256"]
             for s in ("before", "session-3-healed", "years-3")]  # shown again, for this revision
    base["revision"] = back["revision"]
    assert [d["id"] for d in c.get(f"/api/clients/{client}/consults").json()] == [cid]  # in progress
    r = c.post(f"/api/consults/{cid}/save", json={**base, "signature_png_base64": signature_b64(),
                                                   "preview_sha256": shown})
    assert r.status_code == 201, r.text
    saved = r.json()
    plan = c.get(f"/api/plans/{saved['plan_id']}").json()
    assert plan["version"] == 1 and plan["plan_json"]["consultation"]["photo_id"] == body["photo_id"]
    assert plan["plan_json"]["pattern"]["dots"] == body["dots"]
    consent = c.get(f"/api/consents/{saved['consent_id']}").json()
    assert consent["preview_sha256"] == shown
    assert consent["signer"] == consent["signature"] == "Dee Drag"  # the drawn image in its own column:
    export = zipfile.ZipFile(io.BytesIO(c.get(f"/api/clients/{client}/export").content))  # the export carries it
    record = json.loads(export.read("record.json"))
    [row] = record["consents"]
    assert export.read(row["signature_file"]) == base64.b64decode(signature_b64())
    pdf = c.get(f"/api/consents/{saved['consent_id']}/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Dee Drag" in text and shown[1][:16] in text.replace("\n", "")
    # saved: the consultation is no longer in progress; it cannot be saved twice
    assert c.get(f"/api/clients/{client}/consults").json() == []
    assert c.get(f"/api/consults/{cid}").status_code == 404
    r = c.post(f"/api/consults/{cid}/save", json={**base, "signature_png_base64": signature_b64(),
                                                   "preview_sha256": shown})
    assert r.status_code == 404 and len(c.get(f"/api/clients/{client}/plans").json()) == 1


def test_another_user_cannot_see_the_consult(consult, login):
    _c, client, body = consult
    other = login("b_owner")
    assert other.get(f"/api/consults/{body['id']}").status_code == 404
    assert other.get(f"/api/clients/{client}/consults").status_code == 404  # another clinic's client
    colleague = login("a_artist")  # same clinic: the client is theirs too, the draft is not
    assert colleague.get(f"/api/clients/{client}/consults").json() == []
    assert colleague.get(f"/api/consults/{body['id']}").status_code == 404
    assert other.patch(f"/api/consults/{body['id']}", json={"sessions": 2}).status_code == 404


def test_a_photo_without_a_face_is_refused_and_not_stored(login):
    c = login("a_owner")
    client = c.post("/api/clients", json={"first_name": "No", "last_name": "Face"}).json()["id"]
    flat = Image.new("RGB", (400, 300), (128, 128, 128))
    buf = io.BytesIO()
    flat.save(buf, "JPEG")
    r = c.post(f"/api/clients/{client}/consults", files={"file": ("f.jpg", buf.getvalue(), "image/jpeg")})
    assert 400 <= r.status_code < 500 and r.json()["detail"]
    assert c.get(f"/api/clients/{client}/photos").json() == []
