// The queues for supervisors: change one or add one. The server checks every field and says what is
// wrong; a saved change applies at once. DOM built with h(), never innerHTML.
import { deskApi as api, h } from "/static/dom.js";

const rows = document.getElementById("queues");
const form = document.getElementById("editor");
const savedEl = document.getElementById("saved");
const errorEl = document.getElementById("error");
const field = (id) => document.getElementById(id);
const HOUR_S = 3600;
let queues = [];
let editing = null; // the queue being changed; null: adding one

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }
const hours = (seconds) => String(Math.round((seconds / HOUR_S) * 10) / 10);

function row(queue) {
  return h("tr", { testid: "queue-row", dataset: { queue: queue.name } },
    h("td", { text: queue.name }), h("td", { text: queue.skills.join(", ") || "anyone" }),
    h("td", { text: String(queue.priority) }), h("td", { text: String(queue.sla_s) }),
    h("td", { text: String(queue.overflow_after_s) }), h("td", { text: queue.overflow_to.join(", ") || "–" }),
    h("td", { text: String(queue.max_wait_s) }), h("td", { text: hours(queue.first_response_s) }),
    h("td", { text: hours(queue.resolution_s) }),
    h("td", {}, h("button", { class: "btn small", type: "button", testid: "queue-edit", text: "Edit", onclick: () => open(queue) })));
}

function open(queue) {
  editing = queue;
  field("editor-title").textContent = queue ? `Change ${queue.name}` : "Add a queue";
  field("name").value = queue ? queue.name : "";
  field("name").disabled = Boolean(queue);
  field("skills").value = queue ? queue.skills.join(", ") : "";
  field("priority").value = queue ? queue.priority : 0;
  field("sla").value = queue ? queue.sla_s : 60;
  field("overflow-after").value = queue ? queue.overflow_after_s : 120;
  field("max-wait").value = queue ? queue.max_wait_s : 900;
  field("first-response").value = queue ? hours(queue.first_response_s) : 4;
  field("resolution").value = queue ? hours(queue.resolution_s) : 72;
  const others = queues.filter((q) => !queue || q.name !== queue.name);
  field("overflow-to").replaceChildren(...others.map((q) => h("label", { class: "check" },
    h("input", { type: "checkbox", value: q.name, checked: Boolean(queue && queue.overflow_to.includes(q.name)) }), ` ${q.name} `)));
  form.hidden = false;
  (queue ? field("skills") : field("name")).focus();
}

async function load() {
  queues = (await api("/api/admin/queues")).queues;
  rows.replaceChildren(...queues.map(row));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = editing ? editing.name : field("name").value.trim();
  const body = {
    skills: field("skills").value.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean),
    priority: Number(field("priority").value),
    sla_s: Number(field("sla").value),
    overflow_after_s: Number(field("overflow-after").value),
    overflow_to: [...field("overflow-to").querySelectorAll("input:checked")].map((box) => box.value),
    max_wait_s: Number(field("max-wait").value),
    first_response_s: Number(field("first-response").value) * HOUR_S,
    resolution_s: Number(field("resolution").value) * HOUR_S,
  };
  try {
    await api(`/api/admin/queues/${encodeURIComponent(name)}`, {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    showError("");
    form.hidden = true;
    savedEl.textContent = `Saved ${name}: it applies now.`;
    savedEl.hidden = false;
    await load();
  } catch (error) {
    showError(error.message);
  }
});

field("add").addEventListener("click", () => open(null));
field("cancel").addEventListener("click", () => { form.hidden = true; showError(""); });
load().catch((error) => showError(error.message));
