"""Agent assist: knowledge articles for what the customer says, the sentiment line so far, and the
conversation's messages relayed to the desk working it."""

from __future__ import annotations

import asyncio
from typing import Any

from handoff.context import sentiment_timeline
from handoff.events import ContextFrame, MessageFrame, SuggestionsFrame
from handoff.state import HandoffState
from handoff.store import Contact
from tandem.events import Event
from tandem.knowledge import KnowledgeState


class Assist:
    def __init__(self, state: HandoffState, knowledge: KnowledgeState, top_k: int) -> None:
        self._s = state
        self._knowledge = knowledge
        self._top_k = top_k

    async def suggestions(self, text: str) -> list[dict[str, Any]]:
        index = self._knowledge.index
        if index is None or not text.strip():
            return []
        hits = await asyncio.to_thread(index.search, text, self._top_k)
        return [
            {"slug": h.article, "title": h.title, "snippet": h.snippet, "score": round(h.score, 3)}
            for h in hits
        ]

    async def push_suggestions(self, contact: Contact, text: str) -> None:
        """After each customer message: articles for it, and the sentiment line so far."""
        if not contact.agent_id:
            return
        articles = await self.suggestions(text)
        self._s.push(
            contact.agent_id, SuggestionsFrame(type="suggestions", contact_id=contact.id, articles=articles)
        )
        transcript = await self._s.store.transcript(contact.conversation_id)
        timeline = sentiment_timeline(transcript, self._s.cfg.escalation.sentiment_window)
        context = {**contact.context, "sentiment": timeline, "suggestions": articles}
        self._s.push(contact.agent_id, ContextFrame(type="context", contact_id=contact.id, context=context))

    def on_conversation_event(self, conversation_id: str, event: Event) -> None:
        working = self._s.working.get(conversation_id)
        if working and event.get("type") == "message":
            contact_id, agent_id = working
            self._s.push(
                agent_id, MessageFrame(type="message", contact_id=contact_id, message=event["message"])
            )
