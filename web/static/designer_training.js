// Train and compare on the designer's page: start a run, follow Rasa's output as server-sent events,
// show the new model against the active one, and activate or roll back to any model. DOM built with h().
import { deskApi as api, fill, h, setText } from "/static/dom.js";

const trainButton = document.getElementById("train");
const stateEl = document.getElementById("train-state");
const output = document.getElementById("train-output");
const comparisonEl = document.getElementById("comparison");
const modelsEl = document.getElementById("models");
const modelsStatus = document.getElementById("models-status");
const STATES = {
  training: "Training…", comparing: "Comparing with the active model…", ready: "Trained and compared.", failed: "Training failed",
};
let following = null;

const percent = (x) => `${(x * 100).toFixed(1)} %`;
const when = (seconds) => new Date(seconds * 1000).toLocaleString();

function showRun(run) {
  if (!run) { setText(stateEl, ""); return; }
  const running = run.state === "training" || run.state === "comparing";
  trainButton.disabled = running;
  setText(stateEl, run.state === "failed" ? `${STATES.failed}: ${run.error}` : STATES[run.state]);
  stateEl.dataset.state = run.state;
  fill(comparisonEl, run.state === "ready" ? comparison(run) : null);
}

function f1Rows(scores) {
  return scores.map((s) => h("tr", { testid: "comparison-intent" },
    h("th", { scope: "row", text: s.intent }), h("td", { class: "num", text: s.before.toFixed(2) }),
    h("td", { class: "num", text: s.after.toFixed(2) }), h("td", { class: "num", text: `${s.after > s.before ? "+" : ""}${(s.after - s.before).toFixed(2)}` })));
}

function f1Table(title, testid, scores) {
  if (!scores.length) return h("p", { class: "hint", testid, text: `${title}: none.` });
  return h("table", { class: "data", testid },
    h("caption", { text: title }),
    h("thead", {}, h("tr", {}, h("th", { text: "Intent" }), h("th", { class: "num", text: "F1 active" }), h("th", { class: "num", text: "F1 new" }), h("th", { class: "num", text: "Change" }))),
    h("tbody", {}, f1Rows(scores)));
}

function comparison(run) {
  const c = run.comparison;
  if (!c) return h("p", { class: "hint", text: "There was no active model to compare with." });
  return h("div", { class: "card" },
    h("p", { testid: "comparison-accuracy", text: `Held-out accuracy (${c.examples} examples): active ${run.against} ${percent(c.before_accuracy)}, new ${run.model} ${percent(c.after_accuracy)}.` }),
    f1Table("F1 up", "comparison-up", c.up),
    f1Table("F1 down", "comparison-down", c.down),
    c.changed.length
      ? h("table", { class: "data", testid: "comparison-changed" },
        h("caption", { text: "Examples whose predicted intent changed" }),
        h("thead", {}, h("tr", {}, h("th", { text: "Example" }), h("th", { text: "Right intent" }), h("th", { text: "Active model" }), h("th", { text: "New model" }))),
        h("tbody", {}, c.changed.map((m) => h("tr", { testid: "comparison-message", class: m.fixed ? "" : "bad" },
          h("td", { text: m.text }), h("td", { text: m.intent }), h("td", { text: m.before }), h("td", { text: m.after })))))
      : h("p", { class: "hint", testid: "comparison-changed", text: "No held-out example changed its predicted intent." }),
    h("p", {}, h("button", { class: "btn primary", type: "button", testid: "activate-candidate", text: `Activate ${run.model}`, onclick: () => activate(run.model) })));
}

function showModels(models) {
  const current = models.find((m) => m.active);
  fill(modelsEl, models.map((m) => h("tr", { testid: "model", dataset: { model: m.name } },
    h("th", { scope: "row" }, m.name, m.active ? h("strong", { testid: "model-active", text: " (active)" }) : null),
    h("td", { text: when(m.trained_at) }),
    h("td", { class: "num", text: m.comparison ? percent(m.comparison.after_accuracy) : "not compared" }),
    h("td", {}, m.active ? null : h("button", {
      class: "btn", type: "button", testid: "model-activate",
      text: current && m.trained_at < current.trained_at ? "Roll back to this" : "Activate",
      onclick: () => activate(m.name),
    })))));
}

function appendOutput(lines) {
  output.hidden = false;
  output.textContent += lines.map((line) => `${line}\n`).join("");
  output.scrollTop = output.scrollHeight;
}

function follow() {
  if (following) return;
  following = new EventSource("/api/designer/training/events");
  following.addEventListener("run", (e) => {
    const data = JSON.parse(e.data);
    output.textContent = "";
    if (data.output.length) appendOutput(data.output);
    showRun(data.run);
  });
  following.addEventListener("output", (e) => appendOutput([JSON.parse(e.data).line]));
  following.addEventListener("state", (e) => showRun(JSON.parse(e.data).run));
  following.addEventListener("end", () => { following.close(); following = null; load(); });
}

async function activate(name) {
  setText(modelsStatus, `Loading ${name} into every Rasa worker…`);
  try {
    const done = await api("/api/designer/models/active", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ model: name }),
    });
    setText(modelsStatus, `${done.active} is active on ${done.workers} Rasa worker${done.workers > 1 ? "s" : ""}.`);
    showModels(done.models);
  } catch (error) {
    setText(modelsStatus, error.message);
    load();
  }
}

async function train() {
  trainButton.disabled = true;
  try {
    await api("/api/designer/training", { method: "POST" });
    output.textContent = "";
    follow();
  } catch (error) {
    setText(stateEl, error.message);
    trainButton.disabled = false;
  }
}

async function load() {
  const found = await api("/api/designer/training");
  showModels(found.models);
  if (!found.run) return;
  if (found.run.state === "training" || found.run.state === "comparing") { follow(); return; }
  output.textContent = "";
  if (found.output.length) appendOutput(found.output);
  showRun(found.run);
}

trainButton.addEventListener("click", train);
load().catch((error) => setText(stateEl, error.message));
