// A safe Markdown subset for the bot's messages, built with DOM nodes (never innerHTML): paragraphs,
// numbered and bulleted lists, **bold**, and [links](...) to our own pages or https only.

const INLINE = /\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
const LIST_ITEM = /^\s*(?:(\d+)[.)]|[-*+])\s+(.*)$/;

/** An href the page may follow: our own absolute paths, or https. Anything else stays plain text. */
export function safeHref(href) {
  if (/^\/(?!\/)[\w\-./#?=&%]*$/.test(href)) return href;
  try {
    const url = new URL(href);
    return url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Text with **bold** and [links](...) as DOM nodes. */
export function inline(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    if (match[1] !== undefined) {
      const strong = document.createElement("strong");
      strong.append(...inline(match[1]));
      nodes.push(strong);
    } else {
      const href = safeHref(match[3]);
      if (href) {
        const link = document.createElement("a");
        link.href = href;
        link.textContent = match[2];
        if (!href.startsWith("/")) link.rel = "noopener noreferrer";
        link.target = "_blank";
        nodes.push(link);
      } else {
        nodes.push(document.createTextNode(match[2]));
      }
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** A message's Markdown as a fragment: lines that are list items make one list, other lines paragraphs. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  let list = null;
  for (const line of text.split("\n")) {
    const item = line.match(LIST_ITEM);
    if (item) {
      const ordered = item[1] !== undefined;
      if (!list || (list.tagName === "OL") !== ordered) {
        list = document.createElement(ordered ? "ol" : "ul");
        fragment.append(list);
      }
      const li = document.createElement("li");
      li.append(...inline(item[2]));
      list.append(li);
    } else if (line.trim()) {
      list = null;
      const p = document.createElement("p");
      p.append(...inline(line));
      fragment.append(p);
    }
  }
  return fragment;
}
