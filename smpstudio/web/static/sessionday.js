// Session day: the session's record (date, status, plan, consent, lots, zones, photos, adverse events)
// with the safety checks for its date in words before anything is written, and the owner's override with a
// written reason. Uses App from app.js.
(() => {
"use strict";
const h = (...a) => App.h(...a);

function checksPanel() {
  const box = h("div", { class: "card checks", id: "checks", "aria-live": "polite" });
  box.append(h("h2", { text: "Before you start" }));
  return box;
}

function showChecks(box, check, reasonBox) {
  box.replaceChildren(h("h2", { text: "Before you start" }));
  if (check.ok) {
    box.append(h("p", { class: "ok", id: "checks-ok", text: "Everything is in order for this date." }));
    reasonBox.hidden = true;
    return;
  }
  box.append(h("p", { text: "This session cannot be started or marked done yet:" }),
    h("ul", { class: "refusals", id: "refusals" }, check.refusals.map((r) => h("li", {},
      h("strong", { text: `${r.title}: ` }), h("span", { text: sentence(r.message) }),
      r.overridable ? null : h("span", { class: "muted", text: " This cannot be overridden." })))));
  reasonBox.hidden = !check.can_override;
  if (!check.can_override && check.refusals.every((r) => r.overridable)) {
    box.append(h("p", { class: "muted", text: "Only the clinic's owner may go ahead anyway, with a written reason." }));
  }
}

function sentence(text) {
  const t = text.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?)]$/.test(t) ? "" : ".");
}
App.sentence = sentence;

App.views.session = async (id) => {
  const [c, plans, consents, lots] = await Promise.all([App.api("GET", `/api/clients/${id}`),
    App.api("GET", `/api/clients/${id}/plans`), App.api("GET", `/api/clients/${id}/consents`), App.api("GET", "/api/lots")]);
  const opt = (rows, label) => [h("option", { value: "", text: "-" }), ...rows.map((r) => h("option", { value: r.id, text: label(r) }))];
  const sel = (name, rows, label) => h("select", { name }, ...opt(rows, label));
  const f = {
    date: h("input", { type: "date", name: "date", value: App.today(), required: true }),
    status: h("select", { name: "status" }, ...["planned", "started", "done", "cancelled"].map((s) => h("option", { value: s, text: s }))),
    plan_id: sel("plan_id", plans, (p) => `version ${p.version}`),
    consent_id: sel("consent_id", consents, (k) => `${k.version}, signed ${App.dateTime(k.signed_at)}`),
    pigment_lot_id: sel("pigment_lot_id", lots.filter((l) => l.kind === "pigment"), (l) => `${l.product} ${l.lot_number}`),
    needle_lot_id: sel("needle_lot_id", lots.filter((l) => l.kind === "needle"), (l) => `${l.product} ${l.lot_number}`),
    dilution: h("input", { name: "dilution", placeholder: "e.g. 3:1" }),
    duration_min: h("input", { type: "number", name: "duration_min", min: 0, max: 1440 }),
    adverse_events: h("textarea", { name: "adverse_events", rows: 2 }),
    notes: h("textarea", { name: "notes", rows: 2 }),
    override_reason: h("textarea", { name: "override_reason", rows: 3, id: "override-reason" }),
  };
  const zones = ["hairline", "frontal", "mid_scalp", "crown", "temples"].map((z) =>
    h("label", { class: "inline" }, h("input", { type: "checkbox", name: "zone", value: z }), z.replace("_", " ")));
  const before = h("input", { type: "file", accept: "image/*", capture: "environment", name: "before" });
  const after = h("input", { type: "file", accept: "image/*", capture: "environment", name: "after" });
  const checks = checksPanel();
  const reasonBox = h("div", { class: "override", id: "override", hidden: true },
    App.field("Owner's reason to go ahead anyway (at least 15 characters; stored and audited)", f.override_reason));
  const err = h("div", { class: "error", role: "alert", id: "session-error" });
  const refresh = async () => {
    const q = new URLSearchParams({ day: f.date.value });
    if (f.pigment_lot_id.value) q.set("pigment_lot_id", f.pigment_lot_id.value);
    if (f.consent_id.value) q.set("consent_id", f.consent_id.value);
    try { showChecks(checks, await App.api("GET", `/api/clients/${id}/session-check?${q}`), reasonBox); }
    catch (ex) { checks.replaceChildren(h("h2", { text: "Before you start" }), h("p", { class: "error", text: ex.message })); }
  };
  for (const k of ["date", "pigment_lot_id", "consent_id"]) f[k].addEventListener("change", refresh);
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = "";
    const body = { date: f.date.value, status: f.status.value,
      zones: zones.map((l) => l.firstChild).filter((x) => x.checked).map((x) => ({ zone: x.value })) };
    for (const k of ["plan_id", "consent_id", "pigment_lot_id", "needle_lot_id", "duration_min"]) if (f[k].value) body[k] = Number(f[k].value);
    for (const k of ["dilution", "adverse_events", "notes", "override_reason"]) if (f[k].value.trim()) body[k] = f[k].value.trim();
    try {
      const s = await App.api("POST", `/api/clients/${id}/sessions`, body);
      for (const [input, phase] of [[before, "before"], [after, "after"]]) {
        if (!input.files.length) continue;
        const fd = new FormData();
        fd.append("file", input.files[0]); fd.append("view", "front"); fd.append("phase", phase);
        fd.append("session_id", String(s.id));
        await App.api("POST", `/api/clients/${id}/photos`, fd);
      }
      App.toast(`Session ${s.number} recorded${s.override_reason ? " (owner's override recorded)" : ""}`);
      location.hash = `#/client/${id}`;
    } catch (ex) {
      // the API's hint names its field (override_reason): say it as the page does
      const hint = /\(to go ahead anyway, give override_reason: (at least \d+ characters)\)/.exec(ex.message);
      const why = ex.message.replace(/ \((to go ahead anyway|only an owner may override)[^)]*\)$/, "");
      err.replaceChildren(h("p", { text: "Not recorded." }), h("p", { text: sentence(why) }),
        hint ? h("p", { text: `To go ahead anyway, write the owner's reason: ${hint[1]}.` }) : null);
      await refresh();
    }
  } },
  h("div", { class: "controls" }, App.field("Date", f.date), App.field("Status", f.status), App.field("Plan", f.plan_id),
    App.field("Consent", f.consent_id), App.field("Pigment lot", f.pigment_lot_id), App.field("Needle lot", f.needle_lot_id),
    App.field("Dilution", f.dilution), App.field("Minutes", f.duration_min)),
  h("fieldset", {}, h("legend", { text: "Zones treated" }), h("div", { class: "row" }, zones)),
  h("div", { class: "row" }, App.field("Photo before", before), App.field("Photo after", after)),
  App.field("Adverse events", f.adverse_events), App.field("Notes", f.notes), reasonBox, err,
  h("button", { type: "submit", text: "Record session" }));
  App.show(`Session day: ${c.first_name} ${c.last_name}`, checks, form);
  await refresh();
};
})();
