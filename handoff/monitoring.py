"""Supervisors on a live conversation: watch it as its agent's desk sees it (read-only), and whisper to the
agent. A whisper is a private note by the supervisor: kept with the contact's notes, shown on the agent's
desk, and, like every note, apart from the conversation's messages, so no customer view can include it."""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

from handoff.events import MessageFrame
from handoff.notes import add_note
from handoff.state import HandoffState
from handoff.store import Agent, Contact, ContactStatus
from handoff.views import Views
from tandem.events import Subscription
from tandem.validation import InputError

log = logging.getLogger(__name__)
WATCHED = (ContactStatus.ACTIVE, ContactStatus.WRAP_UP)


class Monitoring:
    def __init__(self, state: HandoffState, views: Views) -> None:
        self._s = state
        self._views = views

    async def _live(self, contact_id: str) -> Contact:
        contact = await self._s.contacts.contact(contact_id)
        if contact is None or contact.status not in WATCHED or contact.agent_id is None:
            raise InputError("not_live", "That conversation is not with an agent now.", 404)
        return contact

    async def view(self, contact_id: str) -> dict[str, Any]:
        """The contact as its agent's desk has it (transcript and notes), and who the agent is."""
        contact = await self._live(contact_id)
        assert contact.agent_id is not None
        agent = await self._s.agent(contact.agent_id)
        return {**await self._views.contact_view(contact), "agent": {"display_name": agent.display_name}}

    def follow(self, contact_id: str) -> AbstractAsyncContextManager[Subscription]:
        """What the agent's desk is sent about this contact from now on."""
        return self._s.monitors.subscribe(contact_id)

    async def whisper(self, supervisor: Agent, contact_id: str, text: str) -> None:
        contact = await self._live(contact_id)
        assert contact.agent_id is not None
        note = await add_note(
            self._s.store.engine,
            contact.id,
            supervisor.id,
            supervisor.display_name,
            text,
            self._s.clock(),
            True,
        )
        self._s.push(
            contact.agent_id, MessageFrame(type="message", contact_id=contact.id, message=note.as_message())
        )
        log.info("whisper", extra={"contact_id": contact.id, "chars": len(text)})
