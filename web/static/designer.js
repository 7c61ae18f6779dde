// The designer's NLU inbox: groups of real customer messages that need a label, each labelled with an
// intent (the NLU's guesses first) or as out of scope. DOM built with h(), never innerHTML.
import { deskApi as api, h } from "/static/dom.js";

const list = document.getElementById("groups");
const statusEl = document.getElementById("status");
const errorEl = document.getElementById("error");
const summary = document.getElementById("summary");
const OUT_OF_SCOPE = "out_of_scope";
const WHY = {
  fallback: "fallback", low_confidence: "low confidence", escalated: "went to a person", flagged: "flagged by an agent",
};
const SHOWN = 5;

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }
function showStatus(text) { statusEl.textContent = text; statusEl.hidden = !text; }

function guess(message) {
  if (!message.intent || message.intent === "nlu_fallback") return "no intent";
  return `${message.intent} ${Math.round((message.confidence || 0) * 100)} %`;
}

function card(group, intents) {
  const choices = [...group.suggestions, ...intents.filter((i) => !group.suggestions.includes(i))];
  const select = h("select", { testid: "inbox-intent", "aria-label": "Intent" },
    h("option", { value: "", text: "Choose an intent…" }),
    group.suggestions.length ? h("optgroup", { label: "The NLU's guesses" }, group.suggestions.map((i) => h("option", { value: i, text: i }))) : null,
    h("optgroup", { label: "Every intent" }, choices.filter((i) => !group.suggestions.includes(i)).map((i) => h("option", { value: i, text: i }))));
  const ids = group.messages.map((m) => m.id);
  const more = group.messages.length - SHOWN;
  const item = h("li", { class: "card inbox-group", testid: "inbox-group" },
    h("p", { class: "hint", text: `${group.messages.length} message${group.messages.length > 1 ? "s" : ""} · ${group.reasons.map((r) => WHY[r] || r).join(", ")}` }),
    h("ul", {}, group.messages.slice(0, SHOWN).map((m) => h("li", { testid: "inbox-message" },
      h("q", { text: m.text }), " ", h("small", { class: "hint", text: `(${guess(m)})` })))),
    more > 0 ? h("p", { class: "hint", text: `and ${more} more like them` }) : null,
    h("p", {}, select, " ",
      h("button", { class: "btn primary", type: "button", testid: "inbox-label", text: "Label", onclick: () => label(item, ids, select.value) }), " ",
      h("button", { class: "btn", type: "button", testid: "inbox-out-of-scope", text: "Out of scope", onclick: () => label(item, ids, OUT_OF_SCOPE) })));
  item.append(newIntent(item, ids));
  return item;
}

async function label(item, ids, intent) {
  if (!intent) { showError("Choose an intent first, or mark the group out of scope."); return; }
  try {
    const done = await api("/api/designer/labels", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message_ids: ids, intent }),
    });
    showError("");
    const already = done.already.length ? ` (${done.already.length} already there)` : "";
    showStatus(`Added ${done.added.length} example${done.added.length === 1 ? "" : "s"} of ${done.intent} to training_data/nlu/${done.file}${already}. Train the assistant to use them.`);
    item.remove();
  } catch (error) {
    showError(error.message);
  }
}

// None of the intents fits: the group starts a new one (declared in the domain, its first examples).
function newIntent(item, ids) {
  const name = h("input", { type: "text", testid: "inbox-new-intent-name", "aria-label": "New intent's name", placeholder: "new_intent_name", pattern: "[a-z][a-z0-9_]*", maxlength: "64" });
  return h("p", {}, name, " ", h("button", { class: "btn", type: "button", testid: "inbox-new-intent", text: "Start a new intent", onclick: async () => {
    try {
      const done = await api("/api/designer/intents", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message_ids: ids, name: name.value.trim() }),
      });
      showError("");
      showStatus(`Started ${done.intent} with ${done.added.length} example${done.added.length === 1 ? "" : "s"} in training_data/nlu/${done.file}, declared in the domain (bot/domain/${done.domain_file}). The assistant does not answer it until it has a response and a rule or story for it, and is trained.`);
      item.remove();
    } catch (error) {
      showError(error.message);
    }
  } }));
}

async function load() {
  const data = await api("/api/designer/inbox");
  list.replaceChildren(...data.groups.map((g) => card(g, data.intents)));
  const left = data.left_out ? ` ${data.left_out} more may hold a number and are not offered.` : "";
  summary.textContent = data.groups.length ? `${data.groups.length} groups to look at.${left}` : `Nothing to look at.${left}`;
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/api/desk/logout", { method: "POST", credentials: "same-origin" });
  location.replace("/desk/login");
});
load().catch((error) => showError(error.message));
