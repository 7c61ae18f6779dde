// Customer chat page: one conversation per browser, kept across reloads; talks to the gateway over WebSocket.
import { renderMarkdown } from "./markdown.js";

const MAX_BYTES = 4096;
const logEl = document.getElementById("log");
const typingEl = document.getElementById("typing");
const quickEl = document.getElementById("quick-replies");
const statusEl = document.getElementById("status");
const errorEl = document.getElementById("error");
const form = document.getElementById("composer");
const input = document.getElementById("composer-input");
const sendButton = document.getElementById("send");
const handoffEl = document.getElementById("handoff");
const endButton = document.getElementById("end-chat");
const endedEl = document.getElementById("ended");
const SENDER_LABEL = { customer: "You", bot: "Assistant", agent: "Agent", system: "Notice" };

let socket = null;
let retryMs = 500;
const shown = new Set();

function visitorId() {
  let id = localStorage.getItem("tandem.visitor");
  if (!id) { id = crypto.randomUUID(); localStorage.setItem("tandem.visitor", id); }
  return id;
}

async function conversationId(forceNew = false) {
  let id = forceNew ? null : localStorage.getItem("tandem.conversation");
  if (!id) {
    const response = await fetch("/api/conversations", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ visitor_id: visitorId() }),
    });
    if (!response.ok) throw new Error((await response.json()).error.message);
    id = (await response.json()).conversation_id;
    localStorage.setItem("tandem.conversation", id);
  }
  return id;
}

function showError(text) {
  errorEl.textContent = text;
  errorEl.hidden = !text;
}

function render(message) {
  if (shown.has(message.id)) return;
  shown.add(message.id);
  const item = document.createElement("li");
  item.className = `msg ${message.sender}`;
  item.dataset.sender = message.sender;
  const who = document.createElement("span");
  who.className = "who";
  const agentName = message.sender === "agent" && message.data && message.data.agent;
  who.textContent = `${agentName || SENDER_LABEL[message.sender] || message.sender}: `;
  const text = document.createElement("span");
  text.className = "text";
  // The assistant's answers carry lists, bold and links; what people type is shown as typed.
  if (message.sender === "bot") text.append(renderMarkdown(message.text));
  else text.textContent = message.text;
  const when = document.createElement("time");
  when.dateTime = message.created_at;
  when.textContent = new Date(message.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  item.append(who, text);
  const waiting = message.data && message.data.continue_conversation;
  if (waiting) item.append(" ", openButton(waiting));
  item.append(when);
  logEl.append(item);
  logEl.scrollTop = logEl.scrollHeight;
  renderQuickReplies(message.sender === "customer" ? [] : (message.data && message.data.buttons) || []);
  if (message.data && message.data.queue_position) showQueue(message.data);
}

// The customer's earlier conversation with our team, named once they proved who they are: this chat
// page follows one conversation, so opening it switches the page over.
function openButton(conversation) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button";
  button.dataset.testid = "open-waiting";
  button.textContent = "Open that conversation";
  button.addEventListener("click", () => {
    localStorage.setItem("tandem.conversation", conversation);
    location.reload();
  });
  return button;
}

// The live place in the queue: updated in place, while the transcript gets a line only when it changes.
function showQueue({ queue_position: position, expected_wait_s: waitS }) {
  const minutes = Math.round((Number(waitS) || 0) / 60);
  const wait = minutes >= 1 ? `, about ${minutes} minute${minutes === 1 ? "" : "s"}` : "";
  showHandoff(`Waiting for a colleague: number ${position} in the queue${wait}.`);
}

function showHandoff(text) {
  handoffEl.textContent = text;
  handoffEl.hidden = !text;
}

const TICKET_BANNER = "Your message is with our team: their reply will appear here.";

function onHandoff(frame) {
  if (frame.status === "ticket") showHandoff(TICKET_BANNER);
  else if (frame.status === "queued") showHandoff("Waiting for a colleague…");
  else if (frame.status === "agent") showHandoff(`You're chatting with ${frame.agent.display_name}.`);
  else showHandoff("");
}

const ratingForm = document.getElementById("rating");
const ratingThanks = document.getElementById("rating-thanks");

function thank(text) {
  ratingForm.hidden = true;
  ratingThanks.textContent = text;
  ratingThanks.hidden = false;
}

function offerRating() {
  const id = localStorage.getItem("tandem.conversation");
  if (!id || localStorage.getItem(`tandem.rated.${id}`)) return;
  ratingForm.hidden = false;
}

ratingForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = localStorage.getItem("tandem.conversation");
  const data = new FormData(ratingForm);
  const response = await fetch(`/api/conversations/${id}/rating`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ score: Number(data.get("score")), comment: String(data.get("comment") || "") }),
  });
  const body = await response.json();
  if (response.ok || (body.error && body.error.code === "already_rated")) {
    localStorage.setItem(`tandem.rated.${id}`, "1");
    thank(response.ok ? "Thank you for your feedback." : "You have rated this chat already. Thank you!");
  } else showError(body.error ? body.error.message : "Could not send your rating; please try again.");
});

function ended() {
  offerRating();
  endedEl.hidden = false;
  form.hidden = true;
  endButton.hidden = true;
  quickEl.replaceChildren();
  showHandoff("");
}

function renderQuickReplies(buttons) {
  quickEl.replaceChildren(...buttons.map((b) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = b.title;
    button.addEventListener("click", () => send(b.title, b.payload));
    return button;
  }));
}

// Who is writing to the customer: the assistant, or a colleague by first name ("Alex is typing…").
const typingText = document.getElementById("typing-text");
let typingHide = null;
function showTyping(frame) {
  typingText.textContent = frame.who ? `${frame.who} is typing…` : "Assistant is typing…";
  typingEl.hidden = !frame.on;
  clearTimeout(typingHide);
  // A person's "stopped" may never come (a closed desk): do not show them typing for ever.
  if (frame.on && frame.who) typingHide = setTimeout(() => { typingEl.hidden = true; }, 10000);
}

// An agent on the conversation sees when the customer is writing: "on" every 2 s at most while they
// type, "off" after 4 s without a key or when the message goes.
let typingSentAt = 0;
let typingIdle = null;
function sendTyping(on) {
  clearTimeout(typingIdle);
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  if (on && Date.now() - typingSentAt < 2000) { typingIdle = setTimeout(() => sendTyping(false), 4000); return; }
  if (!on && !typingSentAt) return;
  typingSentAt = on ? Date.now() : 0;
  socket.send(JSON.stringify({ type: "typing", on }));
  if (on) typingIdle = setTimeout(() => sendTyping(false), 4000);
}

function send(text, payload) {
  if (!socket || socket.readyState !== WebSocket.OPEN) { showError("Not connected yet; please try again in a moment."); return false; }
  if (new TextEncoder().encode(text).length > MAX_BYTES) { showError(`Your message is too long (limit ${MAX_BYTES} bytes).`); return false; }
  showError("");
  sendTyping(false);
  socket.send(JSON.stringify({ type: "message", text, payload, client_id: crypto.randomUUID() }));
  quickEl.replaceChildren();
  return true;
}

async function connect(forceNew = false) {
  let id;
  try { id = await conversationId(forceNew); } catch (err) { return retry(`Cannot start a chat: ${err.message}`); }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/conversations/${id}/ws`);
  socket.addEventListener("open", () => { retryMs = 500; statusEl.textContent = "Connected"; sendButton.disabled = false; });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "hello") {
      frame.messages.forEach(render);
      if (frame.status === "closed") ended();
      else if (frame.status === "ticket") showHandoff(TICKET_BANNER);
      else if (frame.status === "agent") showHandoff("You're chatting with one of our team.");
      else if (frame.status === "queued" && handoffEl.hidden) showHandoff("Waiting for a colleague…");
      if (!frame.bot_available) statusEl.textContent = "Connected – the assistant is temporarily unavailable";
    } else if (frame.type === "message") render(frame.message);
    else if (frame.type === "typing") showTyping(frame);
    else if (frame.type === "handoff") onHandoff(frame);
    else if (frame.type === "queue_status") showQueue(frame);
    else if (frame.type === "closed") ended();
    else if (frame.type === "error") showError(frame.message);
  });
  socket.addEventListener("close", (event) => {
    sendButton.disabled = true;
    typingEl.hidden = true;
    // The server refuses the upgrade (no 101) for a conversation it does not know: start a new one.
    if (event.code === 1006 && !shown.size && !forceNew) { localStorage.removeItem("tandem.conversation"); }
    retry("Connection lost. Reconnecting…");
  });
}

function retry(text) {
  statusEl.textContent = text;
  setTimeout(() => connect(), retryMs);
  retryMs = Math.min(retryMs * 2, 10000);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  if (send(text)) input.value = "";
});
input.addEventListener("input", () => sendTyping(input.value.trim() !== ""));
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
});
endButton.addEventListener("click", async () => {
  const id = localStorage.getItem("tandem.conversation");
  if (!id) return;
  const response = await fetch(`/api/conversations/${id}/close`, { method: "POST" });
  if (response.ok) ended();
  else showError("Could not end the chat; please try again.");
});
document.getElementById("new-chat").addEventListener("click", () => {
  localStorage.removeItem("tandem.conversation");
  location.reload();
});
sendButton.disabled = true;
connect();
