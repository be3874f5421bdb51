// SMP Studio tablet app: sign in, clients, a client's page. The consultation and consent views are in
// consult.js, calendar/bookings/reminders in clinic.js, session day in sessionday.js. Plain JS, no build
// step; every request goes to this server only.
"use strict";

const App = {
  csrf: sessionStorage.getItem("smp-csrf") || "",
  views: {},
};

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}
App.h = h;

function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove("show"), 4000);
}
App.toast = toast;

const BUSY_RETRIES = 2, BUSY_WAIT_MAX_S = 15;
async function api(method, path, body, opts = {}) {
  const headers = {};
  if (method !== "GET") headers["X-CSRF-Token"] = App.csrf;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const send = () => fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  let r = await send();
  // 503 with Retry-After: the service was busy (decode slots, the database's write slot, the sign-in
  // queue) and stored nothing; wait as it asks (at most BUSY_WAIT_MAX_S) and send the same request again
  for (let i = 0; i < BUSY_RETRIES && r.status === 503 && r.headers.get("Retry-After"); i++) {
    const wait = Math.min(BUSY_WAIT_MAX_S, Math.max(1, Number(r.headers.get("Retry-After")) || 1));
    toast(`The service is busy; trying again in ${wait} s`);
    await new Promise((ok) => setTimeout(ok, wait * 1000));
    r = await send();
  }
  if (r.status === 401 && !opts.quiet) { location.hash = "#/signin"; throw new Error("sign in first"); }
  if (!r.ok) {
    let detail = r.statusText;
    try { const j = await r.json(); detail = typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail); }
    catch (e) { /* not JSON */ }
    throw Object.assign(new Error(detail), { status: r.status });
  }
  if (opts.raw) return r;
  return r.status === 204 ? null : r.json();
}
App.api = api;

// ---- times in the clinic's zone (its setting, as in the .ics), never the browser's ----------------
App.clinic = null; // GET /api/clinic of the signed-in user, loaded by route() before a view
async function clinicSettings() {
  if (!App.clinic) App.clinic = await api("GET", "/api/clinic");
  return App.clinic;
}
App.clinicSettings = clinicSettings;
const inZone = (opts) => new Intl.DateTimeFormat("en-GB", { timeZone: App.clinic ? App.clinic.timezone : "UTC", ...opts });
/** "14:05": the clock time of an instant where the clinic is. */
App.time = (iso) => inZone({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
/** "3 Dec 2026, 14:05" where the clinic is. */
App.dateTime = (iso) => inZone({ dateStyle: "medium", timeStyle: "short", hourCycle: "h23" }).format(new Date(iso));
/** "3 Dec 2026": the clinic's day of an instant. */
App.date = (iso) => inZone({ dateStyle: "medium" }).format(new Date(iso));
/** "Thursday 3 December 2026": the clinic's day of an instant, in words. */
App.dayWords = (iso) => inZone({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(new Date(iso));
/** "YYYY-MM-DD": the clinic's day of an instant (for date inputs and comparisons). */
App.localDay = (iso) => {
  const p = Object.fromEntries(inZone({ year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(iso))
    .map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
};
App.today = () => App.localDay(new Date().toISOString());
/** A calendar date without a time ("1979-04-12", a date of birth, a session's date) as "12 Apr 1979". */
App.plainDate = (day) => (day ? new Date(`${day}T12:00:00Z`).toLocaleDateString("en-GB",
  { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }) : "");
/** A calendar date in words ("Monday 25 January 2027"), whatever the browser's zone. */
App.plainDayWords = (day) => new Date(`${day}T12:00:00Z`).toLocaleDateString("en-GB",
  { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** Under a native date / datetime-local input (it shows the browser's own format, e.g. mm/dd/yyyy): what it
 * holds, in words, and for a time the clinic's zone it is read in. Returns the hint element. */
App.dateHint = (input) => {
  const hint = h("p", { class: "muted hint", "aria-live": "polite", id: `${input.id || input.name}-words` });
  const say = () => {
    const [day, time] = input.value.split("T");
    hint.textContent = !day ? "" : time ? `${App.plainDayWords(day)}, ${time.slice(0, 5)} (${App.clinic ? App.clinic.timezone : "UTC"} time)`
      : App.plainDayWords(day);
  };
  input.addEventListener("input", say);
  input.addEventListener("change", say);
  say();
  return hint;
};

function show(title, ...nodes) {
  const v = document.getElementById("view");
  v.replaceChildren(h("h1", { text: title }), ...nodes.flat().filter((n) => n !== null && n !== undefined));
  document.title = `${title} - SMP Studio`;
  v.focus();
}
App.show = show;

function field(label, input) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const dated = input.tagName === "INPUT" && ["date", "datetime-local"].includes(input.type);
  return h("div", {}, h("label", { for: id, text: label }), input, dated ? App.dateHint(input) : null);
}
App.field = field;

// ---- sign in -------------------------------------------------------------------------------------
App.views.signin = () => {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const pw = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const err = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card signin", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api("POST", "/api/auth/login", { email: email.value, password: pw.value }, { quiet: true });
      App.csrf = r.csrf_token;
      sessionStorage.setItem("smp-csrf", App.csrf);
      location.hash = "#/clients";
    } catch (ex) { err.textContent = ex.message; }
  } }, field("E-mail", email), field("Password", pw), err, h("button", { type: "submit", text: "Sign in" }));
  show("Sign in", form);
};

// ---- clients -------------------------------------------------------------------------------------
App.views.clients = async () => {
  const q = h("input", { type: "search", name: "q", placeholder: "name", "aria-label": "Search clients" });
  const list = h("ul", { class: "list", id: "client-list" });
  const load = async () => {
    const rows = await api("GET", `/api/clients?q=${encodeURIComponent(q.value.trim())}`);
    list.replaceChildren(...rows.map((c) => h("li", {}, h("a", { href: `#/client/${c.id}` },
      h("span", { text: `${c.last_name}, ${c.first_name}` }),
      h("span", { class: "muted", text: c.date_of_birth ? `born ${App.plainDate(c.date_of_birth)}` : "" })))));
    if (!rows.length) list.append(h("li", {}, h("span", { class: "item muted", text: "No client found" })));
  };
  q.addEventListener("input", () => { clearTimeout(q.t); q.t = setTimeout(load, 250); });
  const first = h("input", { name: "first_name", required: true, autocomplete: "off" });
  const last = h("input", { name: "last_name", required: true, autocomplete: "off" });
  const add = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const c = await api("POST", "/api/clients", { first_name: first.value, last_name: last.value });
      location.hash = `#/client/${c.id}`;
    } catch (ex) { toast(ex.message); }
  } }, h("h2", { text: "New client" }), h("div", { class: "row" }, field("First name", first),
    field("Last name", last), h("button", { type: "submit", text: "Create client" })));
  show("Clients", h("div", { class: "card" }, field("Search", q), list), add);
  await load();
};

// ---- a client's page -----------------------------------------------------------------------------
App.views.client = async (id) => {
  const [c, consents, summaries, photos, sessions, drafts] = await Promise.all([
    api("GET", `/api/clients/${id}`), api("GET", `/api/clients/${id}/consents`),
    api("GET", `/api/clients/${id}/plans`), api("GET", `/api/clients/${id}/photos`),
    api("GET", `/api/clients/${id}/sessions`), api("GET", `/api/clients/${id}/consults`)]);
  const name = `${c.first_name} ${c.last_name}`;
  const when = App.dateTime;
  const plans = await Promise.all(summaries.slice(-10).map((p) => api("GET", `/api/plans/${p.id}`)));
  const intake = Object.entries(c.medical_intake || {}).map(([k, v]) => `${k.replaceAll("_", " ")}: ${v ? "yes" : "no"}`);
  const thumbs = h("div", { class: "thumbs" });
  for (const p of photos) {
    const r = await api("GET", `/api/photos/${p.id}/thumbnail`, undefined, { raw: true });
    thumbs.append(h("img", { src: URL.createObjectURL(await r.blob()), alt: `photo ${p.id}: ${p.view}, ${p.phase}` }));
  }
  show(`${c.first_name} ${c.last_name}`,
    h("div", { class: "row" },
      h("a", { class: "button", href: `#/consult/${id}`, id: "new-consult", text: "New consultation" }),
      h("a", { class: "button secondary", href: `#/session/${id}`, text: "Session day" }),
      h("a", { class: "button secondary", href: `#/bookings/${id}`, id: "bookings-link", text: "Bookings and portal" })),
    drafts.length ? h("div", { class: "card" }, h("h2", { text: "Consultations in progress" }),
      h("ul", { class: "list", id: "drafts" }, drafts.map((d) => h("li", {}, h("button", {
        type: "button", class: "item secondary", "data-draft": d.id, onclick: () => App.kept.resume(d.id, id, name),
        text: `Resume the consultation of ${when(d.created_at)} (last change ${when(d.updated_at)})` }))))) : null,
    h("div", { class: "card" }, h("h2", { text: "Intake" }),
      h("p", { text: intake.length ? intake.join("; ") : "No intake answers recorded." }),
      c.contraindications.length ? h("p", { class: "warn", text: `Contraindications: ${c.contraindications.join(", ")}` }) : null),
    h("div", { class: "card" }, h("h2", { text: "Plans" }), h("ul", { class: "list", id: "plans" },
      plans.map((p) => h("li", {}, h("span", { class: "item", text:
        `Version ${p.version} - ${App.date(p.created_at)} - ${p.plan_json.sessions ? p.plan_json.sessions.length : 0} sessions, `
        + `${p.plan_json.pattern ? p.plan_json.pattern.dots : "?"} dots`
        + (p.plan_json.consultation ? ` - from photo ${p.plan_json.consultation.photo_id}` : "") }))))),
    h("div", { class: "card" }, h("h2", { text: "Consents" }), h("ul", { class: "list", id: "consents" },
      consents.map((k) => h("li", {}, h("a", { href: `/api/consents/${k.id}/pdf`, target: "_blank" },
        h("span", { text: `Consent ${k.version}, signed ${when(k.signed_at)}` }),
        h("span", { class: "muted", text: "PDF" })))))),
    h("div", { class: "card" }, h("h2", { text: "Photos" }), thumbs),
    h("div", { class: "card" }, h("h2", { text: "Sessions" }), h("ul", { class: "list", id: "sessions" },
      sessions.map((s) => h("li", {}, h("span", { class: "item", text:
        `Session ${s.number} - ${App.plainDate(s.date)} - ${s.status}${s.dilution ? ` - ${s.dilution}` : ""}` }))))));
};

// session day: sessionday.js; calendar, bookings, reminders: clinic.js

// ---- routing -------------------------------------------------------------------------------------
async function route() {
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  const view = App.views[name || "clients"] || App.views.clients;
  document.getElementById("signout").hidden = name === "signin";
  if (name === "signin") App.clinic = null; // the next user may be another clinic's
  try { if (name !== "signin") await clinicSettings(); await view(arg); } catch (ex) { if (name !== "signin") toast(ex.message); }
}
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  document.getElementById("signout").addEventListener("click", async () => {
    try { await api("POST", "/api/auth/logout"); } catch (e) { /* already out */ }
    location.hash = "#/signin";
  });
  route();
});
