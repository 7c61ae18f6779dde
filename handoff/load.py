"""Agents' load and state: what each is working on, the state the floor sees, and what routing may
give them."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff import routing
from handoff.callbacks import ON_AGENT_PHONE
from handoff.floor import effective_state
from handoff.state import HandoffState
from handoff.store import WORKING_STATUSES, Agent, ContactStatus, HandoffStore, Role
from handoff.tables import callback_attempts

Load = tuple[int, int, int]  # active chats, active calls, contacts in wrap-up
IDLE: Load = (0, 0, 0)


class AgentLoad:
    def __init__(self, state: HandoffState) -> None:
        self._s = state

    async def loads(self, agent_id: str | None = None) -> dict[str, Load]:
        """Per agent (or for one)."""
        return await agent_loads(self._s.contacts, self._s.store.engine, agent_id)

    def effective(self, agent: Agent, load: Load = IDLE) -> str:
        return effective_state(
            agent.state,
            active_chats=load[0],
            active_calls=load[1],
            wrap_ups=load[2],
            chat_capacity=agent.chat_capacity,
            voice_capacity=voice_capacity(agent),
        )

    async def connected_agents(self) -> list[Agent]:
        connected = self._s.desks.keys()
        return [a for a in await self._s.contacts.all_agents() if a.id in connected]

    async def staffed(self) -> bool:
        return any(self.effective(a) != routing.OFFLINE for a in await self.connected_agents())

    async def agent_views(self, offered_to: Collection[str] | None = None) -> list[routing.AgentView]:
        """offered_to: the agents with an offer pending (by default, of a waiting contact)."""
        loads = await self.loads()
        if offered_to is None:
            offered_to = {o.agent_id for o in await self._s.contacts.pending_offers()}
        pending = set(offered_to)
        return [
            routing.AgentView(
                id=agent.id,
                skills=frozenset(agent.skills),
                state=self.effective(agent, loads.get(agent.id, IDLE)),
                chat_capacity=agent.chat_capacity,
                voice_capacity=voice_capacity(agent),
                active_chats=loads.get(agent.id, IDLE)[0],
                active_calls=loads.get(agent.id, IDLE)[1],
                idle_since=agent.idle_since,
                has_pending_offer=agent.id in pending,
            )
            for agent in await self.connected_agents()
            if agent.role == Role.AGENT
        ]

    async def colleagues(self, agent_id: str) -> list[dict[str, object]]:
        """Everyone else at a desk now, with their role and state: agents may take a transfer, and agents
        and supervisors may be asked to consult."""
        loads = await self.loads()
        return [
            {
                "id": a.id,
                "display_name": a.display_name,
                "role": a.role,
                "state": self.effective(a, loads.get(a.id, IDLE)),
            }
            for a in await self.connected_agents()
            if a.id != agent_id and a.disabled_at is None
        ]

    async def agent_json(self, agent_id: str) -> dict[str, object]:
        agent = await self._s.agent(agent_id)
        load = (await self.loads(agent_id)).get(agent_id, IDLE)
        return {**agent.to_json(), "state": self.effective(agent, load), "channels": list(channels(agent))}

    async def agent_freed(self, agent_id: str, now: float) -> None:
        """The longest-idle rule counts from when an agent last finished something."""
        agent = await self._s.agent(agent_id)
        if agent.state == routing.AVAILABLE:
            await self._s.contacts.set_agent_state(agent_id, routing.AVAILABLE, now, idle=True)

    async def average_handle_s(self) -> float:
        since = self._s.clock() - 24 * 3600
        handled = [
            c.closed_at - c.answered_at
            for c in await self._s.contacts.contacts_since(since)
            if c.status == ContactStatus.CLOSED and c.closed_at and c.answered_at
        ]
        return sum(handled) / len(handled) if handled else self._s.cfg.default_handle_s


async def agent_loads(
    contacts: HandoffStore, engine: AsyncEngine, agent_id: str | None = None
) -> dict[str, Load]:
    """Per agent (or for one): their contacts, and a callback on their phone (about to ring, ringing or
    talking) as a call, so that nobody is offered a call while on one."""
    loads: dict[str, list[int]] = {}
    for contact in await contacts.contacts_in(WORKING_STATUSES, agent_id):
        if contact.agent_id:
            load = loads.setdefault(contact.agent_id, [0, 0, 0])
            if contact.status == ContactStatus.WRAP_UP:
                load[2] += 1
            else:
                load[0 if contact.channel == routing.CHAT else 1] += 1
    calling = sa.select(callback_attempts.c.agent_id, sa.func.count()).where(
        callback_attempts.c.status.in_([str(status) for status in ON_AGENT_PHONE])
    )
    if agent_id is not None:
        calling = calling.where(callback_attempts.c.agent_id == agent_id)
    async with engine.connect() as conn:
        for caller, calls in await conn.execute(calling.group_by(callback_attempts.c.agent_id)):
            loads.setdefault(str(caller), [0, 0, 0])[1] += int(calls)
    return {agent_id: (c, v, w) for agent_id, (c, v, w) in loads.items()}


def voice_capacity(agent: Agent) -> int:
    """A call is bridged to the agent's own phone: without one they take chats only, and the floor
    shows them busy once their chats are full, as routing gives them nothing more."""
    return agent.voice_capacity if agent.sip_uri else 0


def channels(agent: Agent) -> tuple[str, ...]:
    """The channels routing offers this agent, for the desk and the dashboard to show."""
    return tuple(
        channel
        for channel, capacity in ((routing.CHAT, agent.chat_capacity), (routing.VOICE, voice_capacity(agent)))
        if capacity > 0
    )
