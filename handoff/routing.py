"""Which waiting contact goes to which agent: pure decisions over a snapshot, no I/O and no clock.

The handoff service owns the state (agents, offers, the queue) and the clock: it calls these with a
snapshot and `now`, makes the offers, expires them and records declines. The semantics are a contact
centre's (Genesys Cloud, Amazon Connect): queues need skills and have a priority, an SLA, overflow to
other queues and a maximum wait; the longest-idle qualified agent with a free slot gets the offer.

Thresholds count as passed when reached: a contact overflows at exactly overflow_after_s and is past
its maximum wait at exactly max_wait_s; an answer at exactly sla_s is within the SLA.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tandem.config import QueueSettings

AVAILABLE = "available"
BUSY = "busy"
AWAY = "away"
WRAP_UP = "wrap_up"
OFFLINE = "offline"
AGENT_STATES = frozenset({AVAILABLE, BUSY, AWAY, WRAP_UP, OFFLINE})
# Agents who will take work again soon. An away agent may be gone for an hour, so waiting for them is
# no reason to keep a contact from the agents who declined it (see plan_offers).
WORKING_STATES = frozenset({AVAILABLE, BUSY, WRAP_UP})

CHAT = "web"
VOICE = "phone"
CHANNELS = (CHAT, VOICE)


@dataclass(frozen=True, slots=True)
class AgentView:
    id: str
    skills: frozenset[str]
    # The service sets busy when the agent is full on every channel, and away or wrap_up when the
    # agent says so; only an available agent is offered work.
    state: str
    chat_capacity: int
    voice_capacity: int
    active_chats: int
    active_calls: int
    # Epoch seconds since the agent last became free: smaller means idle longer, offered first.
    idle_since: float
    has_pending_offer: bool

    def __post_init__(self) -> None:
        # A misspelt state would otherwise just never be offered anything.
        if self.state not in AGENT_STATES:
            raise ValueError(f"agent {self.id}: unknown state {self.state!r}")


@dataclass(frozen=True, slots=True)
class WaitingContact:
    id: str
    queue: str
    channel: str
    priority: int
    enqueued_at: float
    # Agents who declined it or let an offer for it expire.
    declined_by: frozenset[str]
    # An offer for it is pending.
    offered: bool
    # Offered first to this agent whenever they can take it, skills aside: a callback retry goes back to
    # the agent who knows the case.
    preferred_agent: str | None = None
    # A transfer to a named colleague: until this time only they are offered it (while they have not
    # declined it); after it, anyone in the queue, that colleague first.
    reserved_until: float = 0.0

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"contact {self.id}: unknown channel {self.channel!r}")


@dataclass(frozen=True, slots=True)
class Offer:
    contact_id: str
    agent_id: str


def qualifies(agent: AgentView, queue: QueueSettings) -> bool:
    return queue.skills <= agent.skills


def has_capacity(agent: AgentView, channel: str) -> bool:
    """Available, with a free slot on the channel. Chats and calls are counted apart: an agent with a
    free chat slot can take a chat during a call, as the capacities in the agent's profile allow."""
    active, capacity = _load(agent, channel)
    return agent.state == AVAILABLE and active < capacity


def eligible_queues(
    contact: WaitingContact, queues: Mapping[str, QueueSettings], now: float
) -> tuple[str, ...]:
    """Its own queue, then, once it has waited overflow_after_s, that queue's overflow_to. One hop only:
    where a contact can go is read off its own queue's line in config.yml, never a chain of them."""
    own = queues[contact.queue]
    if not own.overflow_to or now - contact.enqueued_at < own.overflow_after_s:
        return (contact.queue,)
    return tuple(dict.fromkeys((contact.queue, *own.overflow_to)))


def effective_priority(contact: WaitingContact, queues: Mapping[str, QueueSettings]) -> int:
    return contact.priority + queues[contact.queue].priority


def plan_offers(
    waiting: Sequence[WaitingContact],
    agents: Sequence[AgentView],
    queues: Mapping[str, QueueSettings],
    now: float,
) -> list[Offer]:
    """The offers to make now, in service order: highest effective priority first, then longest waiting.

    A contact without a pending offer goes to its preferred agent if they are available with a free
    slot on its channel, have no pending offer and have not declined it; otherwise, while it is reserved
    for that agent (a transfer to them, see `reserved`), to nobody; otherwise to the longest-idle agent
    who qualifies for one of its
    eligible queues, is available with a free slot on its channel, has no pending offer (counting those
    planned in this call) and has not declined it. A decline means "someone else, please", not "never":
    when every working agent (available, busy or wrap_up) who qualifies and takes its channel has
    declined the contact, the decliners are offered it again rather than leave it waiting for nobody.
    So the service should set an agent who lets an offer expire away, or that agent, if the only one,
    gets it back at once. Contacts past their maximum wait are still planned: ending a wait is the
    service's decision, not the router's.
    """
    offerable = sorted(
        (agent for agent in agents if agent.state == AVAILABLE and not agent.has_pending_offer),
        key=lambda agent: (agent.idle_since, agent.id),
    )
    # Per (queue, channel), the agents who could take its contacts now, as ranks into `offerable`:
    # ascending ranks are longest idle first, so a pool's first untaken agent is its best.
    pools: dict[tuple[str, str], list[int]] = {}
    for name, queue in queues.items():
        qualified = [rank for rank, agent in enumerate(offerable) if qualifies(agent, queue)]
        for channel in CHANNELS:
            pools[name, channel] = [rank for rank in qualified if has_capacity(offerable[rank], channel)]
    queue_priority = {name: queue.priority for name, queue in queues.items()}
    ordered = sorted(
        (contact for contact in waiting if not contact.offered),
        key=lambda c: (-(c.priority + queue_priority[c.queue]), c.enqueued_at, c.id),
    )

    rank_of = {agent.id: rank for rank, agent in enumerate(offerable)}
    taken = [False] * len(offerable)
    untaken = len(offerable)
    # Per pool, every agent before this index is taken; agents are only ever taken within one plan.
    heads = dict.fromkeys(pools, 0)
    working: dict[tuple[str, str], frozenset[str]] = {}
    offers: list[Offer] = []
    for contact in ordered:
        if not untaken:
            break
        eligible = eligible_queues(contact, queues, now)
        excluded = contact.declined_by
        if excluded and _only_decliners(contact, eligible, agents, queues, working):
            excluded = frozenset()
        best = len(offerable)
        preferred = rank_of.get(contact.preferred_agent or "")
        if (
            preferred is not None
            and not taken[preferred]
            and has_capacity(offerable[preferred], contact.channel)
            and offerable[preferred].id not in excluded
        ):
            eligible, best = (), preferred
        elif reserved(contact, now):
            continue  # held for the named colleague, who cannot take it yet
        for name in eligible:
            key = (name, contact.channel)
            pool = pools[key]
            start = heads[key]
            while start < len(pool) and taken[pool[start]]:
                start += 1
            heads[key] = start
            for index in range(start, len(pool)):
                rank = pool[index]
                if rank >= best:
                    break
                if not taken[rank] and (not excluded or offerable[rank].id not in excluded):
                    best = rank
                    break
        if best < len(offerable):
            taken[best] = True
            untaken -= 1
            offers.append(Offer(contact.id, offerable[best].id))
    return offers


def reserved(contact: WaitingContact, now: float) -> bool:
    """Held for a named colleague: within the time, and they have not declined it."""
    return (
        contact.preferred_agent is not None
        and now < contact.reserved_until
        and contact.preferred_agent not in contact.declined_by
    )


def queue_positions(waiting: Sequence[WaitingContact], queues: Mapping[str, QueueSettings]) -> dict[str, int]:
    """Contact id -> 1-based place in its own queue in service order, contacts with a pending offer
    included (they are still waiting). Overflow is not counted: the customer hears their own line."""
    positions: dict[str, int] = {}
    counts: dict[str, int] = {}
    for contact in sorted(waiting, key=lambda c: (-effective_priority(c, queues), c.enqueued_at, c.id)):
        counts[contact.queue] = counts.get(contact.queue, 0) + 1
        positions[contact.id] = counts[contact.queue]
    return positions


def staffed_agents(agents: Iterable[AgentView], queue: QueueSettings) -> int:
    """Agents signed in (any state but offline) who qualify for the queue."""
    return sum(1 for agent in agents if agent.state != OFFLINE and qualifies(agent, queue))


def expected_wait_s(position: int, staffed_agents: int, average_handle_s: float) -> float:
    """position x average handle time / staffed agents: each agent frees one slot per handle time.

    Deliberately simple and on the long side (the first in line is told one handle time, as if every
    agent had just started a contact); customers mind a wait that overruns more than one that doesn't.
    With nobody staffed it counts one agent, so the figure stays finite; the service says so apart.
    """
    if position < 1:
        raise ValueError(f"position is 1-based, got {position}")
    return position * average_handle_s / max(1, staffed_agents)


def past_max_wait(contact: WaitingContact, queue: QueueSettings, now: float) -> bool:
    return now - contact.enqueued_at >= queue.max_wait_s


def within_sla(wait_s: float, queue: QueueSettings) -> bool:
    return wait_s <= queue.sla_s


def _load(agent: AgentView, channel: str) -> tuple[int, int]:
    """(active, capacity) on the channel's kind of work."""
    if channel == CHAT:
        return agent.active_chats, agent.chat_capacity
    if channel == VOICE:
        return agent.active_calls, agent.voice_capacity
    raise ValueError(f"unknown channel {channel!r}")


def _only_decliners(
    contact: WaitingContact,
    eligible: tuple[str, ...],
    agents: Sequence[AgentView],
    queues: Mapping[str, QueueSettings],
    working: dict[tuple[str, str], frozenset[str]],
) -> bool:
    """Whether every working agent who could ever take the contact has declined it. `working` caches,
    per (queue, channel), the ids of working agents qualified for it with a slot on the channel."""
    for name in eligible:
        key = (name, contact.channel)
        if key not in working:
            working[key] = frozenset(
                agent.id
                for agent in agents
                if agent.state in WORKING_STATES
                and qualifies(agent, queues[name])
                and _load(agent, contact.channel)[1] > 0
            )
        if not working[key] <= contact.declined_by:
            return False
    return True
