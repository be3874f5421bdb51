// The signed-in user's account: change the password (the current one asked again, the clinic's password
// policy applies, the other sessions end), see and end the other signed-in tablets; for an owner, the
// clinic's users with deactivate / reactivate (their sessions end at once) and "end sessions".
// Routes: /api/auth/password, /api/auth/sessions[/end-others], /api/users[/{id}/deactivate|activate|
// sessions/end] (smpstudio/web/routes/accounts.py). Uses App (app.js).
(() => {
"use strict";
const h = (...a) => App.h(...a);
const api = (...a) => App.api(...a);

/** An error answer in a person's words (a 422's detail list as its messages, first letter capital). */
function words(ex) {
  let msg = ex.message;
  if (msg.startsWith("[{")) {
    try { msg = JSON.parse(msg).map((d) => d.msg.replace(/^Value error, /, "")).join("; "); } catch (e) { /* as is */ }
  }
  const t = msg.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?)]$/.test(t) ? "" : ".");
}

const when = (iso) => App.dateTime(iso); // in the clinic's zone
const ROLE = { owner: "owner", artist: "artist", front_desk: "front desk" };

function passwordForm(onChanged) {
  const current = h("input", { type: "password", id: "pw-current", autocomplete: "current-password", required: true });
  const next = h("input", { type: "password", id: "pw-new", autocomplete: "new-password", required: true, minlength: 12,
    "aria-describedby": "pw-hint" });
  const again = h("input", { type: "password", id: "pw-again", autocomplete: "new-password", required: true });
  const out = h("p", { id: "pw-result", role: "status" });
  const err = h("p", { id: "pw-error", class: "error", role: "alert" });
  const form = h("form", { class: "card", id: "password", onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = ""; out.textContent = "";
    if (next.value !== again.value) { err.textContent = "The two new passwords differ: type the new one twice."; again.focus(); return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const r = await api("POST", "/api/auth/password", { current_password: current.value, new_password: next.value });
      App.csrf = r.csrf_token; // the change replaced this tablet's session (new cookie, new CSRF token)
      sessionStorage.setItem("smp-csrf", App.csrf);
      form.reset();
      out.textContent = `Password changed. ${r.ended === 1 ? "1 other session was" : `${r.ended} other sessions were`} ended; this tablet stays signed in.`;
      onChanged();
    } catch (ex) { err.textContent = words(ex); }
    finally { button.disabled = false; }
  } }, h("h2", { text: "Change password" }),
  h("div", { class: "controls" }, App.field("Current password", current), App.field("New password", next),
    App.field("New password again", again)),
  h("p", { id: "pw-hint", class: "muted", text: "At least 12 characters; a few unrelated words are easiest to remember. "
    + "Common passwords and your own name or e-mail are refused. Your other signed-in tablets are signed out." }),
  err, out, h("button", { type: "submit", text: "Change password" }));
  return form;
}

async function sessionsCard() {
  const list = h("ul", { class: "list", id: "sessions-list" });
  const msg = h("p", { id: "sessions-result", role: "status" });
  const end = h("button", { type: "button", class: "secondary", id: "end-others", text: "End my other sessions" });
  const load = async () => {
    msg.textContent = "";
    const rows = await api("GET", "/api/auth/sessions");
    list.replaceChildren(...rows.map((s) => h("li", {}, h("span", { class: "item" },
      h("span", { text: `Signed in ${when(s.created_at)}` }),
      h("span", { class: s.current ? "" : "muted", text: s.current ? "this tablet" : `until ${when(s.expires_at)}` })))));
    end.disabled = rows.length < 2;
  };
  end.addEventListener("click", async () => {
    try {
      const r = await api("POST", "/api/auth/sessions/end-others");
      await load();
      msg.textContent = `${r.ended === 1 ? "1 other session" : `${r.ended} other sessions`} ended.`;
    } catch (ex) { msg.textContent = words(ex); }
  });
  await load();
  return { card: h("div", { class: "card", id: "sessions" }, h("h2", { text: "Signed-in tablets" }), list, msg, end), load };
}

function userItem(u, me, reload, say) {
  const state = h("span", { class: u.active ? "muted" : "warn", text: u.active ? "active" : "deactivated" });
  const actions = h("div", { class: "row" });
  const act = async (path, done) => {
    try { const r = await api("POST", path); await reload(); say(done(r)); }
    catch (ex) { say(words(ex)); }
  };
  const confirmBox = u.id === me.id ? null : h("div", { class: "row confirm", hidden: true },
    h("span", { text: `Deactivate ${u.name}? Their sessions end at once and they cannot sign in.` }),
    h("button", { type: "button", class: "danger secondary", text: `Yes, deactivate ${u.name}`, onclick: () =>
      act(`/api/users/${u.id}/deactivate`, (r) => `${u.name} was deactivated and signed out.`
        + (r.appointments_ahead === 1 ? " 1 appointment still to come is booked with them: move it on the calendar."
          : r.appointments_ahead ? ` ${r.appointments_ahead} appointments still to come are booked with them: move them`
            + " on the calendar." : "")) }),
    h("button", { type: "button", class: "secondary", text: "Keep", onclick: () => { confirmBox.hidden = true; } }));
  if (u.id !== me.id) {
    if (u.active) {
      actions.append(h("button", { type: "button", class: "secondary danger", text: `Deactivate ${u.name}`,
        onclick: () => { confirmBox.hidden = false; } }));
    } else {
      actions.append(h("button", { type: "button", class: "secondary", text: `Reactivate ${u.name}`, onclick: () =>
        act(`/api/users/${u.id}/activate`, () => `${u.name} can sign in again.`) }));
    }
    if (u.active) { // a deactivated user has no sessions left
      actions.append(h("button", { type: "button", class: "secondary", text: `End ${u.name}'s sessions`, onclick: () =>
        act(`/api/users/${u.id}/sessions/end`, (r) => `${u.name}: ${r.ended === 1 ? "1 session" : `${r.ended} sessions`} ended.`) }));
    }
  }
  return h("li", { class: "user", "data-email": u.email },
    h("div", { class: "item" }, h("span", {}, h("strong", { text: u.name }), ` · ${u.email} · ${ROLE[u.role] || u.role}`
      + (u.id === me.id ? " (you)" : "")), state), actions, confirmBox);
}

async function usersCard(me) {
  const list = h("ul", { class: "list", id: "users-list" });
  const msg = h("p", { id: "users-result", role: "status" });
  const reload = async () => {
    const users = await api("GET", "/api/users");
    list.replaceChildren(...users.map((u) => userItem(u, me, reload, (t) => { msg.textContent = t; })));
  };
  await reload();
  return h("div", { class: "card", id: "users" }, h("h2", { text: "The clinic's users" }), msg, list);
}

App.views.account = async () => {
  const me = await api("GET", "/api/auth/me");
  const sessions = await sessionsCard();
  const parts = [h("p", { text: `Signed in as ${me.name} (${me.email}), ${ROLE[me.role] || me.role}.` }),
    passwordForm(sessions.load), sessions.card];
  if (me.role === "owner") parts.push(await usersCard(me));
  App.show("Account", ...parts);
};
})();
