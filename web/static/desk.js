// Agent desk: offers, several conversations at once, context and agent assist, wrap-up. One WebSocket
// (/api/desk/socket); every (re)connect starts with a "hello" frame that carries the agent's whole work,
// so this page keeps no state of its own that matters beyond drafts.
import { attachCannedPicker } from "/static/canned.js";
import { attachConsults } from "/static/consult.js";
import { attachNotifications } from "/static/notify.js";
import { fill, h, setText, svg } from "/static/dom.js";
import { REASON_LABEL, STATE_LABEL } from "/static/labels.js";
import { renderMarkdown } from "/static/markdown.js";
const MAX_BYTES = 4096; // gateway.max_message_bytes
const MAX_NOTES_BYTES = 8192; // the server's limit for wrap-up notes
const SENDER_LABEL = { customer: "Customer", bot: "Assistant (bot)", agent: "Agent", system: "System", note: "Private note" };
const CHANNEL_LABEL = { web: "Chat", phone: "Phone" };
// Not (yet) the agent's work: an offer's contact is still queued.
const NOT_MINE = new Set(["offered", "queued"]);
// The contact is over: the server follows with contact_removed, but do not show it meanwhile.
const FINISHED = new Set(["closed", "abandoned", "returned_to_bot", "transferred", "ticket"]);

const $ = (id) => document.getElementById(id);
const ui = {
  conn: $("connection-status"), connText: $("connection-text"), reconnectNow: $("reconnect-now"),
  agentName: $("agent-name"), capacity: $("capacity"), stateSelect: $("state-select"),
  supervisorLink: $("supervisor-link"), signOut: $("sign-out"),
  list: $("contact-list"), count: $("contact-count"), noContacts: $("no-contacts"),
  convEmpty: $("conv-empty"), conv: $("conv"), convTitle: $("conv-title"), convSub: $("conv-sub"),
  banner: $("conv-banner"), transcript: $("transcript"), jump: $("jump"),
  transferQueue: $("transfer-queue"), transfer: $("transfer"), handback: $("handback"), end: $("end"),
  voice: $("voice-panel"), voiceDetail: $("voice-detail"),
  composer: $("composer"), input: $("composer-input"), send: $("send"), cannedList: $("canned-list"),
  customerTyping: $("customer-typing"),
  wrapForm: $("wrap-up-form"), disposition: $("disposition"), notes: $("notes"),
  wrapSubmit: $("wrap-up-submit"), wrapError: $("wrap-up-error"),
  contextEmpty: $("context-empty"), contextBody: $("context-body"),
  ctxCustomer: $("ctx-customer"), ctxReason: $("ctx-reason"), ctxSummary: $("ctx-summary"),
  ctxSuggestions: $("ctx-suggestions"), ctxSuggestionsSection: $("ctx-suggestions-section"),
  ctxSentiment: $("ctx-sentiment"), ctxIntents: $("ctx-intents"), ctxSlots: $("ctx-slots"),
  ctxArticles: $("ctx-articles"), ctxHistory: $("ctx-history"),
  offerDialog: $("offer-dialog"), offerHeading: $("offer-heading"), offerList: $("offer-list"),
  toast: $("toast"), toastText: $("toast-text"), toastClose: $("toast-close"), announcer: $("announcer"), shout: $("shout"),
};

const desk = {
  agent: null,
  contacts: new Map(), // id -> Contact (status offered is never listed)
  offers: new Map(), // id -> {offer, deadline (local ms), node}
  queues: [],
  dispositions: [],
  selected: null,
  unread: new Map(),
  drafts: new Map(), // contact id -> composer text
  wrapDrafts: new Map(), // contact id -> {disposition, notes}
  pending: new Map(), // contact id -> "end" | "wrap_up" | "transfer" | "handback" | "accept"
  skewMs: 0, // server clock minus ours, when the server tells us its time
};

// ---------------------------------------------------------------- helpers


const serverNow = () => Date.now() + desk.skewMs;
const parseTime = (iso) => (iso ? Date.parse(iso) : NaN);

function duration(ms) {
  if (!Number.isFinite(ms)) return "–";
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return date.toDateString() === new Date().toDateString()
    ? time : `${date.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

function humanize(word) {
  if (!word) return "";
  const text = String(word).replace(/[_-]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const reasonLabel = (reason) => REASON_LABEL[reason] || humanize(reason) || "Unknown reason";
const percent = (value) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : "–");
const signed = (value) => (Number.isFinite(value) ? (value > 0 ? "+" : value < 0 ? "−" : "") + Math.abs(value).toFixed(2) : "–");

function customerOf(contact) { return (contact.context && contact.context.customer) || {}; }

function customerName(contact) {
  const customer = customerOf(contact);
  if (customer.display_name) return customer.display_name;
  const phone = (customer.identities || []).find((identity) => identity.channel === "phone");
  if (contact.channel === "phone" && phone) return phone.external_id;
  return contact.channel === "phone" ? "Unknown caller" : "Web visitor";
}

function statusBadge(contact) {
  if (contact.status === "wrap_up") return h("span", { class: "badge warn", text: "Wrap-up" });
  if (contact.status === "ended") return h("span", { class: "badge neutral", text: "Ended" });
  if (!contact.customer_present) return h("span", { class: "badge bad", text: contact.channel === "phone" ? "Caller hung up" : "Customer left" });
  return h("span", { class: "badge ok", text: "Active" });
}

function vipBadge(contact) {
  return customerOf(contact).tier === "vip" ? h("span", { class: "badge vip", testid: "vip-badge", text: "VIP" }) : null;
}

function announce(text) {
  ui.announcer.textContent = "";
  // A fresh text node after a tick makes screen readers speak the same sentence twice in a row too.
  setTimeout(() => { ui.announcer.textContent = text; }, 50);
}

function shout(text) {
  ui.shout.textContent = "";
  setTimeout(() => { ui.shout.textContent = text; }, 50);
}

let toastTimer = null;
function toast(text, kind = "error") {
  ui.toastText.textContent = text;
  ui.toast.classList.toggle("info", kind === "info");
  ui.toast.setAttribute("role", kind === "info" ? "status" : "alert");
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, 8000);
}
ui.toastClose.addEventListener("click", () => { ui.toast.hidden = true; });

function isOpen() { return socket !== null && socket.readyState === WebSocket.OPEN && helloSeen; }

function sendFrame(frame) {
  if (!isOpen()) { toast("Not connected. Wait for the connection to come back, then try again."); return false; }
  socket.send(JSON.stringify(frame));
  return true;
}

// ---------------------------------------------------------------- connection

let socket = null;
let helloSeen = false;
let attempt = 0;
let retryTimer = null;
let retryAt = 0;
let leaving = false;

function setConnection(state, text) {
  ui.conn.dataset.state = state;
  setText(ui.connText, text);
  ui.reconnectNow.hidden = state !== "reconnecting";
}

function toLogin() { leaving = true; location.replace("/desk/login"); }

async function sessionValid() {
  try {
    const response = await fetch("/api/desk/me", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) return false;
    if (response.ok) applyAgent((await response.json()).agent);
  } catch { /* the server is unreachable: keep retrying */ }
  return true;
}

function connect() {
  clearTimeout(retryTimer);
  retryTimer = null;
  setConnection("connecting", attempt ? "Reconnecting…" : "Connecting…");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const opened = new WebSocket(`${scheme}://${location.host}/api/desk/socket`);
  socket = opened;
  helloSeen = false;
  opened.addEventListener("message", (event) => {
    if (socket !== opened) return;
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    try { handle(frame); } catch (error) { console.error("desk: cannot handle", frame, error); }
  });
  opened.addEventListener("close", (event) => {
    if (socket !== opened) return;
    socket = null;
    helloSeen = false;
    disconnected(event);
  });
}

async function disconnected(event) {
  refreshControls();
  if (leaving) return;
  // 4401: session expired; 4403: not allowed (proposed codes; a refused upgrade shows up as 1006).
  if (event.code === 4401 || event.code === 4403) { toLogin(); return; }
  if (event.code === 4409) {
    setConnection("offline", "Signed in elsewhere. This tab is disconnected.");
    ui.reconnectNow.hidden = false;
    return;
  }
  setConnection("reconnecting", "Connection lost. Checking…");
  if (!(await sessionValid())) { toLogin(); return; }
  const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
  attempt += 1;
  retryAt = Date.now() + delay;
  retryTimer = setTimeout(connect, delay);
  showRetry();
}

function showRetry() {
  if (!retryTimer) return;
  const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
  setConnection("reconnecting", navigator.onLine === false
    ? "Offline. Waiting for the network…"
    : `Disconnected. Reconnecting in ${seconds} s…`);
}

ui.reconnectNow.addEventListener("click", () => { if (!socket) connect(); });
window.addEventListener("online", () => { if (retryTimer) connect(); });

// ---------------------------------------------------------------- frames

function handle(frame) {
  if (frame.server_time) {
    const skew = Date.parse(frame.server_time) - Date.now();
    if (Number.isFinite(skew)) desk.skewMs = skew;
  }
  switch (frame.type) {
    case "hello": onHello(frame); break;
    case "offer": addOffer(frame.offer, true); break;
    case "offer_closed": closeOffer(frame.offer_id, frame.outcome); break;
    case "contact": upsertContact(frame.contact); break;
    case "contact_removed": removeContact(frame.contact_id); break;
    case "message": addMessage(frame.contact_id, frame.message); break;
    case "suggestions": setSuggestions(frame.contact_id, frame.articles || []); break;
    case "context": setContext(frame.contact_id, frame.context); break;
    case "agent": applyAgent(frame.agent); break;
    case "error": onError(frame); break;
    case "notice": toast(frame.message, "info"); break;
    case "typing": customerTyping(frame.contact_id, frame.on); break;
    case "consult": consults.asked(frame.consult); break;
    default: break;
  }
}

function onHello(frame) {
  helloSeen = true;
  attempt = 0;
  setConnection("connected", "Connected");
  desk.queues = frame.queues || [];
  desk.dispositions = frame.dispositions || [];
  desk.pending.clear();
  applyAgent(frame.agent);
  fillQueueOptions();
  refreshColleagues();
  consults.reload();
  fillDispositionOptions();

  const previous = desk.selected;
  desk.contacts.clear();
  for (const contact of frame.contacts || []) {
    if (!NOT_MINE.has(contact.status) && !FINISHED.has(contact.status)) desk.contacts.set(contact.id, normalize(contact));
  }
  for (const id of [...desk.unread.keys()]) if (!desk.contacts.has(id)) desk.unread.delete(id);

  // Keep the cards (and the focus in them) of offers that are still open; drop the others.
  const open = new Set((frame.offers || []).map((offer) => offer.id));
  for (const [id, entry] of desk.offers) if (!open.has(id)) { removeOfferNode(id, entry); desk.offers.delete(id); }
  for (const entry of desk.offers.values()) entry.sent = false;
  for (const offer of frame.offers || []) addOffer(offer, false);
  renderOffers();

  renderList();
  select(desk.contacts.has(previous) ? previous : firstContactId(), { force: true });
  refreshControls();
}

function onError(frame) {
  toast(frame.message || `Error: ${frame.code}`);
  // An error about an offer that is gone (if the server names it): drop its card.
  if (frame.offer_id && desk.offers.has(frame.offer_id) && /no_such|not_found|expired|closed|gone/.test(frame.code || "")) {
    removeOfferNode(frame.offer_id);
    desk.offers.delete(frame.offer_id);
  }
  // Whatever we were waiting for did not happen: let the agent try again.
  if (frame.contact_id) desk.pending.delete(frame.contact_id); else desk.pending.clear();
  for (const entry of desk.offers.values()) entry.sent = false;
  if (desk.agent) setStateSelect(desk.agent.state);
  renderOffers();
  refreshControls();
}

function normalize(contact) {
  contact.transcript = contact.transcript || [];
  contact.context = contact.context || {};
  const context = contact.context;
  context.customer = context.customer || {};
  for (const key of ["intents", "sentiment", "articles_shown", "suggestions"]) context[key] = context[key] || [];
  context.slots = context.slots || {};
  return contact;
}

// ---------------------------------------------------------------- agent, header

function applyAgent(agent) {
  if (!agent) return;
  desk.agent = agent;
  setText(ui.agentName, agent.display_name || agent.username);
  ui.supervisorLink.hidden = agent.role !== "supervisor";
  setStateSelect(agent.state); // the server's word, whatever the select showed meanwhile
  renderCapacity();
  if (desk.selected) renderVoicePanel(desk.contacts.get(desk.selected));
}

function setStateSelect(state) {
  const select = ui.stateSelect;
  for (const option of select.options) {
    if (option.value === "busy" || option.value === "wrap_up") option.hidden = option.value !== state;
  }
  select.value = state in STATE_LABEL ? state : "offline";
  select.dataset.state = select.value;
}

ui.stateSelect.addEventListener("change", () => {
  const state = ui.stateSelect.value;
  if (!sendFrame({ type: "state", state })) { setStateSelect(desk.agent ? desk.agent.state : "offline"); return; }
  ui.stateSelect.dataset.state = state;
});

function renderCapacity() {
  if (!desk.agent) return;
  let chats = 0;
  let calls = 0;
  for (const contact of desk.contacts.values()) {
    if (contact.channel === "phone") calls += 1; else chats += 1;
  }
  const agent = desk.agent;
  // Calls are bridged to the agent's own phone: with none on file, routing offers chats only.
  const takesCalls = !agent.channels || agent.channels.includes("phone");
  setText(ui.capacity, `Chats ${chats}/${agent.chat_capacity ?? "–"} · `
    + (takesCalls ? `Calls ${calls}/${agent.voice_capacity ?? "–"}` : "Chat only (no phone on file)"));
}

ui.signOut.addEventListener("click", async () => {
  leaving = true;
  ui.signOut.disabled = true;
  if (socket) socket.close(1000, "sign out");
  try { await fetch("/api/desk/logout", { method: "POST", credentials: "same-origin" }); } catch { /* go anyway */ }
  location.replace("/desk/login");
});

// ---------------------------------------------------------------- offers

function offerDeadline(offer) {
  const timeoutMs = (Number(offer.timeout_s) || 20) * 1000;
  const byServer = parseTime(offer.expires_at) - desk.skewMs;
  const left = byServer - Date.now();
  // A clock that is far off would show nonsense: then count the offer's own timeout from now.
  if (Number.isFinite(left) && left <= timeoutMs + 2000 && left > -2000) return byServer;
  return Date.now() + timeoutMs;
}

function addOffer(offer, fresh) {
  if (!offer || desk.offers.has(offer.id)) return;
  offer.contact = normalize(offer.contact || {});
  const entry = { offer, deadline: offerDeadline(offer), sent: false, node: null };
  desk.offers.set(offer.id, entry);
  if (fresh) {
    renderOffers();
    chime();
    notify(`Incoming ${channelNoun(offer.contact)}`, `${customerName(offer.contact)} is waiting. Accept it on the desk.`, offer.id, null);
  }
}

function closeOffer(offerId, outcome) {
  const entry = desk.offers.get(offerId);
  if (!entry) return;
  const hadFocus = entry.node && (entry.node.contains(document.activeElement) || document.activeElement === document.body);
  desk.offers.delete(offerId);
  removeOfferNode(offerId, entry);
  if (hadFocus && desk.offers.size) ui.offerDialog.focus();
  const name = customerName(entry.offer.contact);
  if (outcome === "accepted" && !isCallback(entry.offer.contact)) desk.pending.set(entry.offer.contact.id, "accept");
  else if (outcome === "expired") announce(`The offer for ${name} expired.`);
  else if (outcome === "withdrawn") announce(`The offer for ${name} was withdrawn.`);
  renderOffers();
}

function removeOfferNode(offerId, entry = desk.offers.get(offerId)) {
  if (entry && entry.node) entry.node.remove();
}

let focusBeforeOffer = null;
const TYPING_GRACE_MS = 3000;
let lastTypedAt = 0;
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLInputElement) lastTypedAt = Date.now();
}, true);

function renderOffers() {
  const dialog = ui.offerDialog;
  const count = desk.offers.size;
  if (!count) {
    if (!dialog.hidden) {
      // A pressed (then disabled) button drops focus to <body>: bring it back too.
      const hadFocus = dialog.contains(document.activeElement) || document.activeElement === document.body;
      dialog.hidden = true;
      if (hadFocus) {
        const back = focusBeforeOffer && document.contains(focusBeforeOffer) && !focusBeforeOffer.disabled ? focusBeforeOffer : null;
        if (back) back.focus(); else if (desk.selected) focusWorkArea(); else ui.list.focus();
      }
    }
    focusBeforeOffer = null;
    updateTitle();
    return;
  }
  const ordered = [...desk.offers.values()].sort((a, b) => a.deadline - b.deadline);
  setText(ui.offerHeading, count === 1 ? `Incoming ${channelNoun(ordered[0].offer.contact)}` : `${count} incoming contacts`);
  ordered.forEach((entry, index) => {
    if (!entry.node) entry.node = offerCard(entry);
    if (ui.offerList.children[index] !== entry.node) ui.offerList.insertBefore(entry.node, ui.offerList.children[index] || null);
    const busy = Boolean(entry.sent) || entry.deadline <= Date.now() || !isOpen();
    const accept = entry.node.querySelector("[data-testid=offer-accept]");
    const decline = entry.node.querySelector("[data-testid=offer-decline]");
    accept.disabled = busy;
    decline.disabled = busy;
    setText(accept, entry.sent === "accept" ? "Accepting…" : "Accept");
    setText(decline, entry.sent === "decline" ? "Declining…" : "Decline");
  });
  if (dialog.hidden) {
    focusBeforeOffer = document.activeElement;
    dialog.hidden = false;
    const first = ordered[0].offer.contact;
    if (Date.now() - lastTypedAt < TYPING_GRACE_MS) {
      // Mid-sentence in a reply: do not pull the caret away; say it instead.
      shout(`Incoming ${channelNoun(first)} from ${customerName(first)}. Shift+Tab from the conversations list reaches it.`);
    } else {
      // Focus the dialog itself, not Accept, so that a stray Enter cannot accept.
      dialog.focus();
    }
  }
  tickOffers();
  updateTitle();
}

// A customer's callback request: accepting it rings the agent's phone, then the customer's (no contact here).
const isCallback = (contact) => contact.kind === "callback";
const channelNoun = (contact) => (isCallback(contact) ? "callback request" : contact.channel === "phone" ? "call" : "chat");

function offerCard(entry) {
  const { offer } = entry;
  const contact = offer.contact;
  const context = contact.context;
  const trigger = context.trigger || {};
  const reason = trigger.reason || contact.reason;
  const accept = h("button", { class: "btn accept", type: "button", testid: "offer-accept", text: "Accept" });
  const decline = h("button", { class: "btn", type: "button", testid: "offer-decline", text: "Decline" });
  accept.addEventListener("click", () => answerOffer(entry, "accept"));
  decline.addEventListener("click", () => answerOffer(entry, "decline"));
  const waited = h("span", { class: "badge neutral", dataset: { role: "waited" } });
  const countdownText = h("span", { dataset: { role: "left" } });
  const bar = h("i");
  return h("div", { class: "offer", dataset: { offerId: offer.id, contactId: contact.id }, testid: "offer" },
    h("p", { class: "who" },
      h("span", { testid: "offer-customer", text: customerName(contact) }),
      vipBadge(contact)),
    h("p", { class: "facts" },
      h("span", { class: "badge info", text: CHANNEL_LABEL[contact.channel] || contact.channel }),
      h("span", { class: "badge neutral", testid: "offer-queue", text: `Queue: ${contact.queue}` }),
      waited),
    h("p", { testid: "offer-reason" }, h("strong", { text: reasonLabel(reason) }),
      trigger.explanation ? h("span", { class: "explanation", text: ` – ${trigger.explanation}` }) : null),
    context.summary ? h("p", { class: "summary", testid: "offer-summary", text: context.summary }) : null,
    h("div", { class: "countdown", role: "timer", "aria-label": "Time left to accept" },
      h("span", { class: "track", "aria-hidden": "true" }, bar), countdownText),
    h("div", { class: "buttons" }, accept, decline));
}

function answerOffer(entry, type) {
  if (entry.sent) return;
  if (!sendFrame({ type, offer_id: entry.offer.id })) return;
  entry.sent = type;
  if (type === "accept" && !isCallback(entry.offer.contact)) desk.pending.set(entry.offer.contact.id, "accept");
  renderOffers();
}

function tickOffers() {
  const now = Date.now();
  for (const [id, entry] of desk.offers) {
    if (!entry.node) continue;
    const left = entry.deadline - now;
    const total = (Number(entry.offer.timeout_s) || 20) * 1000;
    const countdown = entry.node.querySelector(".countdown");
    countdown.classList.toggle("urgent", left <= 5000);
    countdown.querySelector(".track i").style.width = `${Math.max(0, Math.min(100, (left / total) * 100))}%`;
    setText(countdown.querySelector("[data-role=left]"), left > 0 ? `${Math.ceil(left / 1000)} s left` : "Expired");
    const waited = serverNow() - parseTime(entry.offer.contact.enqueued_at);
    setText(entry.node.querySelector("[data-role=waited]"), `Waiting ${duration(waited)}`);
    if (left <= 0) {
      for (const button of entry.node.querySelectorAll("button")) button.disabled = true;
      // The server closes it (offer_closed); do not keep a dead card if that frame never comes.
      if (left < -5000) { desk.offers.delete(id); entry.node.remove(); renderOffers(); return; }
    }
  }
}

let audio = null;
function chime() {
  try {
    if (!audio || audio.state !== "running") return; // no user gesture yet: stay silent
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.5);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.5);
  } catch { /* no audio: the dialog is enough */ }
}
// Browsers only let a page make sound after a user gesture: the first click or key press unlocks the chime.
function unlockAudio() {
  try { audio = audio || new AudioContext(); if (audio.state === "suspended") audio.resume(); } catch { /* no audio */ }
}
document.addEventListener("pointerdown", unlockAudio, { once: true });
document.addEventListener("keydown", unlockAudio, { once: true });

function updateTitle() {
  let unread = 0;
  for (const value of desk.unread.values()) unread += value;
  const prefix = desk.offers.size ? "▶ Incoming – " : unread ? `(${unread}) ` : "";
  document.title = `${prefix}Agent desk – Tandem`;
}

// ---------------------------------------------------------------- contacts

function firstContactId() {
  const sorted = sortedContacts();
  return sorted.length ? sorted[0].id : null;
}

function sortedContacts() {
  const key = (contact) => parseTime(contact.answered_at) || parseTime(contact.enqueued_at) || 0;
  return [...desk.contacts.values()].sort((a, b) => key(a) - key(b));
}

function upsertContact(incoming) {
  if (!incoming || NOT_MINE.has(incoming.status)) return;
  if (FINISHED.has(incoming.status)) { removeContact(incoming.id); return; }
  const contact = normalize(incoming);
  const known = desk.contacts.get(contact.id);
  if (known) {
    // Keep messages that reached us as "message" frames but are not in this snapshot yet.
    const ids = new Set(contact.transcript.map((message) => message.id));
    const extra = known.transcript.filter((message) => !ids.has(message.id));
    if (extra.length) {
      contact.transcript = [...contact.transcript, ...extra]
        .sort((a, b) => parseTime(a.created_at) - parseTime(b.created_at));
    }
    if (!incoming.context || !incoming.context.suggestions) contact.context.suggestions = known.context.suggestions;
    // Intents taken from "message" frames that this snapshot does not have yet.
    const intentIds = new Set(contact.context.intents.map((intent) => intent.message_id));
    for (const intent of known.context.intents) if (!intentIds.has(intent.message_id)) contact.context.intents.push(intent);
  }
  const pending = desk.pending.get(contact.id);
  desk.contacts.set(contact.id, contact);
  if (pending === "accept") desk.pending.delete(contact.id);
  if (pending === "end" && contact.status !== "active") desk.pending.delete(contact.id);
  if (known && known.customer_present && !contact.customer_present) {
    announce(`${customerName(contact)} ${contact.channel === "phone" ? "hung up" : "left the chat"}.`);
  }
  renderList();
  if (!known && (pending === "accept" || !desk.selected)) {
    select(contact.id, { focus: pending === "accept" });
    if (pending === "accept") announce(`Accepted. Now talking with ${customerName(contact)}.`);
  } else if (desk.selected === contact.id) {
    renderConversation({ statusChangedFrom: known ? known.status : null, endedByMe: pending === "end" });
  }
  renderCapacity();
}

function removeContact(contactId) {
  const contact = desk.contacts.get(contactId);
  if (!contact) return;
  const pending = desk.pending.get(contactId);
  desk.contacts.delete(contactId);
  desk.unread.delete(contactId);
  desk.drafts.delete(contactId);
  desk.wrapDrafts.delete(contactId);
  desk.pending.delete(contactId);
  const what = { wrap_up: "Wrap-up saved", transfer: "Transferred", handback: "Handed back to the bot" }[pending] || "Closed";
  announce(`${what}: ${customerName(contact)}.`);
  const wasSelected = desk.selected === contactId;
  const hadFocus = wasSelected && ui.conv.contains(document.activeElement);
  renderList();
  if (wasSelected) {
    select(firstContactId(), { force: true });
    if (hadFocus) { if (desk.selected) focusWorkArea(); else ui.list.focus(); }
  }
  renderCapacity();
  updateTitle();
}

// ---------------------------------------------------------------- typing, both ways

const TYPING_EVERY_MS = 2000;
const TYPING_IDLE_MS = 4000;
const typingShown = new Map(); // contact id -> timer that hides "is typing" if no "off" comes

function customerTyping(contactId, on) {
  clearTimeout(typingShown.get(contactId));
  typingShown.delete(contactId);
  if (on) typingShown.set(contactId, setTimeout(() => customerTyping(contactId, false), 2 * TYPING_IDLE_MS));
  renderCustomerTyping();
}

function renderCustomerTyping() {
  const contact = desk.contacts.get(desk.selected);
  const on = Boolean(contact && typingShown.has(contact.id));
  setText(ui.customerTyping, on ? `${customerName(contact)} is typing…` : "");
  ui.customerTyping.hidden = !on;
}

// The customer sees "Alex is typing" while the agent writes a reply (never a private note).
let typingFor = null;
let typingSentAt = 0;
let typingIdle = null;
function agentTyping(on) {
  const contact = desk.contacts.get(desk.selected);
  clearTimeout(typingIdle);
  if (on && contact && contact.status === "active" && !writingNote()) {
    if (typingFor !== contact.id || Date.now() - typingSentAt > TYPING_EVERY_MS) {
      if (typingFor && typingFor !== contact.id) sendFrame({ type: "typing", contact_id: typingFor, on: false });
      typingFor = contact.id;
      typingSentAt = Date.now();
      sendFrame({ type: "typing", contact_id: contact.id, on: true });
    }
    typingIdle = setTimeout(() => agentTyping(false), TYPING_IDLE_MS);
  } else if (typingFor) {
    if (desk.contacts.get(typingFor)?.status === "active") sendFrame({ type: "typing", contact_id: typingFor, on: false });
    typingFor = null;
    typingSentAt = 0;
  }
}

function addMessage(contactId, message) {
  const contact = desk.contacts.get(contactId);
  if (!contact || !message) return;
  if (message.sender === "customer") customerTyping(contactId, false);
  if (contact.transcript.some((known) => known.id === message.id)) return;
  contact.transcript.push(message);
  // Agent assist: the intent of each customer message shows up at once, before any context update.
  if (message.sender === "customer" && message.intent && !contact.context.intents.some((i) => i.message_id === message.id)) {
    contact.context.intents.push({ message_id: message.id, text: message.text, intent: message.intent, confidence: message.confidence, entities: [] });
    if (desk.selected === contactId) renderIntents(contact);
  }
  if (desk.selected === contactId) {
    appendMessage(message);
  } else if (message.sender === "customer") {
    desk.unread.set(contactId, (desk.unread.get(contactId) || 0) + 1);
    announce(`New message from ${customerName(contact)}.`);
  }
  if (message.sender === "customer") notify(`New message from ${customerName(contact)}`, "Open the desk to read it.", `message-${contactId}`, contactId);
  renderList();
  updateTitle();
}

function setSuggestions(contactId, articles) {
  const contact = desk.contacts.get(contactId);
  if (!contact) return;
  contact.context.suggestions = articles;
  if (desk.selected === contactId) { renderSuggestions(contact); flash(ui.ctxSuggestionsSection); }
}

function setContext(contactId, context) {
  const contact = desk.contacts.get(contactId);
  if (!contact || !context) return;
  const suggestions = contact.context.suggestions;
  contact.context = context;
  normalize(contact);
  if (!context.suggestions) contact.context.suggestions = suggestions;
  if (desk.selected === contactId) renderContext(contact);
  renderList();
}

// ---------------------------------------------------------------- contact list

const listItems = new Map(); // contact id -> {li, button}

function renderList() {
  const contacts = sortedContacts();
  setText(ui.count, String(contacts.length));
  ui.noContacts.hidden = contacts.length > 0;
  for (const [id, item] of listItems) if (!desk.contacts.has(id)) { item.li.remove(); listItems.delete(id); }
  contacts.forEach((contact, index) => {
    let item = listItems.get(contact.id);
    if (!item) {
      const button = h("button", { class: "contact-item", type: "button", testid: "contact-item", dataset: { contactId: contact.id } });
      button.addEventListener("click", () => select(contact.id));
      item = { li: h("li", {}, button), button };
      listItems.set(contact.id, item);
    }
    if (ui.list.children[index] !== item.li) ui.list.insertBefore(item.li, ui.list.children[index] || null);
    fillListItem(item.button, contact);
  });
  tickList();
}

function fillListItem(button, contact) {
  const unread = desk.unread.get(contact.id) || 0;
  const last = contact.transcript[contact.transcript.length - 1];
  const preview = last ? `${last.sender === "agent" ? "You" : SENDER_LABEL[last.sender] || last.sender}: ${last.text}` : "No messages yet";
  button.setAttribute("aria-current", desk.selected === contact.id ? "true" : "false");
  button.classList.toggle("left", !contact.customer_present);
  button.dataset.status = contact.status;
  button.dataset.channel = contact.channel;
  const signature = JSON.stringify([customerName(contact), customerOf(contact).tier, contact.status, contact.customer_present,
    contact.queue, contact.channel, unread, preview]);
  if (button.dataset.signature === signature) return;
  button.dataset.signature = signature;
  fill(button, 
    h("span", { class: "name" }, h("span", { text: customerName(contact) }), vipBadge(contact),
      unread ? h("span", { class: "badge unread", testid: "unread", "aria-label": `${unread} unread`, text: String(unread) }) : null),
    h("span", { class: "timer", dataset: { role: "timer" } }),
    h("span", { class: "meta" },
      h("span", { class: "channel", text: CHANNEL_LABEL[contact.channel] || contact.channel }),
      h("span", { "aria-hidden": "true", text: "·" }),
      h("span", { text: contact.queue }),
      statusBadge(contact)),
    h("span", { class: "preview", text: preview }));
}

function tickList() {
  const now = serverNow();
  for (const [id, item] of listItems) {
    const contact = desk.contacts.get(id);
    const timer = item.button.querySelector("[data-role=timer]");
    if (!contact || !timer) continue;
    const since = parseTime(contact.answered_at) || parseTime(contact.enqueued_at);
    setText(timer, duration(now - since));
  }
}

function select(contactId, { force = false, focus = false } = {}) {
  if (!force && desk.selected === contactId) return;
  saveDrafts();
  agentTyping(false);
  desk.selected = contactId || null;
  renderCustomerTyping();
  if (contactId) desk.unread.delete(contactId);
  for (const [id, item] of listItems) item.button.setAttribute("aria-current", id === desk.selected ? "true" : "false");
  renderList();
  renderConversation({ full: true });
  updateTitle();
  if (focus) focusWorkArea();
}

function saveDrafts() {
  if (!desk.selected) return;
  desk.drafts.set(desk.selected, ui.input.value);
  desk.wrapDrafts.set(desk.selected, { disposition: ui.disposition.value, notes: ui.notes.value });
}

function focusWorkArea() {
  const contact = desk.contacts.get(desk.selected);
  if (!contact) return;
  if (!ui.wrapForm.hidden) ui.disposition.focus();
  else if (!ui.composer.hidden && !ui.input.disabled) ui.input.focus();
  else ui.transcript.focus();
}

document.addEventListener("keydown", (event) => {
  if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
  const ids = sortedContacts().map((contact) => contact.id);
  if (!ids.length) return;
  event.preventDefault();
  const at = ids.indexOf(desk.selected);
  const next = event.key === "ArrowDown" ? (at + 1) % ids.length : (at - 1 + ids.length) % ids.length;
  select(ids[next], { focus: true });
});

// ---------------------------------------------------------------- conversation

const shownMessages = new Set();

function renderConversation({ full = false, statusChangedFrom = null, endedByMe = false } = {}) {
  const contact = desk.contacts.get(desk.selected);
  ui.convEmpty.hidden = Boolean(contact);
  ui.conv.hidden = !contact;
  if (!contact) {
    ui.transcript.replaceChildren();
    shownMessages.clear();
    ui.contextEmpty.hidden = false;
    ui.contextBody.hidden = true;
    return;
  }
  fill(ui.convTitle, h("span", { text: customerName(contact) }), vipBadge(contact), statusBadge(contact));
  renderConvSub(contact);

  if (full) {
    // Switching conversation must not make screen readers read the whole transcript out.
    ui.transcript.setAttribute("aria-live", "off");
    shownMessages.clear();
    ui.transcript.replaceChildren();
    ui.jump.hidden = true;
    for (const message of contact.transcript) appendMessage(message, { scroll: false });
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
    setTimeout(() => ui.transcript.setAttribute("aria-live", "polite"), 100);
    ui.input.value = desk.drafts.get(contact.id) || "";
    autosize();
    const wrap = desk.wrapDrafts.get(contact.id) || { disposition: "", notes: "" };
    ui.disposition.value = desk.dispositions.includes(wrap.disposition) ? wrap.disposition : "";
    ui.notes.value = wrap.notes;
    ui.wrapError.hidden = true;
    ui.transferQueue.value = "";
  } else {
    for (const message of contact.transcript) if (!shownMessages.has(message.id)) appendMessage(message);
  }

  const inWrapUp = contact.status === "wrap_up" || contact.status === "ended";
  const active = contact.status === "active";
  ui.banner.hidden = true;
  if (active && !contact.customer_present) {
    showBanner("warn", contact.channel === "phone"
      ? "The caller hung up. End the conversation to wrap up."
      : "The customer left the chat. End the conversation to wrap up.");
  } else if (contact.status === "ended") {
    showBanner("info", "This conversation has ended. Complete the wrap-up to close it.");
  }
  ui.composer.hidden = !(active && contact.channel !== "phone");
  renderVoicePanel(contact);
  const wasHidden = ui.wrapForm.hidden;
  ui.wrapForm.hidden = !inWrapUp;
  // The End button the agent just pressed is now disabled: carry on in the wrap-up form.
  if (inWrapUp && wasHidden && (endedByMe || (statusChangedFrom === "active" && [document.body, ui.end].includes(document.activeElement)))) {
    ui.disposition.focus();
  }
  renderContext(contact);
  refreshControls();
}

function showBanner(kind, text) {
  ui.banner.className = `banner ${kind}`;
  ui.banner.textContent = text;
  ui.banner.hidden = false;
}

function renderVoicePanel(contact) {
  if (!contact) return;
  ui.voice.hidden = !(contact.channel === "phone" && contact.status === "active");
  const sip = desk.agent && desk.agent.sip_uri;
  setText(ui.voiceDetail, contact.customer_present
    ? ` Talk to the caller on your phone${sip ? ` (${sip})` : ""}; the live transcript appears above.`
    : " The caller has hung up.");
}

function renderConvSub(contact) {
  const now = serverNow();
  const enqueued = parseTime(contact.enqueued_at);
  const answered = parseTime(contact.answered_at);
  const waited = (Number.isFinite(answered) ? answered : now) - enqueued;
  const parts = [CHANNEL_LABEL[contact.channel] || contact.channel, `${contact.queue} queue`, `waited ${duration(waited)}`];
  if (Number.isFinite(answered)) parts.push(`with you ${duration(now - answered)}`);
  setText(ui.convSub, parts.join(" · "));
}

function agentName(data) {
  const agent = data && (data.agent ?? data.agent_name);
  if (typeof agent === "string" && agent) return agent;
  return (agent && agent.display_name) || "Agent";
}

function flagButton(messageId) {
  const button = h("button", { class: "btn small flag", type: "button", testid: "flag-misunderstood",
    title: "Tell the conversation designers the bot misunderstood this message", text: "Bot misunderstood" });
  button.addEventListener("click", async () => {
    const response = await fetch(`/api/desk/messages/${messageId}/flag`, { method: "POST", credentials: "same-origin" });
    if (!response.ok) { toast("Could not flag the message."); return; }
    button.disabled = true;
    button.textContent = "Flagged for the designers";
  });
  return button;
}

function appendMessage(message, { scroll = true } = {}) {
  if (shownMessages.has(message.id)) return;
  shownMessages.add(message.id);
  const contact = desk.contacts.get(desk.selected);
  const log = ui.transcript;
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const tags = [];
  if (message.sender === "customer" && message.intent) {
    tags.push(h("span", { class: "tag", title: "Intent the bot recognised",
      text: `${message.intent}${Number.isFinite(message.confidence) ? ` · ${percent(message.confidence)}` : ""}` }));
  }
  if (contact && message.channel && message.channel !== contact.channel) tags.push(h("span", { class: "tag", text: `via ${message.channel}` }));
  const buttons = message.data && Array.isArray(message.data.buttons) ? message.data.buttons : [];
  if (buttons.length) tags.push(h("span", { class: "tag", text: `Buttons: ${buttons.map((b) => b.title).join(" · ")}` }));
  // For the conversation designers' inbox (/designer): the bot read this customer message wrongly.
  if (message.sender === "customer" && Number.isInteger(message.id)) tags.push(flagButton(message.id));
  const who = message.sender === "agent" ? agentName(message.data)
    : message.sender === "note" ? `${message.data && message.data.whisper ? "Whisper from your supervisor" : "Private note"} · ${agentName(message.data)}`
    : SENDER_LABEL[message.sender] || message.sender;
  const item = h("div", { class: `msg ${message.sender}`, testid: "message", dataset: { sender: message.sender, messageId: message.id } },
    h("span", { class: "head" },
      h("span", { class: "who", text: who }),
      h("time", { datetime: message.created_at, title: new Date(message.created_at).toLocaleString(), text: clock(message.created_at) })),
    h("span", { class: "visually-hidden", text: ": " }),
    message.sender === "bot"
      ? h("span", { class: "text" }, renderMarkdown(message.text))
      : h("span", { class: "text", text: message.text }),
    tags.length ? h("span", { class: "tags" }, tags) : null);
  // Keep time order even when a late frame carries an older message.
  const at = parseTime(message.created_at);
  let before = null;
  for (let node = log.lastElementChild; node; node = node.previousElementSibling) {
    const nodeAt = Date.parse(node.querySelector("time").dateTime);
    if (!(nodeAt > at)) break;
    before = node;
  }
  log.insertBefore(item, before);
  if (!scroll) return;
  if (nearBottom || message.sender === "agent") log.scrollTop = log.scrollHeight;
  else ui.jump.hidden = false;
}

ui.transcript.addEventListener("scroll", () => {
  const log = ui.transcript;
  if (log.scrollHeight - log.scrollTop - log.clientHeight < 40) ui.jump.hidden = true;
});
ui.jump.addEventListener("click", () => { ui.transcript.scrollTop = ui.transcript.scrollHeight; ui.jump.hidden = true; ui.input.focus(); });

function refreshControls() {
  const contact = desk.contacts.get(desk.selected);
  const open = isOpen();
  ui.stateSelect.disabled = !open;
  renderOffers();
  if (!contact) return;
  const pending = desk.pending.get(contact.id);
  const active = contact.status === "active";
  const present = contact.customer_present;
  ui.end.disabled = !(open && active) || Boolean(pending);
  ui.handback.disabled = !(open && active && present) || Boolean(pending);
  ui.transferQueue.disabled = !(open && active && present) || Boolean(pending);
  ui.transfer.disabled = ui.transferQueue.disabled || !ui.transferQueue.value;
  consults.refresh(open && active);
  ui.input.disabled = !(active && present);
  ui.send.disabled = !(open && active && present);
  ui.input.placeholder = present ? "Type a reply…" : "The customer has left";
  ui.wrapSubmit.disabled = !open || pending === "wrap_up";
  setText(ui.wrapSubmit, pending === "wrap_up" ? "Submitting…" : "Submit wrap-up");
  for (const button of ui.ctxSuggestions.querySelectorAll("[data-testid=suggestion-insert]")) button.disabled = ui.input.disabled;
}

// Transfer to a queue, or to an agent at their desk now (held for them a minute, then their queue's).
// Anyone else at a desk, supervisors too, may be asked to consult.
let colleagues = [];
function fillQueueOptions() {
  const current = ui.transferQueue.value;
  const people = colleagues.filter((c) => c.role === "agent").map((c) => h("option", { value: `agent:${c.id}`, text: `${c.display_name} (${humanize(c.state)})` }));
  fill(ui.transferQueue, h("option", { value: "", text: "Transfer to…" }),
    h("optgroup", { label: "Queues" }, ...desk.queues.map((queue) => h("option", { value: queue, text: humanize(queue) }))),
    people.length ? h("optgroup", { label: "Colleagues" }, ...people) : null);
  const known = desk.queues.includes(current) || colleagues.some((c) => `agent:${c.id}` === current);
  ui.transferQueue.value = known ? current : "";
}

async function refreshColleagues() {
  try {
    const response = await fetch("/api/desk/colleagues", { credentials: "same-origin" });
    if (!response.ok) return;
    colleagues = (await response.json()).colleagues;
    fillQueueOptions();
    consults.setColleagues(colleagues);
    refreshControls();
  } catch { /* the queues are still there */ }
}

function fillDispositionOptions() {
  const current = ui.disposition.value;
  fill(ui.disposition, h("option", { value: "", text: "Choose a disposition…" }),
    ...desk.dispositions.map((disposition) => h("option", { value: disposition, text: humanize(disposition) })));
  ui.disposition.value = desk.dispositions.includes(current) ? current : "";
}

// ---------------------------------------------------------------- actions

function act(type, extra = {}) {
  const contactId = desk.selected;
  if (!contactId) return false;
  if (!sendFrame({ type, contact_id: contactId, ...extra })) return false;
  desk.pending.set(contactId, type);
  refreshControls();
  return true;
}

ui.end.addEventListener("click", () => act("end"));
ui.handback.addEventListener("click", () => act("handback"));
// Follow-up work after the live conversation: a ticket with this contact's context, on the Tickets page.
document.getElementById("create-ticket").addEventListener("click", async () => {
  const contactId = desk.selected;
  if (!contactId) return;
  const response = await fetch("/api/tickets", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ contact_id: contactId }),
  });
  const data = await response.json();
  if (!response.ok) { toast(data.error ? data.error.message : "Could not create the ticket."); return; }
  toast(`Ticket ${data.ticket.reference} created: find it on the Tickets page.`, "info");
});
ui.transferQueue.addEventListener("change", refreshControls);
ui.transferQueue.addEventListener("focus", refreshColleagues);
$("consult-with").addEventListener("focus", refreshColleagues);
ui.transfer.addEventListener("click", () => {
  const target = ui.transferQueue.value;
  if (target.startsWith("agent:")) act("transfer", { to_agent: target.slice("agent:".length) });
  else if (target) act("transfer", { queue: target });
});

ui.wrapForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const disposition = ui.disposition.value;
  if (!disposition) {
    ui.wrapError.textContent = "Choose a disposition.";
    ui.wrapError.hidden = false;
    ui.disposition.setAttribute("aria-invalid", "true");
    ui.disposition.focus();
    return;
  }
  const notes = ui.notes.value.trim();
  if (new TextEncoder().encode(notes).length > MAX_NOTES_BYTES) {
    ui.wrapError.textContent = `The notes are too long (limit ${MAX_NOTES_BYTES} bytes).`;
    ui.wrapError.hidden = false;
    ui.notes.focus();
    return;
  }
  ui.wrapError.hidden = true;
  ui.disposition.removeAttribute("aria-invalid");
  act("wrap_up", { disposition, notes });
});
ui.disposition.addEventListener("change", () => { ui.disposition.removeAttribute("aria-invalid"); ui.wrapError.hidden = true; });

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const contactId = desk.selected;
  const text = ui.input.value.trim();
  if (!contactId || !text) return;
  if (new TextEncoder().encode(text).length > MAX_BYTES) { toast(`The message is too long (limit ${MAX_BYTES} bytes).`); return; }
  // The server echoes the agent's own message (or note) back as a "message" frame; that is what shows it.
  agentTyping(false);
  if (!sendFrame({ type: writingNote() ? "note" : "send", contact_id: contactId, text })) return;
  ui.input.value = "";
  desk.drafts.delete(contactId);
  autosize();
});

const notify = attachNotifications($("notify"), $("notify-status"), (contactId) => {
  if (contactId && desk.contacts.has(contactId)) select(contactId, { focus: true });
});
const consults = attachConsults({
  select: $("consult-with"), button: $("consult"), section: $("consults"), list: $("consult-list"),
  selectedContact: () => desk.selected, toast, notify,
});

// A private note goes to the agents' side of the transcript only; the box looks different while it does.
const writingNote = () => ui.composer.elements.mode.value === "note";
ui.composer.addEventListener("change", (event) => {
  if (event.target.name !== "mode") return;
  agentTyping(false);
  const note = writingNote();
  ui.composer.classList.toggle("note", note);
  ui.input.placeholder = note ? "Write a private note: the customer never sees it…" : "Type a reply, or / for canned responses…";
  $("composer-label").textContent = note ? "Private note (agents only)" : "Reply to the customer";
  ui.input.focus();
});

// Registered before the Enter-sends handler below, which it stops while its list is open.
attachCannedPicker(ui.input, ui.cannedList, () => desk.selected);

ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.input.addEventListener("input", () => {
  if (desk.selected) desk.drafts.set(desk.selected, ui.input.value);
  agentTyping(ui.input.value.trim() !== "" && !ui.input.value.startsWith("/"));
  autosize();
});

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 200)}px`;
}

function insertIntoComposer(text) {
  const input = ui.input;
  if (input.disabled || ui.composer.hidden) return;
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  const before = input.value.slice(0, start);
  const spacer = before && !/\s$/.test(before) ? " " : "";
  input.setRangeText(spacer + text, start, end, "end");
  input.dispatchEvent(new Event("input"));
  input.focus();
}

// ---------------------------------------------------------------- context panel

function renderContext(contact) {
  ui.contextEmpty.hidden = true;
  ui.contextBody.hidden = false;
  renderCustomer(contact);
  renderReason(contact);
  const summary = contact.context.summary;
  fill(ui.ctxSummary, summary ? h("p", { text: summary }) : h("p", { class: "none", text: "No summary yet." }));
  renderSuggestions(contact);
  renderSentiment(contact);
  renderIntents(contact);
  renderSlots(contact);
  renderArticlesShown(contact);
  renderHistory(contact);
}

function renderCustomer(contact) {
  const customer = customerOf(contact);
  const identities = customer.identities || [];
  fill(ui.ctxCustomer, 
    h("p", { class: "customer-name" }, h("span", { text: customerName(contact) }),
      customer.tier === "vip" ? h("span", { class: "badge vip", text: "VIP" }) : h("span", { class: "badge neutral", text: humanize(customer.tier || "standard") }),
      customer.verified_customer_id
        ? h("span", { class: "badge ok", text: "Verified" })
        : h("span", { class: "badge warn", text: "Not verified" })),
    h("dl", {},
      customer.verified_customer_id ? [h("dt", { text: "Customer no." }), h("dd", { text: customer.verified_customer_id })] : null,
      identities.length
        ? identities.map((identity) => [h("dt", { text: CHANNEL_LABEL[identity.channel] || humanize(identity.channel) }), h("dd", { text: identity.external_id })])
        : [h("dt", { text: "Identities" }), h("dd", { class: "muted", text: "none known" })]));
}

function renderReason(contact) {
  const trigger = contact.context.trigger || {};
  const reason = trigger.reason || contact.reason;
  fill(ui.ctxReason, 
    h("p", {}, h("span", { class: "reason-label", text: reasonLabel(reason) }), " ",
      Number.isFinite(trigger.priority ?? contact.priority) ? h("span", { class: "badge neutral", text: `Priority ${trigger.priority ?? contact.priority}` }) : null),
    trigger.explanation ? h("p", { text: trigger.explanation }) : null,
    trigger.at ? h("p", { class: "muted", text: `Escalated ${clock(trigger.at)}` }) : null);
}

function renderSuggestions(contact) {
  const articles = contact.context.suggestions || [];
  const focusedSlug = ui.ctxSuggestions.contains(document.activeElement) ? document.activeElement.dataset.slug : null;
  const canInsert = contact.channel !== "phone" && contact.status === "active";
  fill(ui.ctxSuggestions, ...(articles.length ? articles.map((article) => h("li", { class: "suggestion", testid: "suggestion", dataset: { slug: article.slug } },
    h("span", { class: "t" }, h("span", { text: article.title }),
      Number.isFinite(article.score) ? h("span", { class: "score", title: "Relevance", text: article.score <= 1 ? percent(article.score) : article.score.toFixed(2) }) : null),
    h("p", { text: article.snippet }),
    canInsert ? h("button", {
      class: "btn small", type: "button", testid: "suggestion-insert", dataset: { slug: article.slug },
      "aria-label": `Insert “${article.title}” into the reply`, text: "Insert into reply",
      onclick: () => insertIntoComposer(article.snippet),
    }) : null)) : [h("li", { class: "none", text: "No suggestions for this conversation yet." })]));
  if (focusedSlug) {
    const again = ui.ctxSuggestions.querySelector(`button[data-slug="${CSS.escape(focusedSlug)}"]`);
    if (again) again.focus();
  }
  for (const button of ui.ctxSuggestions.querySelectorAll("button")) button.disabled = ui.input.disabled;
}

function flash(node) {
  node.classList.remove("fresh");
  void node.offsetWidth; // restart the animation
  node.classList.add("fresh");
}

function renderSentiment(contact) {
  const points = (contact.context.sentiment || []).filter((point) => Number.isFinite(point.score));
  if (!points.length) { fill(ui.ctxSentiment, h("p", { class: "none", text: "No customer messages scored yet." })); return; }
  const width = 320;
  const height = 64;
  const pad = 6;
  const x = (index) => (points.length === 1 ? width / 2 : pad + (index * (width - 2 * pad)) / (points.length - 1));
  const y = (score) => pad + ((1 - Math.max(-1, Math.min(1, score))) / 2) * (height - 2 * pad);
  const last = points[points.length - 1];
  const average = Number.isFinite(last.average) ? last.average : null;
  const first = points.find((point) => Number.isFinite(point.average));
  const trend = average !== null && first && points.length > 1
    ? (average - first.average < -0.1 ? "falling" : average - first.average > 0.1 ? "rising" : "steady") : null;
  const label = `Sentiment of ${points.length} customer message${points.length === 1 ? "" : "s"}: latest ${signed(last.score)}`
    + (average !== null ? `, average ${signed(average)}` : "") + (trend ? `, ${trend}` : "") + ". Scale −1 (negative) to +1 (positive).";
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "sparkline", role: "img", "aria-label": label, "data-testid": "sentiment-sparkline" });
  chart.append(svg("line", { class: "zero", x1: 0, x2: width, y1: y(0), y2: y(0) }));
  chart.append(svg("polyline", { class: "score", points: points.map((point, i) => `${x(i)},${y(point.score)}`).join(" ") }));
  if (points.some((point) => Number.isFinite(point.average))) {
    chart.append(svg("polyline", { class: "avg", points: points.filter((p) => Number.isFinite(p.average)).map((point) => `${x(points.indexOf(point))},${y(point.average)}`).join(" ") }));
  }
  points.forEach((point, i) => {
    const dot = svg("circle", { cx: x(i), cy: y(point.score), r: i === points.length - 1 ? 4 : 2.5, class: point.score > 0.05 ? "pos" : point.score < -0.05 ? "neg" : "neu" });
    const title = svg("title");
    title.textContent = `${clock(point.at)}: ${signed(point.score)}`;
    dot.append(title);
    chart.append(dot);
  });
  fill(ui.ctxSentiment, chart,
    h("div", { class: "legend", "aria-hidden": "true" },
      h("span", {}, h("i"), `Latest ${signed(last.score)}`),
      average !== null ? h("span", {}, h("i", { class: "avg" }), `Average ${signed(average)}`) : null,
      trend ? h("span", { text: humanize(trend) }) : null));
}

function renderIntents(contact) {
  const intents = [...(contact.context.intents || [])].reverse();
  if (!intents.length) { fill(ui.ctxIntents, h("p", { class: "none", text: "No intents recognised yet." })); return; }
  const low = 0.5;
  fill(ui.ctxIntents, h("table", { class: "intents" },
    h("caption", { class: "visually-hidden", text: "Intents of the customer's messages, newest first" }),
    h("colgroup", {}, h("col", { class: "c-msg" }), h("col", { class: "c-intent" }), h("col", { class: "c-conf" })),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Message" }), h("th", { scope: "col", text: "Intent" }), h("th", { scope: "col", text: "Confidence" }))),
    h("tbody", {}, intents.map((intent) => h("tr", {},
      h("td", { class: "utter", title: intent.text, text: intent.text }),
      h("td", {}, h("span", { text: intent.intent }),
        (intent.entities || []).length ? h("span", { class: "entities" }, intent.entities.map((entity) => h("span", { class: "badge neutral", text: `${entity.entity}: ${entity.value}` }))) : null),
      h("td", {}, h("span", { class: `conf${intent.confidence < low ? " low" : ""}` },
        h("span", { class: "bar", "aria-hidden": "true" }, widthBar(intent.confidence)),
        h("span", { text: percent(intent.confidence) }))))))));
}

function widthBar(fraction) {
  const bar = h("i");
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100)}%`; // CSSOM, allowed under a strict CSP
  return bar;
}

function renderSlots(contact) {
  const entries = Object.entries(contact.context.slots || {}).filter(([, value]) => value !== null && value !== undefined && value !== "");
  fill(ui.ctxSlots, entries.length
    ? h("dl", {}, entries.map(([name, value]) => [h("dt", { text: humanize(name) }), h("dd", { text: typeof value === "boolean" ? (value ? "Yes" : "No") : typeof value === "string" ? value : JSON.stringify(value) })]))
    : h("p", { class: "none", text: "Nothing collected." }));
}

function renderArticlesShown(contact) {
  const articles = contact.context.articles_shown || [];
  fill(ui.ctxArticles, articles.length
    ? h("ul", {}, articles.map((article) => h("li", { title: article.slug, text: article.title })))
    : h("p", { class: "none", text: "The bot showed no articles." }));
}

function renderHistory(contact) {
  const history = [...(customerOf(contact).history || [])].sort((a, b) => parseTime(b.created_at) - parseTime(a.created_at));
  fill(ui.ctxHistory, history.length
    ? h("ul", { class: "history" }, history.map((item) => h("li", {},
      h("span", { class: "when", text: `${new Date(item.created_at).toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" })} · ${CHANNEL_LABEL[item.channel] || item.channel} · ${humanize(item.status)}` }),
      h("div", { text: item.summary || "No summary." }))))
    : h("p", { class: "none", text: "First contact." }));
}

// ---------------------------------------------------------------- clock, start

setInterval(() => {
  tickOffers();
  tickList();
  const contact = desk.contacts.get(desk.selected);
  if (contact) renderConvSub(contact);
  if (retryTimer) showRetry();
}, 1000);

(async () => {
  if (!(await sessionValid())) { toLogin(); return; }
  connect();
})();
