// Canned responses in the desk's reply box: "/" then a few letters lists the matching ones (the
// contact's team's and everyone's, placeholders already filled by the server); Up/Down choose, Enter or
// Tab inserts, Escape closes. A placeholder the server could not fill is selected, to be typed over.
import { fill, h } from "/static/dom.js";

const TRIGGER = /^\/(\S*)$/;
const PLACEHOLDER = /\{[a-z_]+\}/;

export function attachCannedPicker(input, listEl, currentContact) {
  const cache = new Map(); // contact id -> responses
  let shown = [];
  let active = 0;

  async function responsesFor(contactId) {
    if (!cache.has(contactId)) {
      const response = await fetch(`/api/canned?contact_id=${encodeURIComponent(contactId)}`, { credentials: "same-origin" });
      cache.set(contactId, response.ok ? (await response.json()).responses : []);
    }
    return cache.get(contactId);
  }

  function close() {
    shown = [];
    listEl.hidden = true;
    input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-expanded", "false");
  }

  function render() {
    fill(listEl, shown.length ? shown.map((response, index) => h("li", {
      id: `canned-${index}`, role: "option", class: index === active ? "active" : "",
      "aria-selected": index === active ? "true" : "false", testid: "canned-option",
      onmousedown: (event) => { event.preventDefault(); pick(index); },
    }, h("strong", { text: `/${response.shortcut}` }), ` ${response.title}`, h("span", { class: "preview", text: response.text })))
      : h("li", { class: "none", text: "No canned response matches." }));
    listEl.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (shown.length) input.setAttribute("aria-activedescendant", `canned-${active}`);
  }

  function pick(index) {
    const response = shown[index];
    if (!response) return;
    close();
    input.value = response.text;
    input.dispatchEvent(new Event("input"));
    input.focus();
    const gap = PLACEHOLDER.exec(response.text);
    if (gap) input.setSelectionRange(gap.index, gap.index + gap[0].length);
  }

  input.setAttribute("aria-controls", listEl.id);
  input.setAttribute("aria-autocomplete", "list");
  input.addEventListener("input", async () => {
    const typed = TRIGGER.exec(input.value);
    const contactId = currentContact();
    if (!typed || !contactId) { close(); return; }
    const query = typed[1].toLowerCase();
    const all = await responsesFor(contactId);
    if (TRIGGER.exec(input.value)?.[1].toLowerCase() !== query) return; // typed on meanwhile
    shown = all.filter((r) => r.shortcut.includes(query) || r.title.toLowerCase().includes(query));
    active = 0;
    render();
  });
  input.addEventListener("keydown", (event) => {
    if (listEl.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown.length) return;
      active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (event.key === "Enter" || (event.key === "Tab" && shown.length)) {
      // Not a send: the response goes into the box to be read first (and "/xyz" is never sent).
      event.preventDefault();
      event.stopImmediatePropagation();
      pick(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}
