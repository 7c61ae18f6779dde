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
  const question = h("select", { testid: "gap-question", "aria-label": "Question" }, cluster.samples.map((s) => h("option", { value: s, text: s })));
  const article = articleChoice(cluster, articles);
  const title = h("input", { type: "text", testid: "gap-title", "aria-label": "Title of the new article", maxlength: "120", placeholder: "Title of the new article" });
  return h("li", { class: "card inbox-group", testid: "gap-cluster" },
    h("p", { class: "hint", text: why(cluster) }),
    h("ul", {}, cluster.samples.map((s) => h("li", { testid: "gap-sample" }, h("q", { text: s })))),
    h("p", {}, "Add ", question, " to ", article, " ",
      h("button", { class: "btn primary", type: "button", testid: "gap-add", text: "Add to article", onclick: () => addQuestion(article.value, question.value) })),
    h("p", {}, title, " ",
      h("button", { class: "btn", type: "button", testid: "gap-draft", text: "Draft an article", onclick: () => draft(title.value, cluster.samples) })));
}

async function addQuestion(article, question) {
  if (!article) { showError("Choose the article that answers it first."); return; }
  try {
    const done = await post("/api/designer/gaps/question", { article, question });
    showError("");
    showStatus(done.added
      ? `Added “${question}” to ${done.articles_dir}/${done.file}. ${TAKES_EFFECT}`
      : `${done.articles_dir}/${done.file} already has that question.`);
  } catch (error) {
    showError(error.message);
  }
}

async function draft(title, questions) {
  if (title.trim().length < 3) { showError("Give the new article a title first."); return; }
  try {
    const done = await post("/api/designer/gaps/draft", { title, questions });
    showError("");
    showStatus(`Drafted ${done.articles_dir}/${done.file} with these questions, marked draft: customers do not see it. Write its answer and delete its “draft: true” line; ${TAKES_EFFECT}`);
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
