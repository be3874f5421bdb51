// The consultation (photo, analysis overlay, draggable hairline, before/after and timeline sliders,
// magnifier, plan beside); the consent it is saved with is consent.js. Uses App from app.js.
(() => {
"use strict";

const C = { consult: null, shown: {}, revision: -1, stage: null, split: 50, inflight: false, pending: null,
            drag: null, urls: {} };
App.C = C;

const $ = (id) => document.getElementById(id);

// The consultation survives a reload (of the consent page too): its id and the previews shown are kept in
// the tab's sessionStorage; the server rebuilds the consultation itself if it restarted meanwhile.
const KEEP = "smp-consult";
function remember() {
  if (C.consult) sessionStorage.setItem(KEEP, JSON.stringify({ id: C.consult.id, clientId: C.clientId,
    clientName: C.clientName, shown: C.shown, revision: C.revision, stage: C.stage,
    stageChosen: Boolean(C.stageChosen) }));
}
async function recall(clientId) {
  const kept = JSON.parse(sessionStorage.getItem(KEEP) || "null");
  if (!kept || (clientId !== undefined && String(kept.clientId) !== String(clientId))) return false;
  try { C.consult = await App.api("GET", `/api/consults/${kept.id}`); }
  catch (ex) {  // gone (saved elsewhere, erased, unreadable): forget it; else keep it for the next try
    if (ex.status === 404 || ex.status === 409) sessionStorage.removeItem(KEEP); else App.toast(ex.message);
    return false;
  }
  Object.assign(C, { clientId: kept.clientId, clientName: kept.clientName, stage: kept.stage, stageChosen: kept.stageChosen,
    shown: kept.revision === C.consult.revision ? kept.shown : {}, revision: C.consult.revision });
  return true;
}
// resume a consultation in progress listed on the client's page (another tab, another tablet, a day later)
function resume(id, clientId, clientName) {
  sessionStorage.setItem(KEEP, JSON.stringify({ id, clientId, clientName, shown: {}, revision: -1, stage: null,
    stageChosen: false }));
  C.consult = null;
  location.hash = `#/consult/${clientId}`;
}
App.kept = { recall, resume, forget: () => { sessionStorage.removeItem(KEEP); C.consult = null; } };  // consent.js, app.js
const h = (...a) => App.h(...a);

function defaultStage(c) {
  const healed = c.stages.filter((s) => /^session-\d-healed$/.test(s));
  return healed[healed.length - 1];
}

async function loadPreview(stage, img) {
  const c = C.consult;
  const r = await App.api("GET", `/api/consults/${c.id}/preview?stage=${stage}`, undefined, { raw: true });
  const rev = Number(r.headers.get("X-Consult-Revision"));
  if (rev !== C.revision) { C.shown = C.shown.before ? { before: C.shown.before } : {}; C.revision = rev; }
  C.shown[stage] = r.headers.get("X-Preview-Sha256");
  const url = URL.createObjectURL(await r.blob());
  await new Promise((ok) => { img.onload = ok; img.onerror = ok; img.src = url; });
  if (C.urls[img.id]) URL.revokeObjectURL(C.urls[img.id]);
  C.urls[img.id] = url;
  img.dataset.stage = stage;
  img.dataset.revision = String(rev);
  if (img.id === "after") $("stagebox").dataset.drawn = "0";  // the server's own render replaces the drawing
  remember();
}

// During a drag the browser draws the stage's dots (dots.js) over the scene, fetched once per scene.
async function sceneData() {
  const c = C.consult;
  if (C.scene && C.scene.sha === c.base_sha256) return C.scene.data;
  const r = await App.api("GET", `/api/consults/${c.id}/base`, undefined, { raw: true });
  C.scene = { sha: r.headers.get("X-Base-Sha256"), data: await SMPDots.imageData(await r.blob()) };
  return C.scene.data;
}

async function drawDots(stage) {
  const c = C.consult, base = await sceneData();
  const r = await App.api("GET", `/api/consults/${c.id}/dots?stage=${stage}`, undefined, { raw: true });
  const splats = new Float32Array(await r.arrayBuffer()), cv = $("drawn");
  SMPDots.draw(cv, base, splats);
  cv.dataset.stage = stage;
  cv.dataset.revision = r.headers.get("X-Consult-Revision");
  $("stagebox").dataset.drawn = "1";
}

function scale() { return $("overlay").clientWidth / C.consult.width; }

function drawOverlay() {
  const c = C.consult, cv = $("overlay"), dpr = window.devicePixelRatio || 1;
  cv.width = Math.round(cv.clientWidth * dpr); cv.height = Math.round(cv.clientHeight * dpr);
  const g = cv.getContext("2d"), s = scale() * dpr;
  g.clearRect(0, 0, cv.width, cv.height);
  if ($("show-analysis").checked) {
    g.fillStyle = "#00e5ff";
    for (const [x, y] of Object.values(c.overlay.landmarks)) { g.beginPath(); g.arc(x * s, y * s, 3 * dpr, 0, 7); g.fill(); }
    const bar = c.overlay.scale_bar_mm * c.overlay.px_per_mm * s, y0 = cv.height - 24 * dpr;
    g.fillStyle = "#000a"; g.fillRect(8 * dpr, y0 - 22 * dpr, bar + 70 * dpr, 34 * dpr);
    g.fillStyle = "#fff"; g.fillRect(14 * dpr, y0, bar, 5 * dpr);
    g.font = `${14 * dpr}px system-ui`; g.fillText(`${c.overlay.scale_bar_mm} mm`, 20 * dpr + bar, y0 + 6 * dpr);
  }
  g.strokeStyle = "#ffd400"; g.lineWidth = 3 * dpr; g.beginPath();
  c.hairline.forEach(([x, y], i) => (i ? g.lineTo(x * s, y * s) : g.moveTo(x * s, y * s)));
  g.stroke();
  c.control_points.forEach(([x, y], i) => {
    g.beginPath(); g.arc(x * s, y * s, 9 * dpr, 0, 7);
    g.fillStyle = C.drag && C.drag.index === i ? "#ff5a00" : "#ffd400"; g.fill();
    g.lineWidth = 2 * dpr; g.strokeStyle = "#000"; g.stroke();
  });
}

// ---- the whole head (the stage planned on the 3-D scalp): loaded apart, it takes seconds ----------------
async function loadWhole() {
  const c = C.consult, box = $("whole");
  if (!box) return;
  box.dataset.state = "loading";
  $("whole-status").textContent = "Planning the whole head...";
  try {
    const w = await App.api("GET", `/api/consults/${c.id}/whole-head`);
    if (w.revision !== C.consult.revision) return;  // the design changed meanwhile: a newer call follows
    renderWhole(w);
    box.dataset.state = "ready";
    box.dataset.revision = String(w.revision);
  } catch (ex) { $("whole-status").textContent = ex.message; box.dataset.state = "error"; }
}

function renderWhole(w) {
  const b = w.block, c = C.consult, money = (v) => `${v.toFixed(0)} ${b.currency}`;
  const hours = (v) => `${v.toFixed(1)} h`;
  const why = w.chosen_by === "artist"
    ? `Chosen by the artist${w.proposed_label ? ` (the photo suggests ${w.proposed_label})` : ""}.`
    : `Proposed from the photo: ${w.reason || w.stage_label}`;
  const rows = b.sessions.map((s) => h("tr", {}, h("td", { text: String(s.index) }), h("td", { text: hours(s.hours) }),
    h("td", { text: s.visits_hours.length > 1 ? s.visits_hours.map(hours).join(" + ") : "1 visit" }),
    h("td", { text: s.impressions.toLocaleString("en") })));
  const zones = b.zones.filter((z) => z.impressions.some((n) => n > 0)).map((z) => h("tr", {},
    h("td", { text: z.name }), h("td", { text: z.state }), h("td", { text: `${z.area_cm2.toFixed(0)} cm²` }),
    h("td", { text: z.impressions.map((n) => n.toLocaleString("en")).join(" / ") })));
  const titles = { top: "from above", left: "left side", right: "right side", back: "from behind" };
  $("whole").replaceChildren(...[
    h("h2", { text: `The whole head: ${w.stage_label}` }),
    h("p", { class: "muted", id: "whole-reason", text: why }),
    b.impressions > 0 ? h("table", { id: "whole-sessions" },
      h("thead", {}, h("tr", {}, ...["#", "Time", "Visits", "Dots"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows)) : h("p", { text: "Nothing on the head is bald or thinning at this stage: the plan is the hairline band below." }),
    b.impressions > 0 ? h("p", { text: `${b.treatment_area_cm2.toFixed(0)} cm² treated of ${b.scalp_area_cm2.toFixed(0)} cm² ` +
      `(bald ${b.bald_cm2.toFixed(0)}, thinning ${b.thinning_cm2.toFixed(0)}); ${b.impressions.toLocaleString("en")} dots; ` +
      `${money(b.price)} (${b.price_basis}).` }) : null,
    zones.length ? h("details", {}, h("summary", { text: "Dots per zone and session" }), h("table", {},
      h("thead", {}, h("tr", {}, ...["Zone", "State", "Area", "Per session"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, zones))) : null,
    b.warnings.length ? h("ul", {}, b.warnings.map((t) => h("li", { class: "warn", text: t }))) : null,
    h("div", { class: "diagrams" }, w.views.map((v) => h("button", { type: "button", class: "diagram",
      "aria-label": `the whole head ${titles[v] || v}: tap to enlarge`, onclick: (e) => e.currentTarget.classList.toggle("big") },
      h("img", { src: `/api/consults/${c.id}/diagram?view=${v}&r=${w.revision}`,
        alt: `the whole head ${titles[v] || v}: bald, thinning and kept zones` })))),
    h("p", { class: "muted", role: "status", id: "whole-status" })].filter((x) => x));
}

function renderPlan() {
  const p = C.consult.plan, money = (v) => `${v.toFixed(0)} ${p.currency}`;
  const rows = p.sessions.map((s) => h("tr", {}, h("td", { text: `${s.index}${s.suggested ? "*" : ""}` }),
    h("td", { text: s.date || `day ${s.day}` }), h("td", { text: `${s.hours} h` }), h("td", { text: s.shade }),
    h("td", { text: s.impressions.toLocaleString("en") }), h("td", { text: money(s.price) })));
  $("plan").replaceChildren(...[
    h("h2", { text: "The hairline band in the preview" }),
    h("table", {}, h("thead", {}, h("tr", {}, ...["#", "Date", "Time", "Shade", "Dots", "Price"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows)),
    h("p", { text: `Total ${money(p.total_price)} (consultation included). ` +
      (p.touch_up_years ? `Touch-up in about ${p.touch_up_years.toFixed(1)} years${p.touch_up_date ? ` (${p.touch_up_date})` : ""}.` : "") }),
    p.must_resolve.length ? h("div", {}, h("h2", { text: "Before we start" }), h("ul", {}, p.must_resolve.map((t) => h("li", { class: "warn", text: t })))) : null,
    p.good_to_know.length ? h("div", {}, h("h2", { text: "Good to know" }), h("ul", {}, p.good_to_know.map((t) => h("li", { text: t })))) : null,
    h("details", {}, h("summary", { text: "Details for the artist" }),
      h("ul", {}, Object.entries(p.details).map(([k, v]) => h("li", { text: `${k}: ${v ?? "-"}` })))),
    h("button", { type: "button", id: "to-consent", onclick: () => { location.hash = "#/consent"; }, text: "Consent and save" }),
  ].filter((x) => x));
}

function setConsult(c) {
  C.consult = c;
  // the last session healed follows a change of the session count, unless the artist chose a stage
  if (!c.stages.includes(C.stage) || !C.stageChosen) C.stage = defaultStage(c);
  const tl = $("timeline"), later = c.stages.filter((s) => s !== "before");
  tl.max = String(later.length - 1); tl.value = String(later.indexOf(C.stage));
  $("stage-label").textContent = c.stage_labels[C.stage];
  $("dots").textContent = `${c.dots.toLocaleString("en")} dots shown; ${c.sessions} sessions`;
  $("pose").textContent = c.overlay.pose_warning || "";
  $("warnings").replaceChildren(...c.warnings.slice(0, 4).map((w) => h("li", { text: w })));
  $("hair-stage").value = c.hair_stage || "";
  drawOverlay(); renderPlan();
  if (!c.draft && C.wholeFor !== `${c.id}:${c.revision}`) { C.wholeFor = `${c.id}:${c.revision}`; loadWhole(); }
}

async function change(body) {
  try { setConsult(await App.api("PATCH", `/api/consults/${C.consult.id}`, body)); await loadPreview(C.stage, $("after")); }
  catch (ex) { App.toast(ex.message); }
}

async function sendMove() {
  if (C.inflight || !C.pending) return;
  const body = C.pending; C.pending = null; C.inflight = true;
  try {
    const c = await App.api("PATCH", `/api/consults/${C.consult.id}`, body);
    if (!C.pending) setConsult(c); else { C.consult = { ...c, control_points: C.consult.control_points }; renderPlan(); }
    if (C.drag) await drawDots(C.stage);  // still dragging: the browser draws the dots
    else await loadPreview(C.stage, $("after"));  // the finger lifted: the server's render (what a consent binds)
  } catch (ex) { App.toast(ex.message); }
  C.inflight = false;
  if (C.pending) sendMove(); else { $("stagebox").dataset.idle = "1"; drawOverlay(); }
}

function pointAt(e) {
  const r = $("overlay").getBoundingClientRect(), s = scale();
  return [(e.clientX - r.left) / s, (e.clientY - r.top) / s];
}

function onDown(e) {
  if ($("magnify").checked) { magnify(e); return; }  // the magnifier's own mode: no dragging
  const [x, y] = pointAt(e), s = scale();
  let best = -1, bestD = 36 / s;
  C.consult.control_points.forEach(([px, py], i) => { const d = Math.hypot(px - x, py - y); if (d < bestD) { best = i; bestD = d; } });
  if (best >= 0) {
    C.drag = { index: best, id: e.pointerId };
    $("overlay").setPointerCapture(e.pointerId);
    $("stagebox").dataset.idle = "0";
  }
}

function onMove(e) {
  if (!C.drag || C.drag.id !== e.pointerId) { if ($("magnify").checked && e.buttons) magnify(e); return; }
  const [x, y] = pointAt(e), c = C.consult, n = c.control_points.length, i = C.drag.index;
  c.control_points = c.control_points.map((p) => [...p]);
  c.control_points[i] = [x, y];
  if (c.mirror && i !== n - 1 - i) {
    const mid = c.control_points[(n - 1) / 2 | 0][0];
    c.control_points[n - 1 - i] = [2 * mid - x, y];
  }
  drawOverlay();
  C.pending = { move: { index: i, x, y }, draft: true };  // impressions and hours follow; the full plan at the end
  sendMove();
}

function onUp(e) {
  if (!C.drag || C.drag.id !== e.pointerId) return;
  const i = C.drag.index, [x, y] = C.consult.control_points[i];
  C.drag = null;
  C.pending = { move: { index: i, x, y }, draft: false };  // the drag ends: the plan, the server's render
  drawOverlay(); sendMove();
}

// Where the magnifier goes: above the finger, else beside or below it, never over the spot it magnifies
// (a finger's reach, FINGER_PX, around it stays clear).
const MAG_PX = 180, FINGER_PX = 30;
function magnifierAt(px, py, w, hgt) {
  const gap = FINGER_PX + 8, tries = [[px - MAG_PX / 2, py - gap - MAG_PX], [px + gap, py - MAG_PX / 2],
    [px - gap - MAG_PX, py - MAG_PX / 2], [px - MAG_PX / 2, py + gap]];
  for (const [l0, t0] of tries) {
    const l = Math.min(Math.max(0, l0), w - MAG_PX), t = Math.min(Math.max(0, t0), hgt - MAG_PX);
    const nx = Math.min(Math.max(px, l), l + MAG_PX), ny = Math.min(Math.max(py, t), t + MAG_PX);
    if (Math.hypot(nx - px, ny - py) >= FINGER_PX) return [l, t];
  }
  return [px < w / 2 ? w - MAG_PX : 0, py < hgt / 2 ? hgt - MAG_PX : 0];
}

async function magnify(e) {
  const m = $("magnifier"), r = $("stagebox").getBoundingClientRect(), [x, y] = pointAt(e);
  const [l, t] = magnifierAt(e.clientX - r.left, e.clientY - r.top, r.width, r.height);
  m.style.display = "block";
  m.style.left = `${l}px`;
  m.style.top = `${t}px`;
  if (C.magBusy) return;
  C.magBusy = true;
  try {
    const resp = await App.api("GET", `/api/consults/${C.consult.id}/closeup?stage=${C.stage}&x=${x.toFixed(1)}&y=${y.toFixed(1)}`, undefined, { raw: true });
    $("mag-img").src = URL.createObjectURL(await resp.blob());
  } catch (ex) { App.toast(ex.message); }
  C.magBusy = false;
}

function layout() {
  // the photo as large as fits with both sliders below it still on screen (no scrolling)
  const c = C.consult, box = $("stagebox"), top = box.getBoundingClientRect().top + window.scrollY;
  const below = $("sliders").getBoundingClientRect().height + 12;
  const maxW = box.parentElement.clientWidth, maxH = Math.max(240, window.innerHeight - top - below);
  const s = Math.min(maxW / c.width, maxH / c.height);
  box.style.width = `${Math.floor(c.width * s)}px`; box.style.height = `${Math.floor(c.height * s)}px`;
  drawOverlay();
}

function editor(c) {
  const num = (id, label, value, min, max, key) => App.field(label, h("input", { id, type: "number", value, min, max,
    onchange: (e) => change({ [key]: Number(e.target.value) }) }));
  const style = h("select", { id: "style", onchange: (e) => change({ style: e.target.value }) },
    ...["soft", "broken", "defined"].map((v) => h("option", { value: v, text: v, selected: v === c.style })));
  const stageSel = h("select", { id: "hair-stage", onchange: (e) => change({ stage: e.target.value }) },
    ...Object.entries(c.hair_stage_options).map(([v, label]) => h("option", { value: v,
      text: v === c.hair_stage_proposed ? `${label} (proposed)` : label, selected: v === c.hair_stage })));
  const shade = h("input", { id: "shade", type: "color", value: c.shade || "#4a4a4a", onchange: (e) => change({ shade: e.target.value }) });
  return h("div", { class: "consult" },
    h("section", {},
      h("p", { class: "warn", id: "pose", role: "status" }),
      h("div", { class: "stagebox", id: "stagebox", "data-idle": "1" },
        h("img", { id: "after", class: "after", alt: "preview of the selected stage" }),
        h("canvas", { id: "drawn", class: "drawn", "aria-hidden": "true" }),
        h("img", { id: "before", class: "before", alt: "the photo before treatment" }),
        h("div", { class: "splitline" }),
        h("canvas", { id: "overlay", "aria-label": "hairline with draggable control points", role: "img" }),
        h("div", { class: "magnifier", id: "magnifier" }, h("img", { id: "mag-img", alt: "close-up at 20 pixels per mm" }))),
      h("div", { class: "sliders", id: "sliders" },
        App.field("Before | after", h("input", { id: "split", type: "range", min: 0, max: 100, value: C.split,
          oninput: (e) => { C.split = Number(e.target.value); $("stagebox").style.setProperty("--split", `${C.split}%`); } })),
        App.field("Timeline", h("input", { id: "timeline", type: "range", min: 0, max: 1, value: 0,
          oninput: async (e) => { C.stageChosen = true;
            C.stage = C.consult.stages.filter((s) => s !== "before")[Number(e.target.value)];
            $("stage-label").textContent = C.consult.stage_labels[C.stage]; await loadPreview(C.stage, $("after")); } }))),
      h("p", {}, h("strong", { id: "stage-label" }), " ", h("span", { class: "muted", id: "dots" })),
      h("div", { class: "controls" }, App.field("Hair loss", stageSel), App.field("Style", style), num("age", "Age", c.age, 18, 95, "age"),
        num("density", "Dots per cm²", c.density_per_cm2, 20, 160, "density_per_cm2"),
        num("sessions", "Sessions", c.sessions, 1, 6, "sessions"),
        num("interval", "Days between", c.interval_days, 7, 90, "interval_days"), App.field("Shade", shade),
        h("label", { class: "inline" }, h("input", { type: "checkbox", id: "mirror", checked: c.mirror,
          onchange: (e) => change({ mirror: e.target.checked }) }), "Mirror"),
        h("label", { class: "inline" }, h("input", { type: "checkbox", id: "show-analysis", checked: true, onchange: drawOverlay }), "Analysis"),
        h("label", { class: "inline" }, h("input", { type: "checkbox", id: "magnify" }), "Magnifier"),
        h("button", { type: "button", class: "secondary", onclick: () => change({ auto_shade: true }), text: "Shade from hair" }),
        h("button", { type: "button", class: "secondary", id: "new-photo", text: "New photo",  // a new consultation
          onclick: () => { $("photo-in").hidden = false; window.scrollTo(0, 0);
            ($("camera-start").hidden ? $("photo") : $("camera-start")).focus(); } })),
      h("ul", { id: "warnings", class: "muted" })),
    h("aside", { class: "card plan" }, h("div", { id: "whole" }, h("p", { class: "muted", role: "status", id: "whole-status" })),
      h("div", { id: "plan" })));
}

App.views.consult = async (clientId) => {
  const client = await App.api("GET", `/api/clients/${clientId}`);
  if (!C.consult) await recall(clientId);
  const resume = C.consult && String(C.consult.client_id) === String(clientId);
  C.clientId = clientId; C.clientName = `${client.first_name} ${client.last_name}`;
  const file = h("input", { type: "file", id: "photo", accept: "image/*", capture: "environment" });
  const status = h("p", { class: "muted", role: "status", id: "upload-status" });
  const holder = h("div", { id: "editor" });
  async function upload(blob, name) {
    const fd = new FormData(); fd.append("file", blob, name);
    status.textContent = "Analysing the photo..."; status.className = "muted";
    try {
      const c = await App.api("POST", `/api/clients/${clientId}/consults`, fd);
      status.textContent = "";
      C.stage = defaultStage(c); C.stageChosen = false; C.shown = {}; C.revision = -1;
      await open(c);
    } catch (ex) { status.textContent = ex.message; status.className = "error"; }
  }
  file.addEventListener("change", () => {
    const f = file.files[0];
    file.value = "";  // the same photo chosen again is a change too (a new consultation)
    if (f) upload(f, f.name);
  });
  // the live camera (camera.js); without it, the file input's capture opens the tablet's camera app
  const camera = SMPCamera.controls((blob) => upload(blob, "camera.jpg"), (why) => {
    status.textContent = `${why}: take the photo with the tablet's camera app, or choose a file.`;
    status.className = "warn";
    file.focus();
    try { file.click(); } catch (ex) { /* no user gesture left: the button below */ }
  });
  const photoIn = h("div", { id: "photo-in" }, camera.node,
    App.field(SMPCamera.available() ? "Or the tablet's camera app, or a file" : "Photo of the face (camera or file)", file));
  async function open(c) {
      camera.close();
      photoIn.hidden = true;  // the photo is taken: room for the preview
      holder.replaceChildren(editor(c));
      const ov = $("overlay");
      ov.addEventListener("pointerdown", onDown); ov.addEventListener("pointermove", onMove);
      ov.addEventListener("pointerup", onUp); ov.addEventListener("pointercancel", onUp);
      ov.addEventListener("pointerleave", () => { $("magnifier").style.display = "none"; });
      C.consult = c; layout(); setConsult(c);
      await Promise.all([loadPreview("before", $("before")), loadPreview(C.stage, $("after"))]);
      $("stagebox").dataset.ready = "1";
  }
  App.show(`${resume ? "Consultation" : "New consultation"}: ${C.clientName}`, photoIn, status, holder);
  if (resume) await open(C.consult);
};
window.addEventListener("resize", () => { if (C.consult && $("stagebox")) layout(); });

})();
