"""The help centre as pages: /help/<slug> renders one article, linked from the bot's answers in chat."""

from __future__ import annotations

import html
import re

from aiohttp import web
from markdown_it import MarkdownIt

from knowledge_index.articles import ARTICLE_SUFFIX, ArticleError, is_draft, parse_article
from tandem.app_keys import SETTINGS

routes = web.RouteTableDef()

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
# "js-default": CommonMark with raw HTML off (any <tag> in an article is shown as text) and links
# limited to safe schemes, so an article can never put script into the page.
_MARKDOWN = MarkdownIt("js-default")

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} – Northwind Bank help</title>
  <link rel="stylesheet" href="/static/help.css">
</head>
<body>
  <header class="bar"><p class="brand">Northwind Bank help centre</p><a href="/">Chat with us</a></header>
  <main class="article">
{body}
  </main>
</body>
</html>
"""


def article_html(title: str, sections: list[tuple[str, str]]) -> str:
    parts = [f"<h1>{html.escape(title)}</h1>"]
    for heading, body in sections:
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(_MARKDOWN.render(body))
    return PAGE.format(title=html.escape(title), body="\n".join(parts))


def not_found_html() -> str:
    body = '<h1>Article not found</h1>\n<p>There is no help article at this address. <a href="/">Ask us in chat</a>.</p>'
    return PAGE.format(title="Article not found", body=body)


@routes.get("/help/{slug}")
async def help_article(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    slug = request.match_info["slug"]
    path = settings.resolve(settings.knowledge.articles_dir) / f"{slug}{ARTICLE_SUFFIX}"
    if not SLUG.fullmatch(slug) or not path.is_file():
        return web.Response(text=not_found_html(), status=404, content_type="text/html")
    text = path.read_text(encoding="utf-8")
    try:
        article = None if is_draft(slug, text) else parse_article(slug, text)  # a draft is not published
    except ArticleError:
        article = None
    if article is None:
        return web.Response(text=not_found_html(), status=404, content_type="text/html")
    page = article_html(article.title, [(s.heading, s.body) for s in article.sections])
    return web.Response(text=page, content_type="text/html")
