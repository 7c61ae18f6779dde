// One live conversation as its agent sees it: a supervisor monitoring it and whispering to the agent
// (/desk/monitor), or a colleague the agent asked to consult, writing to the agent (/desk/consult).
// Read-only towards the customer: nothing typed here can reach them. DOM built with h(), never innerHTML.
import { deskApi as api, h } from "/static/dom.js";

const contactId = new URLSearchParams(location.search).get("contact") || "";
const consulting = location.pathname === "/desk/consult";
const base = consulting
  ? `/api/desk/consults/${encodeURIComponent(contactId)}`
  : `/api/supervisor/contacts/${encodeURIComponent(contactId)}`;
const transcript = document.getElementById("transcript");
const stateEl = document.getElementById("state");
const errorEl = document.getElementById("error");
const form = document.getElementById("whisper");
const input = document.getElementById("whisper-text");
const LABEL = { customer: "Customer", bot: "Assistant (bot)", agent: "Agent", system: "System" };
const shown = new Set();
let agentName = "the agent";

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }

function who(message) {
  const name = message.data && message.data.agent;
  if (message.sender === "note") return message.data && message.data.whisper ? `Whisper · ${name}` : `Private note · ${name}`;
  if (message.sender === "agent" && name) return `Agent · ${name}`;
  return LABEL[message.sender] || message.sender;
}

function add(message) {
  if (shown.has(message.id)) return;
  shown.add(message.id);
  const time = new Date(message.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  transcript.append(h("li", { class: `msg ${message.sender}`, testid: "monitor-message", dataset: { sender: message.sender } },
    h("strong", { text: `${who(message)}: ` }), h("span", { text: message.text }), " ", h("time", { text: time })));
}

// A supervisor's own phone on a call (voice_gateway/tap.py): what they chose, then how it goes.
const tapPanel = document.getElementById("tap");
const tapState = document.getElementById("tap-state");
const TAP_STATE = {
  ringing: () => "Your phone is ringing: answer it.",
  listening: () => "Listening: nobody hears you.",
  barged: () => "Barged in: the caller and the agent hear you.",
  ended: () => "Your phone has left the call.",
  failed: (detail) => `Your phone could not join the call: ${detail}.`,
};

for (const button of tapPanel.querySelectorAll("button")) {
  button.addEventListener("click", async () => {
    try {
      await api(`${base}/tap`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ mode: button.dataset.mode }),
      });
      showError("");
    } catch (error) {
      showError(error.message);
    }
  });
}

function showContact(contact) {
  tapPanel.hidden = consulting || contact.channel !== "phone" || contact.status !== "active";
  agentName = contact.agent.display_name;
  document.getElementById("title").textContent = consulting
    ? `Consulting on ${agentName}'s conversation` : `Monitoring ${agentName}'s conversation`;
  if (consulting) document.getElementById("whisper-label").textContent = `Write to ${agentName}`;
  document.getElementById("facts").textContent =
    `${contact.channel === "phone" ? "Call" : "Chat"} · ${contact.queue} queue · ${contact.status.replace("_", " ")}`;
  [...contact.transcript].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)).forEach(add);
}

function ended(text) {
  stateEl.textContent = text;
  form.hidden = true;
  tapPanel.hidden = true;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${base}/socket`);
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "hello") { showContact(frame.contact); stateEl.textContent = "Live"; }
    else if (frame.type === "message") add(frame.message);
    else if (frame.type === "typing") stateEl.textContent = frame.on ? "Live · the customer is typing…" : "Live";
    else if (frame.type === "tap") tapState.textContent = (TAP_STATE[frame.state] || (() => frame.state))(frame.detail);
    else if (frame.type === "contact" && frame.contact.status === "wrap_up") { stateEl.textContent = "Live · in wrap-up"; tapPanel.hidden = true; }
    else if (frame.type === "contact_removed") ended(`The conversation has left ${agentName}'s desk.`);
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401) { location.replace("/desk/login"); return; }
    if (!form.hidden) ended("Not live: the conversation has ended or left the agent, or the connection was lost. Reload to try again.");
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  try {
    await api(consulting ? `${base}/notes` : `${base}/whisper`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }),
    });
    input.value = "";
    showError("");
  } catch (error) {
    showError(error.message);
  }
});

if (consulting) {
  document.title = "Consult – Tandem";
  document.getElementById("mode").textContent = "Consult";
  const back = document.getElementById("back");
  back.href = "/desk";
  back.textContent = "Desk";
  document.getElementById("hint").textContent =
    "Read-only: the customer does not see this page. What you write reaches the agent only, as a private note.";
  document.getElementById("whisper-label").textContent = "Write to the agent";
  document.querySelector("[data-testid=whisper-send]").textContent = "Send to the agent";
}

api(base)
  .then(() => connect())
  .catch((error) => { showError(error.message); ended("Not live."); });
