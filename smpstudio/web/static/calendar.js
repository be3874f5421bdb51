// The calendar (#/calendar/DAY,SPAN,ARTIST): an hour-by-day grid in the clinic's time zone. Week: one column a
// day (one artist's bookings, or everyone's side by side); day: one column an artist (or the one chosen). Rows
// are the hours of the clinic's opening span (GET /api/clinic opens_hour..closes_hour, widened to any booking
// outside it); each booking is a block placed at its start and sized by its duration; bookings that overlap in
// a column share it side by side. Tap a block to reschedule or cancel it (App.booking from clinic.js).
(() => {
"use strict";
const h = (...a) => App.h(...a);
const HOUR_PX = 96; // 30 minutes = 48 px: a half-hour booking is a whole touch target
const MIN_SHOWN_MIN = 30; // a shorter booking is drawn 30 min tall (its times are written on it) and laid out so
const LANE_MIN_PX = 56; // a block's least width (48 px touch target + its margins); the grid scrolls sideways past it
const GUTTER_PX = 56;

function addDays(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const clockMin = (iso) => { const [hh, mm] = App.time(iso).split(":").map(Number); return hh * 60 + mm; };

/** A booking's place in the column of ``day``: minutes after the clinic's midnight, by its wall clock. */
function span(a, day) {
  const start = App.localDay(a.starts_at) === day ? clockMin(a.starts_at) : 0;
  const end = App.localDay(a.ends_at) === day ? clockMin(a.ends_at) : 24 * 60;
  return { a, start, end: Math.max(end, start + 1), shownEnd: Math.max(end, start + MIN_SHOWN_MIN) };
}

/** Side by side: each booking gets a lane in its cluster of (transitively) overlapping ones, and the
 * cluster's lane count. Returns the items with ``lane`` and ``lanes``. */
function lanes(items) {
  const sorted = [...items].sort((x, y) => x.start - y.start || y.shownEnd - x.shownEnd);
  let cluster = []; let clusterEnd = -1; const laneEnds = [];
  const close = () => { const n = laneEnds.length; for (const it of cluster) it.lanes = n; cluster = []; laneEnds.length = 0; };
  for (const it of sorted) {
    if (it.start >= clusterEnd) close();
    let lane = laneEnds.findIndex((end) => end <= it.start);
    if (lane < 0) { lane = laneEnds.length; laneEnds.push(0); }
    laneEnds[lane] = it.shownEnd;
    it.lane = lane;
    cluster.push(it);
    clusterEnd = Math.max(clusterEnd, it.shownEnd);
  }
  close();
  return sorted;
}

/** The block's lines (app.css .tgrid .block: line-height and the borders + padding above and below), so a
 * short block shows whole lines only: the times, the client's name, then as much of the rest as fits. */
const LINE_PX = { wide: 17, narrow: 15 };
const BLOCK_CHROME_PX = 8; // 1 px border + 3 px padding, top and bottom

function block(it, fromHour, label, parts, colour, open) {
  const narrow = it.lanes > 1;
  const heightPx = ((it.shownEnd - it.start) / 60) * HOUR_PX;
  const line = narrow ? LINE_PX.narrow : LINE_PX.wide;
  const lines = Math.max(2, Math.floor((heightPx - BLOCK_CHROME_PX) / line)); // a 30-min block: 2, 45 min: 3
  // the times: one line (when the column is too narrow for both, the end time drops to a second line of .t,
  // hidden; the start always shows, the full times are in the tooltip and the accessible name), two in a
  // tall block; the name: one line with an ellipsis in a short block, else up to two; then the rest
  const tLines = lines >= 6 ? 2 : 1;
  const whoLines = lines >= 4 ? 2 : 1;
  const moreLines = lines - tLines - whoLines;
  const t = h("span", { class: "t" }, h("span", { class: "from", text: App.time(it.a.starts_at) }),
    h("span", { class: "to", text: `-${App.time(it.a.ends_at)}` }));
  const who = h("span", { class: `who${whoLines === 1 ? " one" : ""}`, text: parts.who });
  const more = h("span", { class: "more", text: parts.more });
  const btn = h("button", { type: "button", class: `block${narrow ? " narrow" : ""}`, "data-id": it.a.id, "aria-label": label,
    title: label, onclick: () => open(it.a, label) }, t, who, more);
  // CSSOM, not a style attribute: the page's CSP (style-src 'self') allows it
  btn.style.top = `${((it.start - fromHour * 60) / 60) * HOUR_PX}px`;
  btn.style.height = `${heightPx}px`;
  btn.style.left = `calc(${(100 * it.lane) / it.lanes}% + 2px)`;
  btn.style.width = `calc(${100 / it.lanes}% - 4px)`;
  btn.style.setProperty("--artist", colour);
  t.style.maxHeight = `${tLines * line}px`;
  if (whoLines > 1) who.style.webkitLineClamp = String(whoLines);
  more.style.maxHeight = `${moreLines * line}px`;
  if (moreLines > 0) more.style.webkitLineClamp = String(moreLines);
  return h("li", {}, btn);
}

async function grid(columns, fromHour, toHour, open, colourOf) {
  const { clientName, userName } = App.booking;
  const heightPx = (toHour - fromHour) * HOUR_PX;
  const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
  for (let hr = fromHour; hr <= toHour; hr++) {
    const label = h("span", { class: "hour", "data-hour": hr, text: `${String(hr).padStart(2, "0")}:00` });
    label.style.top = `${(hr - fromHour) * HOUR_PX}px`;
    gutter.append(label);
  }
  gutter.style.height = `${heightPx}px`;
  const heads = [h("div", { class: "corner" })];
  const cols = [];
  const tracks = [`${GUTTER_PX}px`];
  for (const c of columns) {
    const laid = lanes(c.items);
    const most = Math.max(1, ...laid.map((it) => it.lanes));
    tracks.push(`minmax(${most * LANE_MIN_PX + 8}px, 1fr)`);
    heads.push(h("div", { class: `colhead${c.today ? " today" : ""}`, text: c.title }));
    const list = h("ul", { class: "col", "data-day": c.day, "data-artist": c.artist || "", "aria-label": c.longTitle });
    list.style.height = `${heightPx}px`;
    for (const it of laid) {
      const who = await clientName(it.a.client_id);
      const more = `${it.a.session_number ? `session ${it.a.session_number}, ` : ""}${it.a.room}, ${userName(it.a.artist_id)}`;
      const label = `${App.time(it.a.starts_at)}-${App.time(it.a.ends_at)}: ${who}, ${more}`;
      list.append(block(it, fromHour, label, { who, more }, colourOf(it.a.artist_id), open));
    }
    if (!laid.length) list.append(h("li", { class: "empty" }, h("span", { class: "muted", text: "Nothing booked" })));
    cols.push(list);
  }
  const g = h("div", { class: "tgrid" }, ...heads, gutter, ...cols);
  g.style.gridTemplateColumns = tracks.join(" ");
  return g;
}

App.views.calendar = async (arg) => {
  const K = await App.booking.context();
  const artists = K.users;
  const [first = App.today(), spanName = "day", who = ""] = (arg || "").split(",");
  const mine = K.me.role === "artist" ? String(K.me.id) : "";
  const chosen = who || mine;
  const artistSel = h("select", { name: "artist", id: "cal-artist" }, h("option", { value: "", text: "All artists" }),
    artists.map((u) => h("option", { value: u.id, text: u.name, selected: String(u.id) === chosen })));
  const dayIn = h("input", { type: "date", name: "day", value: first, id: "cal-day" });
  const spanSel = h("select", { name: "span", id: "cal-span" }, [["day", "Day"], ["week", "Week"]].map(([v, t]) =>
    h("option", { value: v, text: t, selected: v === spanName })));
  const go = (d = dayIn.value) => { location.hash = `#/calendar/${d},${spanSel.value},${artistSel.value}`; };
  for (const el of [artistSel, dayIn, spanSel]) el.addEventListener("change", () => go());
  const week = spanName === "week";
  const n = week ? 7 : 1;
  const q = new URLSearchParams({ day: first, days: String(n) });
  if (chosen) q.set("artist_id", chosen);
  const rows = await App.api("GET", `/api/appointments?${q}`);
  const today = App.today();
  const days = Array.from({ length: n }, (_x, i) => addDays(first, i));
  const short = (d) => new Date(`${d}T12:00:00Z`).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  const onDay = (d) => rows.filter((a) => App.localDay(a.starts_at) <= d && App.localDay(a.ends_at) >= d
    && !(App.localDay(a.ends_at) === d && clockMin(a.ends_at) === 0 && App.localDay(a.starts_at) < d)).map((a) => span(a, d));
  let columns;
  if (week || chosen) {
    columns = days.map((d) => ({ day: d, title: week ? short(d) : App.plainDayWords(d), longTitle: App.plainDayWords(d),
      today: d === today, items: onDay(d) }));
  } else { // a day of everyone: a column an artist
    columns = artists.map((u) => ({ day: first, artist: u.id, title: u.name, longTitle: `${u.name}, ${App.plainDayWords(first)}`,
      items: onDay(first).filter((it) => it.a.artist_id === u.id) }));
  }
  const all = columns.flatMap((c) => c.items);
  const fromHour = Math.min(K.clinic.opens_hour, ...all.map((it) => Math.floor(it.start / 60)));
  const toHour = Math.max(K.clinic.closes_hour, ...all.map((it) => Math.ceil(it.shownEnd / 60)));
  const palette = ["#1f3a5f", "#8a2c0d", "#14532d", "#6b21a8", "#9a3412", "#155e75"];
  const colourOf = (id) => palette[Math.max(0, artists.findIndex((u) => u.id === id)) % palette.length];
  const editor = h("div", { class: "card", id: "cal-editor", hidden: true, "aria-live": "polite" });
  const reload = () => App.views.calendar(arg);
  const open = (a, label) => {
    editor.hidden = false;
    editor.replaceChildren(h("h2", { text: `${App.dayWords(a.starts_at)}, ${label}` }), App.booking.appointmentEditor(a, reload));
    editor.scrollIntoView({ block: "nearest" });
    editor.querySelector("input").focus();
  };
  const title = week ? `Week from ${App.plainDayWords(first)}` : App.plainDayWords(first);
  App.show("Calendar",
    h("div", { class: "card row" }, App.field("Artist", artistSel),
      h("div", {}, h("label", { for: "cal-day", text: "First day" }), dayIn), // in words in the heading below
      App.field("Show", spanSel),
      h("button", { type: "button", class: "secondary", text: "Earlier", onclick: () => go(addDays(first, -n)) }),
      h("button", { type: "button", class: "secondary", text: "Later", onclick: () => go(addDays(first, n)) })),
    h("section", { class: "card", id: "calendar", "aria-label": title },
      h("h2", { text: `${title}${chosen ? `: ${App.booking.userName(Number(chosen))}` : ", all artists"}` }),
      h("p", { class: "muted", text: `Times in ${K.clinic.timezone}; open ${K.clinic.opens_hour}:00-${K.clinic.closes_hour}:00.` }),
      h("div", { class: "scroll" }, await grid(columns, fromHour, toHour, open, colourOf))),
    editor);
};
})();
