// The designer's conversation review (filtered by outcome, each message with its intent and confidence)
// and the training files' diff against the last commit. DOM built with h(), file text only as textContent.
import { deskApi as api, fill, h } from "/static/dom.js";

const outcomeEl = document.getElementById("review-outcome");
const list = document.getElementById("review-list");
const more = document.getElementById("review-more");
const view = document.getElementById("review-conversation");
const diffEl = document.getElementById("diff");
const diffWhy = document.getElementById("diff-why");
const errorEl = document.getElementById("error");
const OUTCOMES = {
  contained: ["contained", "ok"], escalated: ["escalated", "info"], fallback: ["fallback", "warn"],
  abandoned: ["abandoned", "bad"], low_satisfaction: ["low satisfaction", "bad"],
};
let next = null;
let asked = 0;  // the latest list asked for: an answer to an older filter is dropped

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }
function when(iso) { return new Date(iso).toLocaleString(); }
function badges(outcomes) {
  return outcomes.map((o) => h("span", { class: `badge ${(OUTCOMES[o] || [o, "neutral"])[1]}`, testid: "review-outcome-badge", text: (OUTCOMES[o] || [o])[0] }));
}

function nlu(message) {
  if (message.sender !== "customer" || !message.intent) return null;
  const sure = message.confidence === null ? "" : ` ${Math.round(message.confidence * 100)} %`;
  return h("small", { class: "hint", testid: "review-intent", text: `${message.intent}${sure}` });
}

function row(conversation) {
  return h("li", { testid: "review-item" },
    h("button", { class: "btn", type: "button", onclick: () => open(conversation.id) },
      `${when(conversation.created_at)} · ${conversation.channel} · ${conversation.status} `, ...badges(conversation.outcomes)));
}

async function open(id) {
  try {
    const c = await api(`/api/designer/conversations/${encodeURIComponent(id)}`);
    fill(view,
      h("h3", { text: `Conversation of ${when(c.created_at)} (${c.channel})` }),
      h("p", {}, ...badges(c.outcomes), c.rating ? h("span", { class: "hint", text: ` rated ${c.rating} of 5` }) : null),
      c.handovers.map((o) => h("p", { class: "hint", testid: "review-handover", text: `Handed over to ${o.queue} (${o.reason}): ${o.status}` })),
      h("ol", { class: "review-messages" }, c.messages.map((m) => h("li", { testid: "review-message" },
        h("span", { class: "sender", text: m.sender }), h("small", { class: "hint", text: `${when(m.created_at)} ` }),
        h("span", { text: m.text }), " ", m.masked ? h("span", { class: "badge neutral", text: "masked" }) : null, " ", nlu(m)))));
    view.hidden = false;
    view.scrollIntoView();
  } catch (error) {
    showError(error.message);
  }
}

async function load(append) {
  const query = new URLSearchParams({ outcome: outcomeEl.value });
  if (append && next) query.set("after", next);
  const ask = ++asked;
  const data = await api(`/api/designer/conversations?${query}`);
  if (ask !== asked) return;
  const rows = data.conversations.map(row);
  if (append) list.append(...rows);
  else fill(list, rows.length ? rows : h("li", { class: "hint", testid: "review-empty", text: "No conversation with that outcome." }));
  next = data.next;
  more.hidden = !next;
}

async function showDiff() {
  try {
    const data = await api("/api/designer/training-diff");
    const whys = data.directories.map((part) => `${part.directory}: ${part.why}`).join(" ");
    diffWhy.textContent = `${whys}${data.truncated ? " (cut short: see git for the rest)" : ""}`;
    fill(diffEl, data.lines.map((line) => h("span", { class: line.kind, text: line.text })));
    diffEl.hidden = !data.lines.length;
  } catch (error) {
    showError(error.message);
  }
}

outcomeEl.addEventListener("change", () => load(false).catch((error) => showError(error.message)));
more.addEventListener("click", () => load(true).catch((error) => showError(error.message)));
document.getElementById("diff-refresh").addEventListener("click", showDiff);
load(false).catch((error) => showError(error.message));
