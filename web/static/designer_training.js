// Train and compare on the designer's page: start a run, follow Rasa's output as server-sent events,
// show the new model against the active one, and activate or roll back to any model. DOM built with h().
import { deskApi as api, fill, h, setText } from "/static/dom.js";

const trainButton = document.getElementById("train");
const stateEl = document.getElementById("train-state");
const output = document.getElementById("train-output");
const comparisonEl = document.getElementById("comparison");
const modelsEl = document.getElementById("models");
const modelsStatus = document.getElementById("models-status");
const modelsKept = document.getElementById("models-kept");
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

function changedTable(testid, changed, none) {
  if (!changed.length) return h("p", { class: "hint", testid, text: none });
  return h("table", { class: "data", testid },
    h("caption", { text: "Examples whose predicted intent changed" }),
    h("thead", {}, h("tr", {}, h("th", { text: "Example" }), h("th", { text: "Right intent" }), h("th", { text: "Active model" }), h("th", { text: "New model" }))),
    h("tbody", {}, changed.map((m) => h("tr", { testid: "comparison-message", class: m.fixed ? "" : "bad" },
      h("td", { text: m.text }), h("td", { text: m.intent }), h("td", { text: m.before }), h("td", { text: m.after })))));
}

function heldOut(run, c) {
  return h("section", { testid: "comparison-held-out" },
    h("h3", { text: "Held-out examples" }),
    h("p", { testid: "comparison-accuracy", text: `Held-out accuracy (${c.examples} examples): active ${run.against} ${percent(c.before_accuracy)}, new ${run.model} ${percent(c.after_accuracy)}.` }),
    f1Table("F1 up", "comparison-up", c.up),
    f1Table("F1 down", "comparison-down", c.down),
    changedTable("comparison-changed", c.changed, "No held-out example changed its predicted intent."));
}

function crossValidation(cv) {
  if (!cv) {
    return h("section", { testid: "comparison-cv" }, h("h3", { text: "Cross-validation" }),
      h("p", { class: "hint", text: "The active model was trained before models kept their cross-validation: only the new model's would be known." }));
  }
  const s = cv.shared;
  return h("section", { testid: "comparison-cv" },
    h("h3", { text: `Cross-validation (${cv.folds} folds)` }),
    h("p", { testid: "comparison-cv-accuracy", text: `Each model on its own training examples: active ${percent(cv.before_accuracy)} of ${cv.before_examples}, new ${percent(cv.after_accuracy)} of ${cv.after_examples}. On the ${s.examples} both were trained on: active ${percent(s.before_accuracy)}, new ${percent(s.after_accuracy)}.` }),
    f1Table("F1 up (cross-validation)", "comparison-cv-up", s.up),
    f1Table("F1 down (cross-validation)", "comparison-cv-down", s.down),
    changedTable("comparison-cv-changed", s.changed, "No shared training example changed its cross-validated intent."));
}

function stories(st) {
  if (!st.total) {
    return h("section", { testid: "comparison-stories" }, h("h3", { text: "Test stories" }),
      h("p", { class: "hint", testid: "comparison-stories-passed", text: "There are no test stories to run." }));
  }
  const list = (title, testid, names) => (names.length
    ? h("p", { testid }, `${title}: `, names.join("; "), ".") : null);
  return h("section", { testid: "comparison-stories" },
    h("h3", { text: "Test stories" }),
    h("p", { testid: "comparison-stories-passed", text: `Test stories passed (of ${st.total}): active ${st.before_passed}, new ${st.after_passed}.` }),
    list("Now failing", "comparison-stories-now-failing", st.now_failing),
    list("Now passing", "comparison-stories-now-passing", st.now_passing),
    list("Failing with the new model", "comparison-stories-failing", st.failing));
}

function comparison(run) {
  const c = run.comparison;
  if (!c) return h("p", { class: "hint", text: "There was no active model to compare with." });
  return h("div", { class: "card" },
    heldOut(run, c.held_out),
    crossValidation(c.cross_validation),
    stories(c.stories),
    h("p", {}, h("button", { class: "btn primary", type: "button", testid: "activate-candidate", text: `Activate ${run.model}`, onclick: () => activate(run.model) })));
}

function showModels(models) {
  const current = models.find((m) => m.active);
  fill(modelsEl, models.map((m) => h("tr", { testid: "model", dataset: { model: m.name } },
    h("th", { scope: "row" }, m.name, m.active ? h("strong", { testid: "model-active", text: " (active)" }) : null),
    h("td", { text: when(m.trained_at) }),
    // A note written before the comparison had three parts holds no held_out: the row still shows.
    h("td", { class: "num", text: m.comparison?.held_out ? percent(m.comparison.held_out.after_accuracy) : "not compared" }),
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
  setText(modelsKept, `The newest ${found.keep_models} models trained here stay, with the active one and the repository's; a training run deletes older ones.`);
  showModels(found.models);
  if (!found.run) return;
  if (found.run.state === "training" || found.run.state === "comparing") { follow(); return; }
  output.textContent = "";
  if (found.output.length) appendOutput(found.output);
  showRun(found.run);
}

trainButton.addEventListener("click", train);
load().catch((error) => setText(stateEl, error.message));
