// History page: search past conversations and read one back, read-only. DOM built with h(), never innerHTML.
import { deskApi as api, fill, h } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

const form = document.getElementById("search");
const results = document.getElementById("results");
const empty = document.getElementById("empty");
const transcriptEl = document.getElementById("transcript");
const errorEl = document.getElementById("error");
const SENDER = { customer: "Customer", bot: "Assistant (bot)", agent: "Agent", system: "System", note: "Private note" };

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }

const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

// A snippet marks the matched words with [ ]: shown as <mark>, the rest as text.
function snippet(text) {
  if (!text) return "";
  return text.split(/(\[[^\]]*\])/).map((part) => (part.startsWith("[") && part.endsWith("]") ? h("mark", { text: part.slice(1, -1) }) : part));
}

async function searchNow() {
  const params = new URLSearchParams([...new FormData(form)].filter(([, value]) => value));
  try {
    const { conversations, scope, queues, dispositions } = await api(`/api/history?${params}`);
    showError("");
    choices("queue", queues);
    choices("disposition", dispositions);
    document.getElementById("scope").textContent = scope === "all"
      ? "Every conversation, newest first (at most 50)." : "The conversations you handled, newest first (at most 50).";
    fill(results, conversations.map((c) => h("tr", { testid: "history-row" },
      h("td", {}, h("button", { class: "linklike", type: "button", text: when(c.created_at), onclick: () => open(c.conversation_id) })),
      h("td", { text: c.customer || "Unknown" }), h("td", { text: c.channel }), h("td", { text: c.queue || "bot only" }),
      h("td", { text: c.agent || "" }), h("td", { text: c.disposition || "" }), h("td", {}, snippet(c.snippet)))));
    empty.hidden = conversations.length > 0;
  } catch (error) { showError(error.message); }
}

async function open(conversationId) {
  try {
    const c = await api(`/api/history/${encodeURIComponent(conversationId)}`);
    fill(transcriptEl,
      h("h2", { text: `${c.channel === "phone" ? "Call" : "Chat"} of ${when(c.created_at)}` }),
      c.contacts.map((contact) => h("p", { class: "hint" },
        `${contact.queue} queue · ${contact.agent || "no agent"} · ${contact.disposition || contact.status}`,
        contact.notes ? ` · wrap-up notes: ${contact.notes}` : "",
        c.can_review && contact.agent ? [" · ", h("a", { href: `/desk/quality?contact=${encodeURIComponent(contact.id)}`, testid: "review-link", text: "Review quality" })] : "")),
      h("ol", { class: "log", testid: "history-messages" }, c.messages.map((m) => h("li", { class: `msg ${m.sender}`, dataset: { sender: m.sender } },
        h("strong", { text: `${m.sender === "agent" && m.data && m.data.agent ? m.data.agent : SENDER[m.sender] || m.sender}: ` }),
        m.sender === "bot" ? renderMarkdown(m.text) : m.text))));
    transcriptEl.hidden = false;
    transcriptEl.focus();
  } catch (error) { showError(error.message); }
}

form.addEventListener("submit", (event) => { event.preventDefault(); searchNow();
// Linked from elsewhere (the dashboard's hot spots): /desk/history?open=<conversation id>.
const linked = new URLSearchParams(location.search).get("open");
if (linked) open(linked); });

// The filters' choices, once: the server says which queues and dispositions there are.
function choices(id, values) {
  const select = document.getElementById(id);
  if (select.options.length > 1) return;
  select.append(...values.map((value) => h("option", { value, text: value.replaceAll("_", " ") })));
}

searchNow();
// Linked from elsewhere (the dashboard's hot spots): /desk/history?open=<conversation id>.
const linked = new URLSearchParams(location.search).get("open");
if (linked) open(linked);
