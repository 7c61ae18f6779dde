"""Answers from the help centre: search the knowledge index with the customer's own words."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.dialogue import latest_intent, latest_text
from bot.actions.digression import digression_query, question_part
from bot.actions.slots import KB_ARTICLES_SHOWN, KB_UNANSWERED_QUERY
from tandem.config import settings

log = logging.getLogger(__name__)


class Hit(Protocol):
    score: float
    article: str
    title: str
    snippet: str


class SearchIndex(Protocol):
    def search(self, query: str, k: int) -> list[Any]: ...


def load_configured_index() -> SearchIndex | None:
    """The index named in config.yml, or None (logged) while it has not been built yet."""
    import torch

    from knowledge_index import IndexUnavailableError, KnowledgeIndex

    s = settings()
    # Set before the embedding model loads: torch's default thread pool stalls on a busy 2-core box.
    torch.set_num_threads(s.threads.torch)
    try:
        return KnowledgeIndex.load(s.resolve(s.knowledge.index_dir))
    except IndexUnavailableError as error:
        log.warning("knowledge index unavailable, answering without it: %s", error)
        return None


class KnowledgeSource:
    """Loads the index once, off the event loop; retries later if it is not built yet.

    preload() starts loading at once, in a thread: loading torch and MiniLM takes 4-6 s on 2 cores,
    which the first customer asking a help-centre question would otherwise wait for.
    """

    def __init__(self, loader: Callable[[], SearchIndex | None]) -> None:
        self._loader = loader
        self._index: SearchIndex | None = None
        self._lock = asyncio.Lock()
        self._preloading: concurrent.futures.Future[SearchIndex | None] | None = None

    def preload(self) -> None:
        if self._preloading is not None:
            return
        future: concurrent.futures.Future[SearchIndex | None] = concurrent.futures.Future()
        self._preloading = future

        def load() -> None:
            try:
                future.set_result(self._loader())
            except BaseException as error:
                future.set_exception(error)

        threading.Thread(target=load, name="knowledge-preload", daemon=True).start()

    async def get(self) -> SearchIndex | None:
        if self._index is None:
            async with self._lock:
                preloading, self._preloading = self._preloading, None
                if self._index is None and preloading is not None:
                    try:
                        self._index = await asyncio.wrap_future(preloading)
                    except Exception:
                        log.exception("preloading the knowledge index failed; loading it again")
                if self._index is None:
                    self._index = await asyncio.to_thread(self._loader)
        return self._index


def search_text(tracker: Tracker) -> str:
    """The customer's question; a button payload ("/card_arrival") is searched as its intent's name."""
    text = latest_text(tracker).strip()
    if text.startswith("/"):
        return (latest_intent(tracker) or "").replace("_", " ")
    if tracker.active_loop_name:
        return digression_query(text, latest_intent(tracker))
    return question_part(text)


def articles_shown(tracker: Tracker, hit: Hit) -> list[dict[str, str]]:
    shown = list(tracker.get_slot(KB_ARTICLES_SHOWN) or [])
    if all(item.get("slug") != hit.article for item in shown):
        shown.append({"slug": hit.article, "title": hit.title})
    return shown


class ActionAnswerFromKnowledge(Action):
    # One index per action server process, shared by every conversation.
    source = KnowledgeSource(load_configured_index)

    def name(self) -> str:
        return "action_answer_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        query = search_text(tracker)
        index = await self.source.get()
        knowledge = settings().knowledge
        hits = await asyncio.to_thread(index.search, query, knowledge.top_k) if index and query else []
        best: Hit | None = hits[0] if hits else None
        if best is None or best.score < knowledge.answer_threshold:
            dispatcher.utter_message(response="utter_knowledge_miss")
            return [SlotSet(KB_UNANSWERED_QUERY, query)]
        dispatcher.utter_message(response="utter_knowledge_answer", answer=best.snippet, title=best.title)
        return [SlotSet(KB_ARTICLES_SHOWN, articles_shown(tracker, best)), SlotSet(KB_UNANSWERED_QUERY, None)]
