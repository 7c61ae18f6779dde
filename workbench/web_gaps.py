"""The designer's knowledge gaps over HTTP: questions the help centre could not answer (or answered from
an article that barely matched), by topic, and the two remedies.

GET  /api/designer/gaps            topics, largest first: sample questions and the nearest articles
POST /api/designer/gaps/draft      {title, questions, message_ids}: a new article file, marked a draft
POST /api/designer/gaps/question   {article, questions, message_ids}: added to its sample questions

Either takes effect once the knowledge index is rebuilt and reloaded: the gateway and the action server
load it as they start, and `make run` rebuilds it first. The topic's questions (message_ids) leave the
gaps. Designers and supervisors only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from handoff.web_desk import require_role
from knowledge_index.articles import ARTICLE_SUFFIX, ArticleError, parse_article, read_sources
from knowledge_index.embedder import load_minilm, minilm_name
from tandem.access import require_same_origin
from tandem.app_keys import KNOWLEDGE, SETTINGS, STORE
from tandem.validation import InputError
from tandem.web_chat import read_json
from tandem.web_help import SLUG
from workbench import gaps_store
from workbench.article_files import add_question, write_draft
from workbench.gaps import SAMPLES, GapCluster, article_question, cluster_gaps, gaps_to_show
from workbench.inbox import offerable
from workbench.message_vectors import vectors_of
from workbench.web import DESIGNERS, checked_message_ids

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
NEAREST = 3
MAX_TITLE = 120


def _articles(articles_dir: Path) -> list[dict[str, str]]:
    """Every published article, for choosing one to add a question to; one a designer left broken is
    not offered (the index build names it)."""
    found = []
    for source in read_sources(articles_dir):
        try:
            found.append({"slug": source.slug, "title": parse_article(source.slug, source.text).title})
        except ArticleError:
            continue
    return found


def _cluster(cluster: GapCluster, nearest: list[dict[str, str]]) -> dict[str, Any]:
    unanswered = sum(not g.answered for g in cluster.gaps)
    return {
        "size": len(cluster.gaps),
        "unanswered": unanswered,
        "weak": len(cluster.gaps) - unanswered,  # answered from an article that barely matched
        "samples": list(cluster.samples),
        "message_ids": [g.message.message_id for g in cluster.gaps],
        "nearest": nearest,
    }


def _nearest(request: web.Request, clusters: list[GapCluster]) -> list[list[dict[str, str]]]:
    """Per topic, the articles the index finds nearest to its most typical question."""
    index = request.app[KNOWLEDGE].index
    if index is None:
        return [[] for _ in clusters]
    hits = [index.search(c.samples[0], NEAREST) for c in clusters]
    return [[{"slug": h.article, "title": h.title} for h in found] for found in hits]


@routes.get("/api/designer/gaps")
async def gaps(request: web.Request) -> web.Response:
    await require_role(request, *DESIGNERS)
    settings = request.app[SETTINGS]
    since = datetime.now(UTC) - timedelta(days=settings.workbench.inbox_days)
    found = await gaps_store.searched_questions(request.app[STORE].engine, since)
    shown, withheld = gaps_to_show(found, settings.workbench.gap_score)
    clusters: list[GapCluster] = []
    if shown:
        vectors = await vectors_of(
            request.app[STORE].engine,
            [g.message for g in shown],
            minilm_name(),
            partial(load_minilm, settings.threads.torch),
        )
        clusters = await asyncio.to_thread(cluster_gaps, shown, vectors)
    nearest = await asyncio.to_thread(_nearest, request, clusters)
    articles_dir = settings.resolve(settings.knowledge.articles_dir)
    return web.json_response(
        {
            "clusters": [_cluster(c, n) for c, n in zip(clusters, nearest, strict=True)],
            "articles": await asyncio.to_thread(_articles, articles_dir),
            "left_out": withheld,  # may hold a secret: never shown
            "articles_dir": str(settings.knowledge.articles_dir),
        }
    )


def _question(value: Any) -> str:
    if not isinstance(value, str):
        raise InputError("invalid_question", "question is the text of a customer's question.")
    try:
        return article_question(value)
    except ValueError as error:
        raise InputError("invalid_question", str(error)) from error


async def _chosen(request: web.Request, body: dict[str, Any]) -> list[int]:
    """The topic's questions named in the body: searched customer questions the gaps may show."""
    ids = checked_message_ids(body.get("message_ids"), most=gaps_store.LIMIT)
    found = await gaps_store.searched_messages(request.app[STORE].engine, ids)
    if len([g for g in found if offerable(g.message)]) != len(set(ids)):
        raise InputError("not_offerable", "Some of those are not questions the knowledge gaps show.", 404)
    return sorted(set(ids))


def _questions(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= 2 * SAMPLES:
        raise InputError("invalid_questions", f"questions is a list of 1-{2 * SAMPLES} customer questions.")
    return list(dict.fromkeys(_question(q) for q in value))


@routes.post("/api/designer/gaps/draft")
async def draft(request: web.Request) -> web.Response:
    designer = await require_role(request, *DESIGNERS)
    require_same_origin(request)
    body = await read_json(request)
    title = body.get("title")
    if not isinstance(title, str) or not 3 <= len(" ".join(title.split())) <= MAX_TITLE:
        raise InputError("invalid_title", f"title is the article's title, 3-{MAX_TITLE} characters.")
    texts = _questions(body.get("questions"))
    ids = await _chosen(request, body)
    settings = request.app[SETTINGS]
    articles_dir = settings.resolve(settings.knowledge.articles_dir)
    path = await asyncio.to_thread(write_draft, articles_dir, " ".join(title.split()), texts)
    await gaps_store.handle(request.app[STORE].engine, ids, path.stem, designer.id, time.time())
    log.info("article drafted from the knowledge gaps", extra={"article": path.stem, "by": designer.id})
    return web.json_response({"file": path.name, "articles_dir": str(settings.knowledge.articles_dir)})


@routes.post("/api/designer/gaps/question")
async def question(request: web.Request) -> web.Response:
    designer = await require_role(request, *DESIGNERS)
    require_same_origin(request)
    body = await read_json(request)
    slug = body.get("article")
    texts = _questions(body.get("questions"))
    settings = request.app[SETTINGS]
    articles_dir = settings.resolve(settings.knowledge.articles_dir)
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise InputError("invalid_article", "article is the slug of a help-centre article.")
    if not (articles_dir / f"{slug}{ARTICLE_SUFFIX}").is_file():
        raise InputError("unknown_article", "There is no such article.", 404)
    ids = await _chosen(request, body)
    try:
        added = [await asyncio.to_thread(add_question, articles_dir, slug, text) for text in texts]
    except (ArticleError, ValueError) as error:
        raise InputError("article_not_edited", str(error), 409) from error
    await gaps_store.handle(request.app[STORE].engine, ids, slug, designer.id, time.time())
    log.info("questions added to an article", extra={"article": slug, "by": designer.id})
    return web.json_response(
        {
            "file": f"{slug}{ARTICLE_SUFFIX}",
            "added": [t for t, a in zip(texts, added, strict=True) if a.added],
            "already": [t for t, a in zip(texts, added, strict=True) if not a.added],
            "articles_dir": str(settings.knowledge.articles_dir),
        }
    )


def register(app: web.Application) -> None:
    app.add_routes(routes)
