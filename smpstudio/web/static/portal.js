// The client's portal (phone, no account): the link's token is the URL's # part (never sent with a URL);
// the page sends it in the X-Portal-Token header, shows what the link opens (pictures and PDFs fetched the
// same way, as blobs), or says in words why the link opens nothing.
"use strict";
(() => {
const token = location.hash.replace(/^#/, "");
const get = (path) => fetch(`/api/portal${path}`, { headers: { "X-Portal-Token": token }, credentials: "omit",
  referrerPolicy: "no-referrer", cache: "no-store" });

async function blobUrl(path) {
  const r = await get(path);
  if (!r.ok) throw new Error(`${r.status}`);
  return URL.createObjectURL(await r.blob());
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v; else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}
const date = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-GB",
  { weekday: "short", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

function closed(message) {
  document.title = "Link not valid";
  const main = document.getElementById("portal");
  main.replaceChildren(h("section", { class: "card closed", id: "closed" }, h("h1", { text: "This link cannot be opened" }),
    h("p", { text: message.charAt(0).toUpperCase() + message.slice(1) + "." }),
    h("p", { text: "Nothing of your record is shown here. The clinic can send you a new link." })));
  main.focus();
}

function show(p) {
  document.getElementById("clinic-name").textContent = p.clinic;
  document.title = `Your plan - ${p.clinic}`;
  const parts = [h("h1", { text: `Hello ${p.first_name}` }),
    h("p", { class: "muted", text: `This page is yours until ${p.expires_words} (the clinic's time). Keep the link private.` })];
  if (p.plan) {
    // once a session is booked the plan's first dates are out of date: the others are "not booked yet"
    const anyBooked = p.plan.sessions.some((s) => s.booked);
    const pics = !p.pictures.length ? null : h("div", { class: "pics" }, [["before", "Before"], ["after", "After the last session, healed"]].map(([k, label]) =>
      h("figure", {}, h("img", { alt: `${label}: your saved plan`, id: `pic-${k}`, "data-src": `/pictures/${k}.jpg`, width: 320, height: 300 }),
        h("figcaption", { text: label }))));
    parts.push(h("section", { class: "card", id: "plan" }, h("h2", { text: "Your plan" }), pics,
      h("table", {}, h("caption", { text: "Sessions" }),
        h("thead", {}, h("tr", {}, ["Session", "Date", "About", "Shade"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, p.plan.sessions.map((s) => h("tr", {}, h("td", { text: String(s.number) }),
          h("td", { text: s.booked ? `booked: ${s.booked}` : (anyBooked || !s.dates.length ? "not booked yet"
            : `planned: ${s.dates.map(date).join(" and ")}`) }),
          h("td", { text: `${s.hours} h` }), h("td", { text: s.shade }))))),
      h("p", { class: "price", id: "price" }, "Price: ", h("strong", { text: p.plan.price_text }),
        " (consultation and sessions, as in your quote)"),
      p.plan.touch_up ? h("p", { text: `Touch-up: ${p.plan.touch_up}.` }) : null));
  } else {
    parts.push(h("section", { class: "card" }, h("h2", { text: "Your plan" }), h("p", { text: "The clinic has not saved your plan yet." })));
  }
  parts.push(h("section", { class: "card", id: "appointments" }, h("h2", { text: "Your appointments" }),
    p.appointments.length ? h("ul", { class: "list" }, p.appointments.map((a) => h("li", {},
      h("strong", { text: a.when }), h("br"),
      h("span", { text: `${a.session_number ? `Session ${a.session_number} · ` : ""}with ${a.artist} · ${a.room}` }))))
      : h("p", { text: "No appointment booked yet." }),
    p.clinic_address ? h("p", { class: "muted", text: `${p.clinic}, ${p.clinic_address}` }) : null));
  if (p.aftercare.length) {
    const n = p.aftercare[0].until.length;
    parts.push(h("section", { class: "card", id: "aftercare" }, h("h2", { text: "Aftercare" }),
      h("p", { text: "After each session, keep each rule up to and including the date shown." }),
      h("ul", { class: "rules" }, p.aftercare.map((r) => h("li", {}, h("strong", { text: r.rule }),
        h("br"), h("span", { text: r.until.map((u, i) => `after session ${i + 1}: ${/^\d{4}-/.test(u) ? date(u) : u || "-"}`)
          .slice(0, n).join("; ") })))),
      h("ul", {}, p.aftercare_also.map((t) => h("li", { text: t })))));
  }
  if (p.plan && !p.pack.length) {
    parts.push(h("section", { class: "card", id: "pack" }, h("h2", { text: "Your documents" }),
      h("p", { text: "Your printed plan and quote are with the clinic; ask for a copy." })));
  }
  if (p.pack.length) {
    parts.push(h("section", { class: "card", id: "pack" }, h("h2", { text: "Your documents" }),
      h("ul", { class: "list" }, p.pack.map((f) => h("li", {}, h("button", { type: "button", class: "button",
        "data-pack": f.name, text: `${f.label} (PDF)` }))))));
  }
  const main = document.getElementById("portal");
  main.replaceChildren(...parts);
  for (const img of main.querySelectorAll("img[data-src]")) {
    blobUrl(img.dataset.src).then((u) => { img.src = u; }).catch(() => { img.alt = "The picture could not be loaded"; });
  }
  for (const b of main.querySelectorAll("button[data-pack]")) {
    b.addEventListener("click", async () => {
      try {
        const a = h("a", { href: await blobUrl(`/pack/${b.dataset.pack}`), download: b.dataset.pack });
        document.body.append(a); a.click(); a.remove();
      } catch (e) { b.textContent = "Could not download: try again later"; }
    });
  }
}

window.addEventListener("DOMContentLoaded", async () => {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) { closed("this link is not complete: check that it was copied whole"); return; }
  try {
    const r = await get("");
    const body = await r.json();
    if (!r.ok) { closed(typeof body.detail === "string" ? body.detail : "this link is not valid"); return; }
    show(body);
  } catch (e) { closed("the clinic's server could not be reached; try again later"); }
});
})();
