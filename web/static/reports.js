// Date-range reports for supervisors: per queue and per agent, and the same rows as a CSV download.
import { deskApi as api, h } from "/static/dom.js";

const HEADERS = ["", "Contacts", "Answered", "Abandoned", "Abandonment", "ASA", "AHT", "SLA", "Ended", "CSAT", "Ratings"];
const from = document.getElementById("from");
const to = document.getElementById("to");
const csv = document.getElementById("csv");
const errorEl = document.getElementById("error");

const pct = (value) => (value === null || value === undefined ? "–" : `${value} %`);
const secs = (value) => (value === null || value === undefined ? "–" : `${Math.round(value)} s`);

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }

function table(testid, rows) {
  const node = document.querySelector(`[data-testid=${testid}]`);
  node.tHead.replaceChildren(h("tr", {}, ...HEADERS.map((text) => h("th", { scope: "col", text }))));
  node.tBodies[0].replaceChildren(...(rows.length ? rows.map((row) => h("tr", { dataset: { name: row.name } },
    h("th", { scope: "row", text: row.name }), h("td", { text: String(row.contacts) }), h("td", { text: String(row.answered) }),
    h("td", { text: String(row.abandoned) }), h("td", { text: pct(row.abandonment_pct) }), h("td", { text: secs(row.asa_s) }),
    h("td", { text: secs(row.aht_s) }), h("td", { text: pct(row.sla_pct) }), h("td", { text: String(row.ended) }),
    h("td", { text: row.csat_average === null ? "–" : String(row.csat_average) }), h("td", { text: String(row.csat_ratings) })))
    : [h("tr", {}, h("td", { colspan: HEADERS.length, text: "Nothing in this period." }))]));
}

async function show() {
  const query = new URLSearchParams({ from: from.value, to: to.value });
  csv.href = `/api/reports.csv?${query}`;
  try {
    const made = await api(`/api/reports?${query}`);
    showError("");
    const t = made.total;
    document.getElementById("summary").textContent =
      `${made.from} to ${made.to}: ${t.contacts} contacts, ${t.answered} answered, abandonment ${pct(t.abandonment_pct)}, ` +
      `ASA ${secs(t.asa_s)}, AHT ${secs(t.aht_s)}, SLA ${pct(t.sla_pct)}; ${made.conversations_ended} conversations ended, ` +
      `${pct(made.containment_pct)} by the bot alone.`;
    table("report-queues", made.queues);
    table("report-agents", made.agents);
  } catch (error) {
    showError(error.message);
  }
}

const today = new Date().toISOString().slice(0, 10);
from.value = to.value = today;
document.getElementById("period").addEventListener("submit", (event) => { event.preventDefault(); show(); });
show();
