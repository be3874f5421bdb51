// Running the clinic: a client's
// bookings (book a saved plan's series, reschedule, cancel with a reason), the client's portal links and
// reminder opt-out, and the reminders (queue with every attempt, the clinic's templates). Uses App.
(() => {
"use strict";
const h = (...a) => App.h(...a);
const api = (...a) => App.api(...a);
const K = { me: null, clinic: null, users: null, clients: {} };

async function context() { // again after a sign-in (route() drops App.clinic): the next user may be another clinic's
  if (!K.me || K.clinic !== App.clinic) {
    K.clinic = await App.clinicSettings();
    [K.me, K.users] = await Promise.all([api("GET", "/api/auth/me"), api("GET", "/api/artists")]);
    K.clients = {};
  }
  return K;
}
const artists = () => K.users;
const userName = (id) => (K.users.find((u) => u.id === id) || { name: `user ${id}` }).name;
async function clientName(id) {
  if (!K.clients[id]) K.clients[id] = api("GET", `/api/clients/${id}`).then((c) => `${c.first_name} ${c.last_name}`);
  return K.clients[id];
}

// dates in the clinic's time zone (app.js)
const hm = (iso) => App.time(iso);
const dayWords = (iso) => App.dayWords(iso);
function localInput(iso) { // "YYYY-MM-DDTHH:MM" in the clinic's zone, for <input type=datetime-local>
  return `${App.localDay(iso)}T${hm(iso)}`;
}

/** An error answer in a person's words: a clash list becomes one line per date. */
function words(message) { // a 422's detail list as its messages
  if (!message.startsWith("[{")) return message;
  try { return JSON.parse(message).map((d) => d.msg.replace(/^Value error, /, "")).join("; "); } catch (e) { return message; }
}

function problem(box, ex, lead) {
  const msg = words(ex.message).replace(/^cannot (book|move the appointment): /, "");
  // "2027-01-25 10:00: the artist ..." -> "Monday 25 January 2027, 10:00: the artist ..."
  const parts = msg.split("; ").map((p) => p.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}):/, (_m, d, t) =>
    `${App.plainDayWords(d)}, ${t}:`));
  box.replaceChildren(h("p", { text: lead }),
    parts.length > 1 || /^cannot /.test(ex.message) ? h("ul", { class: "clashes" }, parts.map((p) => h("li", { text: App.sentence(p) })))
      : h("p", { text: App.sentence(msg) }));
}

function appointmentEditor(a, done) {
  const when = h("input", { type: "datetime-local", name: "starts_at", value: localInput(a.starts_at), required: true });
  const artist = h("select", { name: "artist_id" }, artists().map((u) => h("option", { value: u.id, text: u.name, selected: u.id === a.artist_id })));
  const room = h("input", { name: "room", value: a.room, required: true });
  const reason = h("input", { name: "reason", required: true, minlength: 3, placeholder: "e.g. the client asked to move it" });
  const err = h("div", { class: "error", role: "alert" });
  const move = h("button", { type: "submit", text: "Reschedule" });
  const cancel = h("button", { type: "button", class: "secondary danger", text: "Cancel appointment", onclick: async () => {
    if (reason.value.trim().length < 3) { err.textContent = "Write the reason for the cancellation first."; reason.focus(); return; }
    try { await api("POST", `/api/appointments/${a.id}/cancel`, { reason: reason.value.trim() }); App.toast("Appointment cancelled"); done(); }
    catch (ex) { problem(err, ex, "Not cancelled:"); }
  } });
  return h("form", { class: "editor", onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api("PATCH", `/api/appointments/${a.id}`, { starts_at: when.value, artist_id: Number(artist.value),
        room: room.value.trim(), reason: reason.value.trim() });
      App.toast("Appointment moved"); done();
    } catch (ex) { problem(err, ex, "Not moved:"); }
  } }, h("div", { class: "controls" }, App.field("New start", when), App.field("Artist", artist), App.field("Room", room)),
  App.field("Reason (kept in the record)", reason), err, h("div", { class: "row" }, move, cancel));
}

async function appointmentItem(a, reload, withClient) {
  const who = withClient ? await clientName(a.client_id) : null;
  const label = `${hm(a.starts_at)}-${hm(a.ends_at)} ${who ? `${who} · ` : ""}${a.session_number ? `session ${a.session_number} · ` : ""}`
    + `${a.room} · ${userName(a.artist_id)}`;
  const li = h("li", { class: `appt ${a.status}`, "data-id": a.id });
  const btn = h("button", { type: "button", class: "appt-open secondary", "aria-expanded": "false", text: label });
  btn.addEventListener("click", () => {
    const open = li.querySelector(".editor");
    if (open) { open.remove(); btn.setAttribute("aria-expanded", "false"); return; }
    btn.setAttribute("aria-expanded", "true");
    li.append(appointmentEditor(a, reload));
  });
  li.append(a.status === "cancelled" ? h("span", { class: "item muted", text: `${label} · cancelled: ${a.reason || ""}` }) : btn);
  return li;
}

// what the calendar (calendar.js) shares with the bookings page
App.booking = { context, appointmentEditor, clientName, userName };

// ---- a client's bookings, portal links and reminders -------------------------------------------------
App.views.bookings = async (id) => {
  await context();
  const [c, plans, appts, links] = await Promise.all([api("GET", `/api/clients/${id}`), api("GET", `/api/clients/${id}/plans`),
    api("GET", `/api/clients/${id}/appointments`),
    ["owner", "front_desk"].includes(K.me.role) ? api("GET", `/api/clients/${id}/portal-links`) : Promise.resolve(null)]);
  const reload = () => App.views.bookings(id);
  // book
  const plan = h("select", { name: "plan_id", id: "book-plan" }, h("option", { value: "", text: "No plan (one appointment)" }),
    [...plans].reverse().map((p, i) => h("option", { value: p.id, text: `Plan version ${p.version}`, selected: i === 0 })));
  const number = h("input", { type: "number", name: "session_number", min: 1, max: 100, value: 1, id: "book-number" });
  const series = h("input", { type: "checkbox", name: "series", checked: true, id: "book-series" });
  const seriesRow = h("label", { class: "inline" }, series, "Book every later session of the plan at its intervals");
  const when = h("input", { type: "datetime-local", name: "starts_at", required: true, id: "book-when" });
  const artist = h("select", { name: "artist_id", id: "book-artist" }, artists().map((u) => h("option", { value: u.id, text: u.name })));
  const room = h("input", { name: "room", value: "Chair 1", required: true, id: "book-room" });
  const minutes = h("input", { type: "number", name: "duration_min", min: 15, max: 720, step: 15, value: 120, id: "book-minutes" });
  const minutesField = App.field("Minutes (without a plan)", minutes);
  const err = h("div", { class: "error", role: "alert", id: "book-error" });
  const planChosen = () => {
    number.disabled = series.disabled = !plan.value; seriesRow.hidden = !plan.value; minutesField.hidden = Boolean(plan.value);
  };
  plan.addEventListener("change", planChosen);
  const book = h("form", { class: "card", id: "book", onsubmit: async (e) => {
    e.preventDefault();
    err.replaceChildren();
    const body = { starts_at: when.value, artist_id: Number(artist.value), room: room.value.trim() };
    if (plan.value) Object.assign(body, { plan_id: Number(plan.value), session_number: Number(number.value), series: series.checked });
    else body.duration_min = Number(minutes.value);
    try {
      const made = await api("POST", `/api/clients/${id}/appointments`, body);
      App.toast(`${made.length} appointment${made.length > 1 ? "s" : ""} booked`);
      await reload();
    } catch (ex) { problem(err, ex, "Nothing was booked:"); }
  } }, h("h2", { text: "Book" }),
  h("div", { class: "controls" }, App.field("Plan", plan), App.field("From session", number), App.field("Start (first session)", when),
    App.field("Artist", artist), App.field("Room", room), minutesField),
  seriesRow, err,
  h("button", { type: "submit", text: "Book" }));
  // the client's appointments
  const list = h("ul", { class: "list", id: "appointments" });
  for (const a of appts) {
    const li = await appointmentItem(a, reload, false);
    li.prepend(h("span", { class: "when", text: dayWords(a.starts_at) }));
    list.append(li);
  }
  if (!appts.length) list.append(h("li", {}, h("span", { class: "item muted", text: "No appointments yet" })));
  // reminders opt-out
  const optOut = h("input", { type: "checkbox", id: "opt-out", checked: c.reminders_opt_out });
  optOut.addEventListener("change", async () => {
    try { await api("PATCH", `/api/clients/${id}`, { reminders_opt_out: optOut.checked });
      App.toast(optOut.checked ? "No more reminders will be sent to this client" : "Reminders are sent again"); }
    catch (ex) { optOut.checked = !optOut.checked; App.toast(ex.message); }
  });
  const parts = [h("div", { class: "row" }, h("a", { class: "button secondary", href: `#/client/${id}`, text: "Client's page" }),
    h("a", { class: "button secondary", href: `/api/clients/${id}/appointments.ics`, text: "Calendar file (.ics)" })),
  book, h("div", { class: "card" }, h("h2", { text: "Appointments" }), list),
  h("div", { class: "card" }, h("h2", { text: "Reminders" }),
    h("label", { class: "inline" }, optOut, "The client does not want reminders (opt-out)"))];
  if (links) parts.push(portalCard(id, links, reload));
  planChosen();
  App.show(`Bookings: ${c.first_name} ${c.last_name}`, ...parts);
};

function portalCard(id, links, reload) {
  const days = h("input", { type: "number", name: "days", min: 1, max: 365, value: 30, id: "portal-days" });
  const shown = h("div", { id: "portal-new", "aria-live": "polite" });
  const state = (l) => l.revoked_at ? `revoked ${App.dateTime(l.revoked_at)}` :
    (new Date(l.expires_at) < new Date() ? `expired ${App.dateTime(l.expires_at)}` : `open until ${App.dateTime(l.expires_at)}`);
  return h("div", { class: "card", id: "portal" }, h("h2", { text: "Client portal" }),
    h("p", { class: "muted", text: "A link the client opens on a phone, without an account: plan, appointments, aftercare, pack." }),
    h("form", { class: "row", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const made = await api("POST", `/api/clients/${id}/portal-links`, { days: Number(days.value) });
        await reload();
        const box = document.getElementById("portal-new");
        const url = h("input", { readonly: true, value: made.url, id: "portal-url", "aria-label": "Portal link", class: "wide" });
        box.replaceChildren(h("p", { text: "Give this link to the client now: it is shown only once." }), url);
        url.select();
      } catch (ex) { App.toast(ex.message); }
    } }, App.field("Valid for (days)", days), h("button", { type: "submit", text: "Make a link" })), shown,
    h("ul", { class: "list", id: "portal-links" }, links.map((l) => h("li", {}, h("span", { class: "item" },
      h("span", { text: `Link ${l.id}, made ${App.date(l.created_at)}: ${state(l)}` }),
      l.revoked_at ? null : h("button", { type: "button", class: "secondary", text: "Revoke", onclick: async () => {
        try { await api("POST", `/api/portal-links/${l.id}/revoke`); App.toast("Link revoked"); await reload(); }
        catch (ex) { App.toast(ex.message); }
      } }))))));
}

// ---- reminders ---------------------------------------------------------------------------------------
App.views.reminders = async () => {
  await context();
  const owner = K.me.role === "owner";
  if (!owner) { App.show("Reminders", h("p", { class: "card", text: "The reminders are the owner's to manage." })); return; }
  const [queue, templates] = await Promise.all([api("GET", "/api/reminders/queue"), api("GET", "/api/reminder-templates")]);
  const rows = await Promise.all(queue.map(async (r) => h("tr", {},
    h("td", { text: await clientName(r.client_id) }), h("td", { text: r.kind.replace("_", " ") }),
    h("td", { text: `${dayWords(r.due_at)} ${hm(r.due_at)}` }), h("td", { text: r.detail }),
    h("td", { class: `status ${r.status}`, text: r.status }),
    h("td", {}, r.tries.length ? h("ul", { class: "tries" }, r.tries.map((t) => h("li", { text:
      `${App.dateTime(t.at)} to ${t.to}: ${t.ok ? "sent" : `failed: ${t.error || "unknown error"}`}` })))
      : h("span", { class: "muted", text: "not tried yet" })))));
  const table = h("table", { class: "queue", id: "queue" }, h("caption", { text: "Queue: every message and each attempt" }),
    h("thead", {}, h("tr", {}, ["Client", "Kind", "Due", "About", "Status", "Attempts"].map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 6, class: "muted", text: "Nothing queued" }))));
  const run = h("button", { type: "button", id: "run-reminders", text: "Queue what is due and send now", onclick: async () => {
    try { const r = await api("POST", "/api/reminders/run"); App.toast(`${r.queued} queued, ${r.sent} sent, ${r.failed} failed`); App.views.reminders(); }
    catch (ex) { App.toast(ex.message); }
  } });
  const editors = templates.filter((t) => t.channel === "email").map((t) => {
    const subject = h("input", { name: "subject", value: t.subject, required: true, class: "wide" });
    const body = h("textarea", { name: "body", rows: 6, required: true, class: "wide" });
    body.value = t.body;
    return h("form", { class: "card template", "data-kind": t.kind, onsubmit: async (e) => {
      e.preventDefault();
      try { await api("PUT", "/api/reminder-templates", { kind: t.kind, channel: t.channel, subject: subject.value, body: body.value });
        App.toast("Template saved"); }
      catch (ex) { App.toast(ex.message); }
    } }, h("h3", { text: `${t.kind.replace("_", " ")} (${t.channel})` }), App.field("Subject", subject), App.field("Message", body),
    h("p", { class: "muted", text: `Placeholders: ${t.placeholders.join(", ")}` }), h("button", { type: "submit", text: "Save template" }));
  });
  App.show("Reminders", h("div", { class: "card" }, run, h("div", { class: "scroll" }, table)),
    h("h2", { text: "Templates" }), ...editors);
};
})();
