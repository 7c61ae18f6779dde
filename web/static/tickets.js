// Tickets page: the list (filtered, most urgent first) and one ticket: its conversation, history,
// the reply to the customer, internal notes, status and assignee. DOM built with h(), never innerHTML.
import { h, fill } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

const listEl = document.getElementById("ticket-list");
const emptyEl = document.getElementById("empty");
const detailEl = document.getElementById("ticket-detail");
const errorEl = document.getElementById("error");
const statusFilter = document.getElementById("filter-status");
const queueFilter = document.getElementById("filter-queue");
const assigneeFilter = document.getElementById("filter-assignee");
const STATUS_LABEL = { open: "Open", pending_customer: "Awaiting customer", resolved: "Resolved", closed: "Closed" };
const MOVES = { open: ["pending_customer", "resolved", "closed"], pending_customer: ["open", "resolved", "closed"], resolved: ["open", "closed"], closed: [] };
let selected = null;

// A datetime-local value is the agent's local time without a zone; the API wants an instant.
function scheduledAt(value) {
  if (!value) throw new Error("Choose the date and time to call back.");
  return new Date(value).toISOString();
}

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }

async function api(path, body) {
  const response = await fetch(path, body === undefined ? { credentials: "same-origin" } : {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (response.status === 401) { location.replace("/desk/login"); throw new Error("signed out"); }
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? data.error.message : `HTTP ${response.status}`);
  return data;
}

function duration(seconds) {
  const s = Math.abs(seconds);
  if (s >= 86400) return `${Math.round(s / 86400)}d`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
  return `${Math.max(1, Math.round(s / 60))}m`;
}

/** The nearer running SLA clock, as agents read it. */
function dueText(sla) {
  const clocks = [["first response", sla.first_response_left_s], ["resolution", sla.resolution_left_s]].filter(([, left]) => left !== null);
  if (!clocks.length) return sla.breached ? "SLA missed" : "SLA met";
  const [what, left] = clocks.reduce((a, b) => (b[1] < a[1] ? b : a));
  return left < 0 ? `${what} overdue ${duration(left)}` : `${what} in ${duration(left)}`;
}

async function loadList() {
  const query = new URLSearchParams({ status: statusFilter.value, queue: queueFilter.value, assignee: assigneeFilter.value });
  const { tickets } = await api(`/api/tickets?${query}`);
  fill(listEl, tickets.map((t) => h("tr", { class: t.sla.breached ? "breached" : "", dataset: { ticket: t.reference }, testid: "ticket-row" },
    h("td", {}, h("button", { class: "btn small", type: "button", onclick: () => open(t.id) }, t.reference)),
    h("td", { text: t.subject }),
    h("td", { text: t.queue }),
    h("td", {}, h("span", { class: `badge ${t.status === "open" ? "warn" : "neutral"}`, text: STATUS_LABEL[t.status] })),
    h("td", { text: t.assignee ? t.assignee.display_name : "—" }),
    h("td", { class: "due", testid: "ticket-due" }, t.sla.breached ? h("span", { class: "badge bad", text: dueText(t.sla) }) : dueText(t.sla)),
  )));
  emptyEl.hidden = tickets.length > 0;
}

function messageItem(m) {
  const text = h("span", { class: "text" });
  if (m.sender === "bot") text.append(renderMarkdown(m.text)); else text.textContent = m.text;
  const who = m.sender === "agent" && m.data && m.data.agent ? m.data.agent : m.sender;
  return h("li", { class: `msg ${m.sender}` }, h("span", { class: "who", text: `${who}: ` }), text);
}

function composer(label, testid, action, button) {
  const area = h("textarea", { rows: "3", "aria-label": label, testid: `${testid}-text` });
  const form = h("form", { class: "ticket-compose", testid },
    h("label", {}, label, area),
    h("button", { class: "btn primary", type: "submit", text: button }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = area.value.trim();
    if (!text) return;
    try { await action(text); area.value = ""; showError(""); await refresh(); } catch (err) { showError(err.message); }
  });
  return form;
}

async function open(id) {
  selected = id;
  await showDetail();
}

async function showDetail() {
  if (selected === null) return;
  const { ticket: t, history, messages } = await api(`/api/tickets/${selected}`);
  const statusSelect = h("select", { "aria-label": "New status", testid: "status-select" },
    MOVES[t.status].map((s) => h("option", { value: s, text: STATUS_LABEL[s] })));
  const callbackAt = h("input", { type: "datetime-local", id: "callback-at", testid: "callback-at" });
  const act = (path, body) => async () => {
    try { await api(`/api/tickets/${t.id}/${path}`, body()); showError(""); await refresh(); } catch (err) { showError(err.message); }
  };
  fill(detailEl,
    h("h2", { text: `${t.reference}: ${t.subject}` }),
    h("p", { class: "ticket-facts" },
      h("span", { class: "badge info", text: STATUS_LABEL[t.status], testid: "ticket-status" }), " ",
      `${t.channel} · ${t.queue} queue · priority ${t.priority} · `,
      h("span", { class: t.sla.breached ? "badge bad" : "", text: dueText(t.sla), testid: "ticket-sla" }),
      " · assigned to ", t.assignee ? t.assignee.display_name : "nobody"),
    t.callback_number ? h("p", { class: "callback", testid: "callback-number" }, "Call the customer back on ", h("strong", { text: t.callback_number }),
      ". ", t.status !== "closed" ? h("button", { class: "btn primary small", type: "button", testid: "call-now", onclick: act("call", () => ({})) }, "Call now") : null,
      " rings your phone first, then the customer's; each attempt is noted below.") : null,
    t.callback_number && t.status !== "closed" ? h("p", { class: "callback" },
      h("label", { for: "callback-at", text: "Or call at " }), callbackAt,
      " ", h("button", { class: "btn small", type: "button", testid: "schedule-call", onclick: act("call", () => ({ at: scheduledAt(callbackAt.value) })) }, "Schedule"),
      " (your time; when it is due, your desk is offered the call first, or a colleague on the queue if you cannot take it).",
      t.calling_hours ? h("span", { class: "hint", testid: "calling-hours" }, ` Customers are called ${t.calling_hours}; a retry outside these hours waits for the next opening.`) : null) : null,
    h("div", { class: "ticket-actions" },
      h("button", { class: "btn", type: "button", testid: "assign-me", onclick: act("assign", () => ({ agent_id: "me" })) }, "Assign to me"),
      MOVES[t.status].length ? [statusSelect, h("button", { class: "btn", type: "button", testid: "set-status", onclick: act("status", () => ({ status: statusSelect.value })) }, "Set status")] : null),
    h("h3", { text: "Conversation" }),
    h("ol", { class: "log", testid: "ticket-transcript" }, messages.map(messageItem)),
    t.channel === "web" && t.status !== "closed" ? composer("Reply to the customer (they see it in their chat)", "ticket-reply", (text) => api(`/api/tickets/${t.id}/reply`, { text }), "Send reply") : null,
    t.status !== "closed" ? composer("Internal note (agents only)", "ticket-note", (text) => api(`/api/tickets/${t.id}/note`, { text }), "Add note") : null,
    h("h3", { text: "History" }),
    h("ol", { class: "history", testid: "ticket-history" }, history.map((e) =>
      h("li", { class: `event ${e.kind}` }, h("time", { datetime: e.at, text: new Date(e.at).toLocaleString() }), ` ${e.kind.replace("_", " ")}`, e.by ? ` by ${e.by}` : "", ": ", e.text))),
  );
  detailEl.hidden = false;
}

async function refresh() {
  try { await loadList(); await showDetail(); } catch (err) { showError(err.message); }
}

async function start() {
  const { agent } = await api("/api/desk/me");
  document.getElementById("agent-name").textContent = agent.display_name;
  const queues = new Set();
  for (const t of (await api("/api/tickets")).tickets) queues.add(t.queue);
  for (const q of [...queues].sort()) queueFilter.append(h("option", { value: q, text: q }));
  for (const select of [statusFilter, queueFilter, assigneeFilter]) select.addEventListener("change", refresh);
  const wanted = new URLSearchParams(location.search).get("ticket");
  if (wanted) selected = Number(wanted);
  await refresh();
  setInterval(refresh, 15000);
}

start().catch((err) => showError(err.message));
