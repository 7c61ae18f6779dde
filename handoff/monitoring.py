"""Others on a live conversation, beside its agent: supervisors, and colleagues the agent asked to consult.

Both watch it as its agent's desk sees it (read-only) and write to the agent only. What they write is a
private note on the contact: kept with the contact's notes, shown on the agent's desk, and, like every
note, apart from the conversation's messages, so no customer view can include it. A supervisor's note is
a whisper. A consulted colleague may do this while the contact stays live; a supervisor always may.

On a call with an agent, a supervisor may also put their own phone on the call: listening in (heard by
nobody) or barged in (heard by both). The voice gateway does it (voice_gateway/tap.py), asked by a `tap`
event on the conversation's socket that no customer is sent, and reports back how it goes.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, TypedDict

import sqlalchemy as sa

from handoff.events import MessageFrame, NoticeFrame
from handoff.notes import add_note
from handoff.state import HandoffState
from handoff.store import Agent, Contact, ContactStatus, Role
from handoff.tables import contact_consults
from handoff.views import Views
from tandem.events import Subscription
from tandem.validation import InputError

log = logging.getLogger(__name__)
WATCHED = (ContactStatus.ACTIVE, ContactStatus.WRAP_UP)
TAP_MODES = ("listen", "barge", "off")
TAP_STATES = frozenset({"ringing", "listening", "barged", "ended", "failed"})


class ConsultFrame(TypedDict):
    """To the colleague's desk: a request to consult, with what they need to choose to open it."""

    type: Literal["consult"]
    consult: dict[str, Any]


class TapFrame(TypedDict):
    """To the voice gateway on the conversation's socket (never to a customer): the supervisor's choice."""

    type: Literal["tap"]
    mode: str
    sip_uri: str | None


class TapStatusFrame(TypedDict):
    """To the monitor pages following the contact: how the supervisor's phone on the call is doing."""

    type: Literal["tap"]
    state: str
    detail: str


class Monitoring:
    def __init__(self, state: HandoffState, views: Views) -> None:
        self._s = state
        self._views = views

    async def _live(self, contact_id: str) -> Contact:
        contact = await self._s.contacts.contact(contact_id)
        if contact is None or contact.status not in WATCHED or contact.agent_id is None:
            raise InputError("not_live", "That conversation is not with an agent now.", 404)
        return contact

    async def _watchable(self, viewer: Agent, contact_id: str) -> Contact:
        """The live contact, if this viewer may watch it: a supervisor, or a colleague asked to consult."""
        if viewer.role != Role.SUPERVISOR and not await self._consulted(viewer.id, contact_id):
            raise InputError("not_consulted", "You have not been asked to consult on that conversation.", 403)
        return await self._live(contact_id)

    async def _consulted(self, agent_id: str, contact_id: str) -> bool:
        query = sa.select(contact_consults.c.agent_id).where(
            contact_consults.c.contact_id == contact_id, contact_consults.c.agent_id == agent_id
        )
        async with self._s.store.engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def view(self, viewer: Agent, contact_id: str) -> dict[str, Any]:
        """The contact as its agent's desk has it (transcript and notes), and who the agent is."""
        contact = await self._watchable(viewer, contact_id)
        assert contact.agent_id is not None
        agent = await self._s.agent(contact.agent_id)
        return {**await self._views.contact_view(contact), "agent": {"display_name": agent.display_name}}

    async def follow(self, viewer: Agent, contact_id: str) -> AbstractAsyncContextManager[Subscription]:
        """What the agent's desk is sent about this contact from now on."""
        await self._watchable(viewer, contact_id)
        return self._s.monitors.subscribe(contact_id)

    async def write(self, viewer: Agent, contact_id: str, text: str) -> None:
        """A private note to the contact's agent: a whisper from a supervisor, advice from a colleague."""
        contact = await self._watchable(viewer, contact_id)
        assert contact.agent_id is not None
        whisper = viewer.role == Role.SUPERVISOR
        note = await add_note(
            self._s.store.engine, contact.id, viewer.id, viewer.display_name, text, self._s.clock(), whisper
        )
        self._s.push(
            contact.agent_id, MessageFrame(type="message", contact_id=contact.id, message=note.as_message())
        )
        log.info(
            "whisper" if whisper else "consult note", extra={"contact_id": contact.id, "chars": len(text)}
        )

    async def ask(self, agent_id: str, contact_id: str, colleague_id: str) -> dict[str, Any]:
        """The contact's agent asks a colleague at a desk (agent or supervisor) to consult on it."""
        contact = await self._live(contact_id)
        if contact.agent_id != agent_id:
            raise InputError(
                "not_yours", "Only the conversation's agent may ask a colleague to consult.", 403
            )
        colleague = await self._s.contacts.agent(colleague_id)
        if (
            colleague is None
            or colleague.disabled_at is not None
            or not self._s.desks.has_subscribers(colleague_id)
        ):
            raise InputError("colleague_away", "That colleague is not at a desk now.", 404)
        if colleague.id == agent_id:
            raise InputError("own_consult", "Choose a colleague other than yourself.", 409)
        if not await self._consulted(colleague.id, contact.id):
            async with self._s.store.engine.begin() as conn:
                await conn.execute(
                    sa.insert(contact_consults).values(
                        contact_id=contact.id,
                        agent_id=colleague.id,
                        asked_by=agent_id,
                        created_at=self._s.clock(),
                    )
                )
        request = await self._request(contact, agent_id)
        self._s.desks.publish(colleague.id, ConsultFrame(type="consult", consult=request))
        log.info("consult asked", extra={"contact_id": contact.id, "agent_id": colleague.id})
        return {"colleague": {"id": colleague.id, "display_name": colleague.display_name}}

    async def asked_of(self, agent_id: str) -> list[dict[str, Any]]:
        """The live contacts this agent has been asked to consult on: what their desk lists on a reconnect."""
        query = sa.select(contact_consults).where(contact_consults.c.agent_id == agent_id)
        async with self._s.store.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        requests = []
        for row in rows:
            contact = await self._s.contacts.contact(row.contact_id)
            if contact is not None and contact.status in WATCHED and contact.agent_id is not None:
                requests.append(await self._request(contact, row.asked_by))
        return requests

    async def _request(self, contact: Contact, asked_by: str) -> dict[str, Any]:
        customer = (contact.context or {}).get("customer") or {}
        return {
            "contact_id": contact.id,
            "from": (await self._s.agent(asked_by)).display_name,
            "customer": customer.get("display_name")
            or ("a caller" if contact.channel == "phone" else "a web visitor"),
            "channel": contact.channel,
            "queue": contact.queue,
        }

    async def tap(self, supervisor: Agent, contact_id: str, mode: str) -> None:
        """Put the supervisor's phone on the contact's call (listen, barge) or take it off (off)."""
        if mode not in TAP_MODES:
            raise InputError("invalid_mode", f"mode must be one of {', '.join(TAP_MODES)}.")
        contact = await self._watchable(supervisor, contact_id)
        if contact.channel != "phone" or contact.status != ContactStatus.ACTIVE:
            raise InputError("not_a_call", "Only a call that is with an agent can be listened to.", 409)
        if mode != "off" and not supervisor.sip_uri:
            raise InputError(
                "no_phone", "Add a phone (SIP address) to your account on the Accounts page.", 409
            )
        self._s.conversations.events.publish(
            contact.conversation_id, TapFrame(type="tap", mode=mode, sip_uri=supervisor.sip_uri)
        )
        if mode == "barge" and contact.agent_id is not None:
            notice = f"{supervisor.display_name} (supervisor) is joining your call."
            self._s.desks.publish(contact.agent_id, NoticeFrame(type="notice", message=notice))
        log.info("supervisor phone", extra={"contact_id": contact.id, "mode": mode})

    async def tap_status(self, conversation_id: str, state: str, detail: str) -> None:
        """From the voice gateway: shown on the monitor pages that follow the call's contact."""
        if state not in TAP_STATES:
            raise InputError("invalid_state", f"state must be one of {', '.join(sorted(TAP_STATES))}.")
        contact = await self._s.contacts.open_contact_for(conversation_id)
        if contact is not None:
            self._s.monitors.publish(contact.id, TapStatusFrame(type="tap", state=state, detail=detail))
