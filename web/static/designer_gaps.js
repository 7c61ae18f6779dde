// The designer's knowledge gaps: customer questions the help centre could not answer, by topic; each
// topic's questions go into an existing article's sample questions, or into a new draft article.
// DOM built with h(), never innerHTML.
import { deskApi as api, h } from "/static/dom.js";

const list = document.getElementById("gap-clusters");
const statusEl = document.getElementById("gaps-status");
const errorEl = document.getElementById("gaps-error");
const summary = document.getElementById("gaps-summary");
const TAKES_EFFECT = "Customers get it once the knowledge index is rebuilt and reloaded: the next time the stack starts (make run).";

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }
function showStatus(text) { statusEl.textContent = text; statusEl.hidden = !text; }

async function post(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function why(cluster) {
  const parts = [];
  if (cluster.unanswered) parts.push(`${cluster.unanswered} not answered`);
  if (cluster.weak) parts.push(`${cluster.weak} answered from an article that barely matched`);
  return `${cluster.size} question${cluster.size > 1 ? "s" : ""} · ${parts.join(", ")}`;
}

function articleChoice(cluster, articles) {
  const near = cluster.nearest.map((a) => a.slug);
  return h("select", { testid: "gap-article", "aria-label": "Article" },
    h("option", { value: "", text: "Choose an article…" }),
    near.length ? h("optgroup", { label: "Nearest to these questions" }, cluster.nearest.map((a) => h("option", { value: a.slug, text: a.title }))) : null,
    h("optgroup", { label: "Every article" }, articles.filter((a) => !near.includes(a.slug)).map((a) => h("option", { value: a.slug, text: a.title }))));
}

function card(cluster, articles) {
  const boxes = cluster.samples.map((s) => h("input", { type: "checkbox", checked: true, value: s, testid: "gap-pick" }));
  const chosen = () => boxes.filter((b) => b.checked).map((b) => b.value);
  const article = articleChoice(cluster, articles);
  const title = h("input", { type: "text", testid: "gap-title", "aria-label": "Title of the new article", maxlength: "120", placeholder: "Title of the new article" });
  const item = h("li", { class: "card inbox-group", testid: "gap-cluster" },
    h("p", { class: "hint", text: why(cluster) }),
    h("ul", {}, cluster.samples.map((s, i) => h("li", { testid: "gap-sample" }, h("label", {}, boxes[i], " ", h("q", { text: s }))))),
    h("p", {}, "Add the ticked questions to ", article, " ",
      h("button", { class: "btn primary", type: "button", testid: "gap-add", text: "Add to article", onclick: () => addQuestions(item, cluster, article.value, chosen()) })),
    h("p", {}, "or ", title, " ",
      h("button", { class: "btn", type: "button", testid: "gap-draft", text: "Draft an article", onclick: () => draft(item, cluster, title.value, chosen()) })));
  return item;
}

function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

async function addQuestions(item, cluster, article, questions) {
  if (!article) { showError("Choose the article that answers them first."); return; }
  if (!questions.length) { showError("Tick the questions to add first."); return; }
  try {
    const done = await post("/api/designer/gaps/question", { article, questions, message_ids: cluster.message_ids });
    showError("");
    const already = done.already.length ? ` (${plural(done.already.length, "question")} already there)` : "";
    showStatus(`Added ${plural(done.added.length, "question")} to ${done.articles_dir}/${done.file}${already}. ${TAKES_EFFECT}`);
    item.remove();
  } catch (error) {
    showError(error.message);
  }
}

async function draft(item, cluster, title, questions) {
  if (title.trim().length < 3) { showError("Give the new article a title first."); return; }
  if (!questions.length) { showError("Tick the questions it answers first."); return; }
  try {
    const done = await post("/api/designer/gaps/draft", { title, questions, message_ids: cluster.message_ids });
    showError("");
    showStatus(`Drafted ${done.articles_dir}/${done.file} with ${plural(questions.length, "sample question")}, marked draft: customers do not see it. Write its answer and delete its “draft: true” line; ${TAKES_EFFECT}`);
    item.remove();
  } catch (error) {
    showError(error.message);
  }
}

async function load() {
  const data = await api("/api/designer/gaps");
  list.replaceChildren(...data.clusters.map((c) => card(c, data.articles)));
  const left = data.left_out ? ` ${data.left_out} more may hold a number and are not shown.` : "";
  summary.textContent = data.clusters.length ? `${data.clusters.length} topics.${left}` : `No knowledge gaps.${left}`;
}

load().catch((error) => showError(error.message));
