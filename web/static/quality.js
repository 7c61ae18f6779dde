// Quality review: the contact's transcript beside its recording (select a line to play from it; the line
// being played is highlighted), and the scoring form from handoff.quality_criteria.
import { deskApi as api, h } from "/static/dom.js";

const contactId = new URLSearchParams(location.search).get("contact") || "";
const base = `/api/quality/contacts/${encodeURIComponent(contactId)}`;
const player = document.getElementById("player");
const transcript = document.getElementById("transcript");
const errorEl = document.getElementById("error");
const LABEL = { customer: "Customer", bot: "Assistant (bot)", agent: "Agent", system: "System", note: "Private note" };
let lines = [];

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }
const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function renderTranscript(messages) {
  lines = messages.map((m) => {
    const who = m.sender === "agent" && m.data && m.data.agent ? `Agent · ${m.data.agent}` : LABEL[m.sender] || m.sender;
    const item = h("li", { class: `msg ${m.sender}`, testid: "quality-line", tabindex: 0, dataset: { offset: String(m.offset_s) } },
      h("time", { text: clock(m.offset_s) }), " ", h("strong", { text: `${who}: ` }), h("span", { text: m.text }));
    const seek = () => { if (!player.hidden) { player.currentTime = m.offset_s; player.play().catch(() => {}); } };
    item.addEventListener("click", seek);
    item.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); seek(); } });
    return { offset: m.offset_s, item };
  });
  transcript.replaceChildren(...lines.map((line) => line.item));
}

// The line being played: the last one said at or before the playing position.
player.addEventListener("timeupdate", () => {
  let current = null;
  for (const line of lines) if (line.offset <= player.currentTime) current = line;
  for (const line of lines) {
    const on = line === current;
    line.item.classList.toggle("playing", on);
    if (on) line.item.setAttribute("aria-current", "true"); else line.item.removeAttribute("aria-current");
  }
});

function renderCriteria(criteria) {
  document.getElementById("criteria").replaceChildren(...criteria.map((c) => h("p", {},
    h("label", { for: `score-${c.key}`, text: `${c.label} ` }),
    h("select", { id: `score-${c.key}`, name: c.key, required: true, testid: `quality-score-${c.key}` },
      h("option", { value: "", text: "–" }),
      ...Array.from({ length: c.points + 1 }, (_, n) => h("option", { value: String(n), text: `${n} of ${c.points}` }))))));
}

function renderReviews(reviews) {
  document.getElementById("reviews").replaceChildren(...(reviews.length ? reviews.map((r) =>
    h("li", { testid: "quality-review" }, `${r.score_pct} % by ${r.reviewer}, ${new Date(r.created_at).toLocaleString()}`,
      r.comment ? ` – ${r.comment}` : ""))
    : [h("li", { text: "Not reviewed yet." })]));
}

async function load() {
  const data = await api(base);
  const c = data.contact;
  document.getElementById("title").textContent = `Quality review: ${c.agent}`;
  document.getElementById("facts").textContent =
    `${c.channel === "phone" ? "Call" : "Chat"} of ${new Date(c.started_at).toLocaleString()} · ${c.queue} queue · ${c.disposition || c.status}`;
  player.hidden = !data.recording;
  document.getElementById("no-recording").hidden = Boolean(data.recording);
  if (data.recording) player.src = data.recording;
  renderTranscript(data.transcript);
  renderCriteria(data.criteria);
  renderReviews(data.reviews);
}

document.getElementById("scoring").addEventListener("submit", async (event) => {
  event.preventDefault();
  const scores = Object.fromEntries([...event.target.querySelectorAll("select")].map((s) => [s.name, Number(s.value)]));
  try {
    const { score_pct: pct } = await api(`${base}/reviews`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scores, comment: document.getElementById("comment").value }),
    });
    showError("");
    document.getElementById("saved").textContent = `Saved: ${pct} %.`;
    renderReviews((await api(base)).reviews);
  } catch (error) {
    showError(error.message);
  }
});

load().catch((error) => showError(error.message));
