// Desk accounts for supervisors: add, change, reset a password, disable or enable. The server checks
// every field and says what is wrong; a new password is shown here once and nowhere else.
import { deskApi as api, h } from "/static/dom.js";

const rows = document.getElementById("accounts");
const form = document.getElementById("editor");
const passwordBox = document.getElementById("password");
const errorEl = document.getElementById("error");
const field = (id) => document.getElementById(id);
let editing = null; // the account being changed; null: adding one
let skills = [];

function showError(text) { errorEl.textContent = text; errorEl.hidden = !text; }

function showPassword(username, password) {
  passwordBox.textContent = `Password for ${username}: ${password} — give it to them now; it is shown only this once.`;
  passwordBox.hidden = false;
}

const send = (method, path, body) => api(path, {
  method, headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined,
});

function act(label, testid, run) {
  return h("button", { class: "btn small", type: "button", testid, text: label, onclick: () => run().catch((e) => showError(e.message)) });
}

function row(agent) {
  const status = agent.disabled ? "Disabled" : agent.state;
  return h("tr", { testid: "admin-row", dataset: { username: agent.username } },
    h("td", { text: agent.username }), h("td", { text: agent.display_name }), h("td", { text: agent.role }),
    h("td", { text: agent.skills.join(", ") || "–" }), h("td", { text: String(agent.chat_capacity) }),
    h("td", { text: String(agent.voice_capacity) }), h("td", { text: agent.sip_uri || "–" }),
    h("td", { testid: "admin-status", text: status }),
    h("td", {},
      act("Edit", "admin-edit", async () => open(agent)), " ",
      act("Reset password", "admin-reset", async () => {
        const { password } = await send("POST", `/api/admin/agents/${agent.id}/password`);
        showError("");
        showPassword(agent.username, password);
      }), " ",
      agent.disabled
        ? act("Enable", "admin-enable", async () => { await send("POST", `/api/admin/agents/${agent.id}/enable`); await load(); })
        : act("Disable", "admin-disable", async () => { await send("POST", `/api/admin/agents/${agent.id}/disable`); await load(); })));
}

function open(agent) {
  editing = agent;
  field("editor-title").textContent = agent ? `Change ${agent.username}` : "Add an account";
  field("username").value = agent ? agent.username : "";
  field("username").disabled = Boolean(agent);
  field("display-name").value = agent ? agent.display_name : "";
  field("role").value = agent ? agent.role : "agent";
  for (const box of field("skills").querySelectorAll("input")) box.checked = Boolean(agent && agent.skills.includes(box.value));
  field("chats").value = agent ? agent.chat_capacity : 3;
  field("calls").value = agent ? agent.voice_capacity : 1;
  field("sip-uri").value = agent && agent.sip_uri ? agent.sip_uri : "";
  form.hidden = false;
  (agent ? field("display-name") : field("username")).focus();
}

async function load() {
  const data = await api("/api/admin/agents");
  skills = data.skills;
  field("role").replaceChildren(...data.roles.map((role) => h("option", { value: role, text: role })));
  field("skills").replaceChildren(...skills.map((skill) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value: skill }), ` ${skill} `)));
  rows.replaceChildren(...data.agents.map(row));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    display_name: field("display-name").value,
    role: field("role").value,
    skills: [...field("skills").querySelectorAll("input:checked")].map((box) => box.value),
    chat_capacity: Number(field("chats").value),
    voice_capacity: Number(field("calls").value),
    sip_uri: field("sip-uri").value.trim() || null,
  };
  try {
    if (editing) {
      await send("PUT", `/api/admin/agents/${editing.id}`, body);
    } else {
      const made = await send("POST", "/api/admin/agents", { ...body, username: field("username").value.trim() });
      showPassword(made.agent.username, made.password);
    }
    showError("");
    form.hidden = true;
    await load();
  } catch (error) {
    showError(error.message);
  }
});

field("add").addEventListener("click", () => open(null));
field("cancel").addEventListener("click", () => { form.hidden = true; showError(""); });
load().catch((error) => showError(error.message));
