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
from bot.actions.slots import (
    KB_ARTICLES_SHOWN,
    KB_STEP,
    KB_STEPS,
    KB_STEPS_OFFERED,
    KB_UNANSWERED_QUERY,
    STEP_REPEAT,
)
from knowledge_index.answers import Answer, answer_from
from knowledge_index.articles import ARTICLE_SUFFIX, parse_article
from tandem.config import settings
from tandem.knowledge_outcome import knowledge_marker

log = logging.getLogger(__name__)


class Hit(Protocol):
    score: float
    article: str
    title: str
    snippet: str


class SearchIndex(Protocol):
    def search(self, query: str, k: int) -> list[Any]: ...

    def section_scores(self, query: str, article: str) -> dict[str, float]: ...


# The voice gateway's conversations are marked so in the metadata of every message (tandem/conversations.py).
PHONE_CHANNEL = "phone"


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
        self._settled = threading.Event()  # the first load finished, with an index or without one

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
            finally:
                self._settled.set()

        threading.Thread(target=load, name="knowledge-preload", daemon=True).start()

    @property
    def settled(self) -> bool:
        """Preloading is over: a question now gets its answer without waiting for the model to load."""
        return self._settled.is_set()

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


def channel(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("metadata") or {}).get("channel")


def help_link(slug: str) -> str:
    """The whole article, as the gateway serves it (tandem/web_help.py)."""
    return f"/help/{slug}"


def read_answer(index: SearchIndex, query: str, hit: Hit) -> Answer:
    """The section of the hit's article that answers the query, read from the article's source file."""
    path = settings().resolve(settings().knowledge.articles_dir) / f"{hit.article}{ARTICLE_SUFFIX}"
    article = parse_article(hit.article, path.read_text(encoding="utf-8"))
    return answer_from(article, query, index.section_scores(query, hit.article))


def spoken_answer(answer: Answer) -> tuple[str, list[EventType]]:
    """About 30 words, then the steps on request: a caller cannot scroll back through a list."""
    steps = list(answer.spoken_steps)
    if not steps:
        return answer.summary, [SlotSet(KB_STEPS, None), SlotSet(KB_STEPS_OFFERED, False)]
    events: list[EventType] = [
        SlotSet(KB_STEPS, steps),
        SlotSet(KB_STEP, None),
        SlotSet(KB_STEPS_OFFERED, True),
    ]
    return f"{answer.summary} Would you like the steps?", events


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
            nearest = (best.article, best.score) if best else (None, None)
            dispatcher.utter_message(json_message=knowledge_marker(False, *nearest))
            # A new question moves on from steps offered earlier: a later "yes" is not about them.
            return [SlotSet(KB_UNANSWERED_QUERY, query), SlotSet(KB_STEPS_OFFERED, False)]
        answer = await asyncio.to_thread(read_answer, index, query, best)
        dispatcher.utter_message(json_message=knowledge_marker(True, best.article, best.score))
        shown = [
            SlotSet(KB_ARTICLES_SHOWN, articles_shown(tracker, best)),
            SlotSet(KB_UNANSWERED_QUERY, None),
        ]
        if channel(tracker) == PHONE_CHANNEL:
            text, step_events = spoken_answer(answer)
            dispatcher.utter_message(text=text)
            return shown + step_events
        dispatcher.utter_message(
            response="utter_knowledge_answer",
            answer=answer.markdown,
            title=best.title,
            link=help_link(best.article),
        )
        return shown


def next_step_index(current: int | None, intent: str | None, count: int) -> int | None:
    """Which step to read: the first when none has been read yet ("yes"), the same on "repeat", the
    following one otherwise ("next"); None once there is no such step."""
    if current is None:
        return 0 if count else None
    if intent == STEP_REPEAT:
        return current
    return current + 1 if current + 1 < count else None


class ActionReadStep(Action):
    """Reads the offered steps one at a time on the phone (chat shows them all at once)."""

    def name(self) -> str:
        return "action_read_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        steps: list[str] = list(tracker.get_slot(KB_STEPS) or [])
        current = tracker.get_slot(KB_STEP)
        index = next_step_index(None if current is None else int(current), latest_intent(tracker), len(steps))
        if index is None:
            dispatcher.utter_message(response="utter_steps_done" if steps else "utter_no_steps")
            return [SlotSet(KB_STEPS_OFFERED, False)]
        last = index == len(steps) - 1
        follow = " That was the last step." if last else " Say next for the next step, or repeat."
        dispatcher.utter_message(text=f"Step {index + 1} of {len(steps)}: {steps[index]}{follow}")
        return [SlotSet(KB_STEP, float(index)), SlotSet(KB_STEPS_OFFERED, not last)]
