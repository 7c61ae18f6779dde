// Supervisor dashboard: one Stats snapshot a second over /api/supervisor/socket (first paint from
// GET /api/supervisor/stats). Every update edits the existing DOM in place, so nothing flickers.
import { fill, h, setText, svg } from "/static/dom.js";
import { REASON_LABEL, STATE_LABEL } from "/static/labels.js";
const STATES = ["available", "busy", "wrap_up", "away", "offline"];
const STATE_BADGE = { available: "ok", busy: "bad", wrap_up: "warn", away: "neutral", offline: "neutral" };
const STATUS_LABEL = { waiting: "Waiting", queued: "Waiting", offered: "Offered", active: "Active", wrap_up: "Wrap-up", ended: "Ended" };
const STATUS_BADGE = { waiting: "warn", queued: "warn", offered: "info", active: "ok", wrap_up: "neutral", ended: "neutral" };
// Colour thresholds (the Stats do not carry each queue's SLA target yet).
const LONGEST_WARN_S = 60;
const LONGEST_BAD_S = 120;
const STALE_AFTER_MS = 3500;

const $ = (id) => document.getElementById(id);
const ui = {
  dashboard: $("dashboard"), forbidden: $("forbidden"),
  conn: $("connection-status"), connText: $("connection-text"), reconnectNow: $("reconnect-now"),
  updated: $("updated-at"), agentName: $("agent-name"), signOut: $("sign-out"),
  queues: $("queues-body"), agentsChart: $("chart-agents"), reasonsChart: $("chart-reasons"), reasonsNone: $("reasons-none"),
  sentiment: $("chart-sentiment"), contacts: $("contacts-body"), contactsNone: $("contacts-none"), contactsCount: $("contacts-count"),
  agents: $("agents-body"), agentsNone: $("agents-none"),
};


function setAttr(node, name, value) { if (node.getAttribute(name) !== String(value)) node.setAttribute(name, value); }
function setClass(node, className) { if (node.className !== className) node.className = className; }

function humanize(word) {
  const text = String(word ?? "").replace(/[_-]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
const reasonLabel = (reason) => REASON_LABEL[reason] || humanize(reason);
const num = (value) => (Number.isFinite(value) ? value : null);
// *_pct fields are percentages, 0–100.
const pct = (value) => (Number.isFinite(value) ? `${value.toFixed(value >= 99.95 || value === 0 ? 0 : 1)}%` : "–");

function duration(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

// ---------------------------------------------------------------- tiles

function tile(name, value, sub, level) {
  const node = document.querySelector(`[data-testid="tile-${name}"]`);
  setText(node.querySelector("[data-role=value]"), value);
  setText(node.querySelector("[data-role=sub]"), sub);
  if (level) setAttr(node, "data-level", level); else node.removeAttribute("data-level");
}

const levelLow = (value, warn, bad) => (value === null ? null : value >= bad ? "bad" : value >= warn ? "warn" : "ok");
const levelHigh = (value, warn, bad) => (value === null ? null : value < bad ? "bad" : value < warn ? "warn" : "ok");

function renderTiles(stats) {
  const queues = stats.queues || [];
  const waiting = queues.reduce((sum, queue) => sum + (queue.waiting || 0), 0);
  const uncovered = queues.filter((queue) => queue.waiting > 0 && !queue.agents_qualified);
  const busiest = queues.filter((queue) => queue.waiting > 0).sort((a, b) => b.waiting - a.waiting);
  tile("waiting", String(waiting),
    uncovered.length ? `No agent for: ${uncovered.map((q) => q.name).join(", ")}`
      : busiest.length ? busiest.map((q) => `${q.name} ${q.waiting}`).join(" · ") : "All queues empty",
    uncovered.length ? "bad" : null);

  const longest = queues.reduce((best, queue) => (queue.longest_wait_s > (best ? best.longest_wait_s : 0) ? queue : best), null);
  const longestS = longest ? longest.longest_wait_s : 0;
  tile("longest-wait", duration(longestS), longest ? `in ${longest.name}` : "Nobody waiting", levelLow(longestS, LONGEST_WARN_S, LONGEST_BAD_S));

  // Overall SLA: the server's if it sends one, else answered-within-SLA over answered, across queues
  // (a queue's sla_pct is its answered-within-SLA share, so weighting by answered gives exactly that).
  let sla = num(stats.sla_pct);
  const measured = queues.filter((queue) => Number.isFinite(queue.sla_pct));
  if (sla === null && measured.length) {
    const weight = measured.reduce((sum, queue) => sum + (queue.answered || 0), 0);
    sla = weight
      ? measured.reduce((sum, queue) => sum + queue.sla_pct * (queue.answered || 0), 0) / weight
      : measured.reduce((sum, queue) => sum + queue.sla_pct, 0) / measured.length;
  }
  tile("sla", pct(sla), measured.length ? measured.map((q) => `${q.name} ${pct(q.sla_pct)}`).join(" · ") : "No answered contacts yet",
    levelHigh(sla, 80, 60));

  const answered = queues.reduce((sum, queue) => sum + (queue.answered || 0), 0);
  tile("asa", duration(num(stats.asa_s)), `${answered} answered`, levelLow(num(stats.asa_s), 30, 60));
  tile("aht", duration(num(stats.aht_s)), "talk + wrap-up", null);
  tile("abandonment", pct(num(stats.abandonment_pct)), `${stats.abandoned ?? 0} customers gave up waiting`,
    levelLow(num(stats.abandonment_pct), 5, 10));
  tile("containment", pct(num(stats.containment_pct)), `${stats.contained ?? 0} resolved by the bot alone`, null);
  const byState = stats.agents_by_state || {};
  const signedIn = STATES.filter((state) => state !== "offline").reduce((sum, state) => sum + (byState[state] || 0), 0);
  tile("agents", String(byState.available || 0), `${signedIn} signed in · ${byState.busy || 0} busy · ${byState.wrap_up || 0} in wrap-up`,
    waiting > 0 && !byState.available ? "warn" : null);
}

// ---------------------------------------------------------------- keyed rows

/** Keeps tbody's rows in step with `items` (by key), editing cells in place and moving rows only when the order changed. */
function syncRows(tbody, items, key, columns, rowClass) {
  const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
  items.forEach((item, index) => {
    const id = String(key(item));
    let row = existing.get(id);
    if (!row) {
      row = h("tr", { dataset: { key: id } }, columns.map((column) => h(column.header ? "th" : "td", {
        class: column.num ? "num" : null, scope: column.header ? "row" : null })));
    }
    existing.delete(id);
    columns.forEach((column, cell) => column.fill(row.cells[cell], item));
    setClass(row, rowClass ? rowClass(item) || "" : "");
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
  });
  for (const row of existing.values()) row.remove();
}

const textCell = (get) => ({ fill: (cell, item) => setText(cell, String(get(item) ?? "–")) });
const numCell = (get) => ({ num: true, fill: (cell, item) => setText(cell, String(get(item) ?? "–")) });
function badgeCell(get) {
  return {
    fill: (cell, item) => {
      const [text, kind] = get(item);
      let badge = cell.firstElementChild;
      if (!badge) { badge = h("span"); cell.append(badge); }
      setClass(badge, `badge ${kind}`);
      setText(badge, text);
    },
  };
}

function renderQueues(stats) {
  const queues = [...(stats.queues || [])].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  syncRows(ui.queues, queues, (queue) => queue.name, [
    { header: true, fill: (cell, queue) => setText(cell, queue.name) },
    numCell((queue) => queue.waiting),
    numCell((queue) => duration(queue.longest_wait_s)),
    numCell((queue) => pct(queue.sla_pct)),
    numCell((queue) => queue.answered),
    numCell((queue) => queue.abandoned),
    numCell((queue) => queue.agents_qualified),
  ], (queue) => (queue.waiting > 0 && !queue.agents_qualified ? "bad" : queue.longest_wait_s >= LONGEST_WARN_S ? "warn" : ""));
}

function renderContacts(stats) {
  const order = { waiting: 0, queued: 0, offered: 1, active: 2, wrap_up: 3, ended: 4 };
  const contacts = [...(stats.contacts_live || [])].sort((a, b) =>
    (order[a.status] ?? 5) - (order[b.status] ?? 5) || (b.waited_s || 0) - (a.waited_s || 0));
  setText(ui.contactsCount, String(contacts.length));
  ui.contactsNone.hidden = contacts.length > 0;
  const waitingStates = new Set(["waiting", "queued", "offered"]);
  syncRows(ui.contacts, contacts, (contact) => contact.id, [
    { header: true, fill: (cell, contact) => { setText(cell, String(contact.id).slice(0, 8)); setAttr(cell, "title", contact.id); } },
    textCell((contact) => (contact.channel === "phone" ? "Phone" : contact.channel === "web" ? "Chat" : contact.channel)),
    textCell((contact) => contact.queue),
    badgeCell((contact) => [STATUS_LABEL[contact.status] || humanize(contact.status), STATUS_BADGE[contact.status] || "neutral"]),
    numCell((contact) => duration(contact.waited_s)),
    textCell((contact) => contact.agent || "–"),
    textCell((contact) => reasonLabel(contact.reason)),
    { fill: (cell, contact) => monitorLink(cell, contact) },
  ], (contact) => (!waitingStates.has(contact.status) ? ""
    : contact.waited_s >= LONGEST_BAD_S ? "bad" : contact.waited_s >= LONGEST_WARN_S ? "warn" : ""));
}

// A conversation with an agent can be watched live, and its agent whispered to (/desk/monitor).
function monitorLink(cell, contact) {
  const live = contact.status === "active" || contact.status === "wrap_up";
  let link = cell.firstElementChild;
  if (live && !link) {
    link = h("a", { href: `/desk/monitor?contact=${encodeURIComponent(contact.id)}`, testid: "monitor-link", text: "Monitor" });
    cell.append(link);
  } else if (!live && link) link.remove();
}

function agentStateLabel(agent) {
  const label = STATE_LABEL[agent.state] || humanize(agent.state);
  // An agent with no phone on file is offered chats only; "Available" alone would promise calls.
  const chatOnly = agent.channels && !agent.channels.includes("phone") && agent.state === "available";
  return chatOnly ? `${label} (chat only)` : label;
}

function renderAgents(stats) {
  const agents = [...(stats.agents || [])].sort((a, b) =>
    STATES.indexOf(a.state) - STATES.indexOf(b.state) || String(a.display_name ?? "").localeCompare(String(b.display_name ?? "")));
  ui.agentsNone.hidden = agents.length > 0;
  syncRows(ui.agents, agents, (agent) => agent.id ?? agent.display_name, [
    { header: true, fill: (cell, agent) => setText(cell, agent.display_name) },
    badgeCell((agent) => [agentStateLabel(agent), STATE_BADGE[agent.state] || "neutral"]),
    numCell((agent) => agent.active_chats),
    numCell((agent) => agent.active_calls),
  ]);
}

// ---------------------------------------------------------------- bar charts (CSS)

function syncBars(list, items) {
  const max = Math.max(1, ...items.map((item) => item.value));
  const existing = new Map([...list.children].map((li) => [li.dataset.key, li]));
  items.forEach((item, index) => {
    let li = existing.get(item.key);
    if (!li) {
      li = h("li", { dataset: { key: item.key } },
        h("span", { class: "label" }), h("span", { class: "track", "aria-hidden": "true" }, h("span", { class: `fill ${item.key}` })),
        h("span", { class: "num" }));
    }
    existing.delete(item.key);
    const [label, track, count] = li.children;
    setText(label, item.label);
    setAttr(label, "title", item.label);
    setText(count, String(item.value));
    const width = `${(item.value / max) * 100}%`;
    const bar = track.firstElementChild;
    if (bar.style.width !== width) bar.style.width = width; // CSSOM: fine under a strict CSP
    setAttr(li, "aria-label", `${item.label}: ${item.value}`);
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
  });
  for (const li of existing.values()) li.remove();
}

function renderAgentChart(stats) {
  const byState = stats.agents_by_state || {};
  syncBars(ui.agentsChart, STATES.map((state) => ({ key: state, label: STATE_LABEL[state], value: byState[state] || 0 })));
}

function renderReasons(stats) {
  const items = Object.entries(stats.escalations_by_reason || {})
    .map(([reason, count]) => ({ key: reason, label: reasonLabel(reason), value: count || 0 }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
  ui.reasonsNone.hidden = items.length > 0;
  syncBars(ui.reasonsChart, items);
}

// ---------------------------------------------------------------- sentiment histogram (SVG)

const HIST = { width: 320, height: 190, left: 8, right: 8, top: 18, bottom: 34 };
let histogram = null;

function renderSentiment(stats) {
  const { bins = [], counts = [] } = stats.sentiment || {};
  const n = Math.min(counts.length, Math.max(0, bins.length - 1));
  if (!n) {
    if (!ui.sentiment.querySelector(".none")) fill(ui.sentiment, h("p", { class: "none", text: "No sentiment data yet." }));
    histogram = null;
    return;
  }
  const signature = bins.slice(0, n + 1).join(",");
  if (!histogram || histogram.signature !== signature) histogram = buildHistogram(bins.slice(0, n + 1), signature);
  const plotHeight = HIST.height - HIST.top - HIST.bottom;
  const max = Math.max(1, ...counts.slice(0, n));
  const parts = [];
  for (let i = 0; i < n; i += 1) {
    const value = counts[i] || 0;
    const barHeight = (value / max) * plotHeight;
    const y = HIST.top + plotHeight - barHeight;
    const { rect, label, title } = histogram.bars[i];
    setAttr(rect, "y", y.toFixed(1));
    setAttr(rect, "height", barHeight.toFixed(1));
    setAttr(label, "y", (y - 4).toFixed(1));
    setText(label, String(value));
    setText(title, `${histogram.ranges[i]}: ${value}`);
    parts.push(`${histogram.ranges[i]}: ${value}`);
  }
  const total = counts.slice(0, n).reduce((sum, value) => sum + (value || 0), 0);
  setAttr(histogram.root, "aria-label", `Sentiment of ${total} customer messages, from −1 (negative) to +1 (positive). ${parts.join("; ")}.`);
}

function buildHistogram(edges, signature) {
  const { width, height, left, right, top, bottom } = HIST;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "histogram", role: "img" });
  const plotWidth = width - left - right;
  const n = edges.length - 1;
  const slot = plotWidth / n;
  const lo = edges[0];
  const hi = edges[n];
  const bars = [];
  const ranges = [];
  const fmt = (value) => (value < 0 ? "−" : value > 0 ? "+" : "") + Math.abs(value).toFixed(1);
  root.append(svg("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  for (let i = 0; i < n; i += 1) {
    const mid = (edges[i] + edges[i + 1]) / 2;
    const colour = mid < -0.05 ? "#cf222e" : mid > 0.05 ? "#2da44e" : "#8c959f";
    const x = left + i * slot;
    const rect = svg("rect", { x: (x + 2).toFixed(1), width: Math.max(1, slot - 4).toFixed(1), y: height - bottom, height: 0, fill: colour, rx: 2 });
    const title = svg("title");
    rect.append(title);
    const label = svg("text", { x: (x + slot / 2).toFixed(1), "text-anchor": "middle", class: "count" });
    root.append(rect, label);
    bars.push({ rect, label, title });
    ranges.push(`${fmt(edges[i])} to ${fmt(edges[i + 1])}`);
  }
  // Edge labels, thinned out so that they never overlap.
  const every = Math.ceil((n + 1) / 7);
  edges.forEach((edge, i) => {
    if (i % every && i !== n) return;
    const anchor = i === 0 ? "start" : i === n ? "end" : "middle";
    const text = svg("text", { x: (left + i * slot).toFixed(1), y: height - bottom + 14, "text-anchor": anchor });
    text.textContent = fmt(edge);
    root.append(text);
  });
  const caption = (x, anchor, words) => { const t = svg("text", { x, y: height - 4, "text-anchor": anchor }); t.textContent = words; return t; };
  if (lo < 0 && hi > 0) root.append(caption(left, "start", "negative"), caption(width - right, "end", "positive"));
  fill(ui.sentiment, root);
  return { signature, root, bars, ranges };
}

// ---------------------------------------------------------------- update, freshness

/** Stats.at as epoch seconds (what the server sends), epoch milliseconds or an ISO string. */
function toDate(at) {
  if (typeof at === "number" && Number.isFinite(at)) return new Date(at < 1e12 ? at * 1000 : at);
  const parsed = typeof at === "string" ? new Date(at) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date();
}

let lastStatsAt = 0;

function render(stats) {
  if (!stats) return;
  lastStatsAt = Date.now();
  ui.dashboard.classList.remove("stale");
  const at = toDate(stats.at);
  ui.updated.dateTime = at.toISOString();
  setText(ui.updated, at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }));
  for (const part of [renderTiles, renderQueues, renderAgentChart, renderReasons, renderSentiment, renderContacts, renderAgents]) {
    try { part(stats); } catch (error) { console.error("supervisor: cannot render", part.name, error); }
  }
}

setInterval(() => {
  const stale = lastStatsAt && Date.now() - lastStatsAt > STALE_AFTER_MS;
  ui.dashboard.classList.toggle("stale", Boolean(stale));
  if (retryTimer) showRetry();
  else if (stale && socket && socket.readyState === WebSocket.OPEN) {
    setConnection("reconnecting", `Connected, but no update for ${Math.round((Date.now() - lastStatsAt) / 1000)} s`);
  } else if (socket && socket.readyState === WebSocket.OPEN && lastStatsAt) setConnection("connected", "Connected");
}, 1000);

// ---------------------------------------------------------------- connection

let socket = null;
let attempt = 0;
let retryTimer = null;
let retryAt = 0;
let leaving = false;

function setConnection(state, text) {
  if (ui.conn.dataset.state !== state) ui.conn.dataset.state = state;
  setText(ui.connText, text);
  ui.reconnectNow.hidden = state !== "reconnecting" || !retryTimer;
}

function toLogin() { leaving = true; location.replace("/desk/login"); }

function forbidden() {
  leaving = true;
  for (const child of ui.dashboard.children) if (child !== ui.forbidden) child.hidden = true;
  ui.forbidden.hidden = false;
  setConnection("offline", "Not connected");
}

// Tickets: backlog and service levels per queue, from their own endpoint, every 15 s.
function span(seconds) {
  if (seconds === null) return "–";
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.max(1, Math.round(seconds / 60))} min`;
}

async function refreshTickets() {
  try {
    const response = await fetch("/api/tickets/summary", { credentials: "same-origin" });
    if (!response.ok) return;
    const { queues } = await response.json();
    fill(document.getElementById("tickets-body"), Object.entries(queues).map(([name, q]) =>
      h("tr", { dataset: { queue: name } },
        h("th", { scope: "row", text: name }),
        h("td", { class: "num", text: String(q.backlog) }),
        h("td", { class: "num" }, q.breached ? h("span", { class: "badge bad", text: String(q.breached) }) : "0"),
        h("td", { class: "num", text: span(q.first_response_avg_s) }),
        h("td", { class: "num", text: span(q.resolution_avg_s) }))));
  } catch { /* the next round will tell */ }
}
refreshTickets();
setInterval(refreshTickets, 15000);

// Satisfaction: average rating and response rate per queue, then per agent, every 15 s.
async function refreshCsat() {
  try {
    const response = await fetch("/api/supervisor/csat", { credentials: "same-origin" });
    if (!response.ok) return;
    const { queues, agents } = await response.json();
    const row = (kind, name, f) => h("tr", { dataset: { [kind]: name } },
      h("th", { scope: "row", text: kind === "agent" ? `Agent: ${name}` : name }),
      h("td", { class: "num", text: f.average === null ? "–" : f.average.toFixed(1) }),
      h("td", { class: "num", text: String(f.ratings) }),
      h("td", { class: "num", text: `${Math.round(f.response_rate * 100)}%` }));
    fill(document.getElementById("csat-body"),
      Object.entries(queues).map(([name, f]) => row("queue", name, f)),
      Object.entries(agents).map(([name, f]) => row("agent", name, f)));
  } catch { /* the next round will tell */ }
}
refreshCsat();
setInterval(refreshCsat, 15000);

// Quality reviews: each agent's number of reviews and average score, every 15 s.
async function refreshQuality() {
  try {
    const response = await fetch("/api/supervisor/quality?days=30", { credentials: "same-origin" });
    if (!response.ok) return;
    const { agents } = await response.json();
    fill(document.getElementById("quality-body"), Object.entries(agents).map(([name, q]) =>
      h("tr", { dataset: { agent: name } }, h("th", { scope: "row", text: name }),
        h("td", { class: "num", text: String(q.reviews) }), h("td", { class: "num", text: `${q.average_pct} %` }))));
  } catch { /* the next round will tell */ }
}
refreshQuality();
setInterval(refreshQuality, 15000);

async function fetchStats() {
  try {
    const response = await fetch("/api/supervisor/stats", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) return "login";
    if (response.status === 403) return "forbidden";
    if (response.ok) render(await response.json());
  } catch { /* the socket loop reports the outage */ }
  return "ok";
}

function connect() {
  clearTimeout(retryTimer);
  retryTimer = null;
  setConnection("connecting", attempt ? "Reconnecting…" : "Connecting…");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const opened = new WebSocket(`${scheme}://${location.host}/api/supervisor/socket`);
  socket = opened;
  opened.addEventListener("message", (event) => {
    if (socket !== opened) return;
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    if (frame.type === "stats") {
      attempt = 0;
      setConnection("connected", "Connected");
      render(frame.stats);
    } else if (frame.type === "error") {
      setConnection("reconnecting", frame.message || "Error");
    }
  });
  opened.addEventListener("close", async (event) => {
    if (socket !== opened) return;
    socket = null;
    if (leaving) return;
    if (event.code === 4401) { toLogin(); return; }
    if (event.code === 4403) { forbidden(); return; }
    setConnection("reconnecting", "Connection lost. Checking…");
    const outcome = await fetchStats(); // also tells a refused upgrade (401/403) from an outage
    if (outcome === "login") { toLogin(); return; }
    if (outcome === "forbidden") { forbidden(); return; }
    const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt += 1;
    retryAt = Date.now() + delay;
    retryTimer = setTimeout(connect, delay);
    showRetry();
  });
}

function showRetry() {
  const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
  setConnection("reconnecting", navigator.onLine === false ? "Offline. Waiting for the network…" : `Disconnected. Reconnecting in ${seconds} s…`);
}

ui.reconnectNow.addEventListener("click", () => { if (!socket) connect(); });
window.addEventListener("online", () => { if (retryTimer) connect(); });

ui.signOut.addEventListener("click", async () => {
  leaving = true;
  ui.signOut.disabled = true;
  if (socket) socket.close(1000, "sign out");
  try { await fetch("/api/desk/logout", { method: "POST", credentials: "same-origin" }); } catch { /* go anyway */ }
  location.replace("/desk/login");
});

(async () => {
  let agent = null;
  try {
    const response = await fetch("/api/desk/me", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) { toLogin(); return; }
    if (response.ok) agent = (await response.json()).agent;
  } catch { /* unreachable: the socket loop will say so */ }
  if (agent) {
    setText(ui.agentName, agent.display_name || agent.username);
    if (agent.role !== "supervisor") { forbidden(); return; }
  }
  const outcome = await fetchStats();
  if (outcome === "login") { toLogin(); return; }
  if (outcome === "forbidden") { forbidden(); return; }
  connect();
})();

// ---------------------------------------------------------------- complaint hot spots

// Clustered on demand (a few seconds for a week of complaints): on load and on Refresh, not every tick.
const hotspotsList = document.getElementById("hotspots-list");
const hotspotsState = document.getElementById("hotspots-state");

async function loadHotspots() {
  hotspotsState.textContent = "Looking for hot spots…";
  hotspotsState.hidden = false;
  try {
    const response = await fetch("/api/supervisor/hotspots?days=7", { credentials: "same-origin" });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error ? data.error.message : `HTTP ${response.status}`);
    hotspotsList.replaceChildren(...data.hotspots.map((spot) => {
      const change = spot.size - spot.previous;
      const trend = change > 0 ? `up ${change}` : change < 0 ? `down ${-change}` : "no change";
      return h("li", { testid: "hotspot" },
        h("strong", { text: spot.terms.join(", ") }),
        ` · ${spot.size} conversation${spot.size === 1 ? "" : "s"} (${trend} on the week before) · `,
        h("a", { href: `/desk/history?open=${encodeURIComponent(spot.example.conversation_id)}`, text: `"${spot.example.text.slice(0, 140)}"` }));
    }));
    hotspotsState.textContent = data.hotspots.length ? "" : "No hot spots: no complaint raised by three or more customers.";
    hotspotsState.hidden = data.hotspots.length > 0;
  } catch (error) {
    hotspotsState.textContent = `Could not find hot spots: ${error.message}`;
  }
}

document.getElementById("hotspots-refresh").addEventListener("click", loadHotspots);
loadHotspots();
