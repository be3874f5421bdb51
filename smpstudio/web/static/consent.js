// The consent page: the consent text, the previews shown for the current design, the client's signature
// drawn on a canvas; "Sign and save" stores the plan and the consent (consult.js holds the consultation,
// App.C, and recalls it after a reload). Uses App from app.js.
(() => {
"use strict";

const C = App.C;
const h = (...a) => App.h(...a);

App.views.consent = async () => {
  if (!C.consult && !(await App.kept.recall())) { location.hash = "#/clients"; return; }
  const t = await App.api("GET", "/api/consent-text");
  const pad = h("canvas", { class: "sigpad", id: "sigpad", "aria-label": "signature pad: sign with a finger" });
  const signer = h("input", { id: "signer", value: C.clientName, autocomplete: "off" });
  const shown = Object.entries(C.shown);
  const save = async () => {
    try {
      const png = pad.toDataURL("image/png").split(",")[1];
      const r = await App.api("POST", `/api/consults/${C.consult.id}/save`, { signer: signer.value,
        consent_version: t.version, signature_png_base64: png, preview_sha256: shown.map(([, v]) => v), revision: C.revision });
      App.toast(`Saved as plan version ${r.plan_version}`);
      App.kept.forget();
      location.hash = `#/client/${C.clientId}`;
    } catch (ex) { App.toast(ex.message); }
  };
  App.show("Consent",
    h("div", { class: "card" }, h("p", { class: "muted", text: `Version ${t.version}` }), h("div", { class: "consenttext", tabindex: "0", role: "region", "aria-label": "consent text", text: t.text })),
    h("div", { class: "card" }, h("h2", { text: "The previews shown" }), h("ul", {}, shown.map(([k, v]) =>
      h("li", {}, `${C.consult.stage_labels[k] || k}: `, h("code", { text: v.slice(0, 16) }))))),
    h("div", { class: "card" }, App.field("Signed by", signer), h("p", { text: "Signature" }), pad,
      h("div", { class: "row" }, h("button", { type: "button", class: "secondary", onclick: () => clearPad(pad), text: "Clear" }),
        h("button", { type: "button", id: "sign-save", onclick: save, text: "Sign and save" }),
        h("a", { class: "button secondary", href: `#/consult/${C.clientId}`, text: "Back" }))));
  clearPad(pad);
  let last = null;
  pad.addEventListener("pointerdown", (e) => { pad.setPointerCapture(e.pointerId); last = [e.offsetX, e.offsetY]; });
  pad.addEventListener("pointermove", (e) => {
    if (!last) return;
    const g = pad.getContext("2d"), k = pad.width / pad.clientWidth;
    g.lineWidth = 3 * k; g.lineCap = "round"; g.strokeStyle = "#000";
    g.beginPath(); g.moveTo(last[0] * k, last[1] * k); g.lineTo(e.offsetX * k, e.offsetY * k); g.stroke();
    last = [e.offsetX, e.offsetY];
  });
  pad.addEventListener("pointerup", () => { last = null; });
};

function clearPad(pad) {
  pad.width = pad.clientWidth * 2; pad.height = pad.clientHeight * 2;
  const g = pad.getContext("2d"); g.fillStyle = "#fff"; g.fillRect(0, 0, pad.width, pad.height);
}
})();
