// The supervisor's editor of canned responses: one team's list at a time, saved whole (the server
// checks it and says what is wrong). DOM built with h(), never innerHTML.
import { deskApi as api, h } from "/static/dom.js";

const teamSelect = document.getElementById("team");
const rows = document.getElementById("responses");
const saved = document.getElementById("saved");
const errorEl = document.getElementById("error");

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }

function row(response = { shortcut: "", title: "", text: "" }) {
  const tr = h("tr", { testid: "canned-row" },
    h("td", {}, h("input", { "aria-label": "Shortcut", name: "shortcut", value: response.shortcut, size: 12, maxlength: 32 })),
    h("td", {}, h("input", { "aria-label": "Title", name: "title", value: response.title, maxlength: 80 })),
    h("td", {}, h("textarea", { "aria-label": "Text", name: "text", rows: 2, cols: 60, maxlength: 2000 })),
    h("td", {}, h("button", { class: "btn small", type: "button", text: "Remove", onclick: () => { tr.remove(); saved.textContent = ""; } })));
  tr.querySelector("textarea").value = response.text;
  return tr;
}

async function load() {
  showError("");
  saved.textContent = "";
  const { responses } = await api(`/api/canned/teams/${encodeURIComponent(teamSelect.value)}`);
  rows.replaceChildren(...responses.map(row));
}

document.getElementById("add").addEventListener("click", () => {
  const added = row();
  rows.append(added);
  added.querySelector("input").focus();
});

document.getElementById("editor").addEventListener("submit", async (event) => {
  event.preventDefault();
  const responses = [...rows.children].map((tr) => ({
    shortcut: tr.querySelector("[name=shortcut]").value.trim(),
    title: tr.querySelector("[name=title]").value,
    text: tr.querySelector("[name=text]").value,
  }));
  try {
    await api(`/api/canned/teams/${encodeURIComponent(teamSelect.value)}`, {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ responses }),
    });
    showError("");
    saved.textContent = `Saved: ${responses.length} responses for ${teamSelect.value}.`;
  } catch (error) {
    saved.textContent = "";
    showError(error.message);
  }
});

teamSelect.addEventListener("change", () => load().catch((error) => showError(error.message)));

(async () => {
  const { teams } = await api("/api/canned/teams");
  teamSelect.replaceChildren(...teams.map((team) => h("option", { value: team, text: team })));
  await load();
})().catch((error) => showError(error.message));
