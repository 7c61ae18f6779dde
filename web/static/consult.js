// Consults on the desk: ask a colleague at a desk (agent or supervisor) about the selected live contact,
// and list the contacts colleagues asked this agent about, each opening /desk/consult in a new tab.
// What a consulted colleague writes reaches the asking agent's transcript as a private note.
import { deskApi as api, fill, h } from "/static/dom.js";

export function attachConsults({ select, button, section, list, selectedContact, toast, notify }) {
  const requests = new Map(); // contact id -> {contact_id, from, customer, channel, queue}
  let colleagues = [];

  function render() {
    section.hidden = requests.size === 0;
    fill(list, [...requests.values()].map((request) => h("li", { testid: "consult-request" },
      h("span", { text: `${request.from} asks about ${request.customer}'s ${request.channel === "phone" ? "call" : "chat"} (${request.queue}). ` }),
      h("a", { href: `/desk/consult?contact=${encodeURIComponent(request.contact_id)}`, target: "_blank", rel: "noopener", testid: "consult-open", text: "Open" }))));
  }

  function setColleagues(everyone) {
    colleagues = everyone;
    const current = select.value;
    fill(select, h("option", { value: "", text: "Consult…" }),
      colleagues.map((c) => h("option", { value: c.id, text: `${c.display_name} (${c.role === "supervisor" ? "supervisor" : c.state.replace(/_/g, " ")})` })));
    select.value = colleagues.some((c) => c.id === current) ? current : "";
  }

  function refresh(canAsk) {
    select.disabled = !canAsk;
    button.disabled = !canAsk || !select.value;
  }

  button.addEventListener("click", async () => {
    const contactId = selectedContact();
    const colleague = colleagues.find((c) => c.id === select.value);
    if (!contactId || !colleague) return;
    button.disabled = true;
    try {
      await api(`/api/desk/contacts/${encodeURIComponent(contactId)}/consult`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ colleague_id: colleague.id }),
      });
      toast(`Asked ${colleague.display_name} to consult. What they write appears here as a private note.`, "info");
      select.value = "";
    } catch (error) {
      toast(error.message);
    }
    button.disabled = !select.value;
  });
  select.addEventListener("change", () => { button.disabled = select.disabled || !select.value; });

  return {
    setColleagues,
    refresh,
    asked(request) {
      requests.set(request.contact_id, request);
      render();
      notify(`${request.from} asks you to consult`, "Open the desk to join.", `consult-${request.contact_id}`, null);
    },
    // On every (re)connect: the requests still live, as the server has them.
    async reload() {
      try {
        const data = await api("/api/desk/consults");
        requests.clear();
        for (const request of data.consults) requests.set(request.contact_id, request);
        render();
      } catch { /* the list stays as it was until the next connect */ }
    },
  };
}
