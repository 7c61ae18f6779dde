"""Routing decisions as tables: a snapshot of agents and waiting contacts in, the exact offers out.

Times are seconds from NOW; a contact "aged 130" was enqueued at NOW - 130. Queues mirror config.yml:
cards overflows to general after 120 s, complaints has queue priority 1.
"""

from __future__ import annotations

import random

import pytest

from handoff.routing import (
    AgentView,
    Offer,
    WaitingContact,
    eligible_queues,
    expected_wait_s,
    has_capacity,
    past_max_wait,
    plan_offers,
    qualifies,
    queue_positions,
    staffed_agents,
    within_sla,
)
from tandem.config import QueueSettings

NOW = 10_000.0
CARDS = QueueSettings(
    skills=frozenset({"cards"}), sla_s=60, overflow_after_s=120, overflow_to=("general",), max_wait_s=900
)
COMPLAINTS = QueueSettings(
    skills=frozenset({"complaints"}),
    priority=1,
    sla_s=30,
    overflow_after_s=90,
    overflow_to=("general",),
    max_wait_s=900,
)
GENERAL = QueueSettings(skills=frozenset(), sla_s=90, overflow_after_s=600, max_wait_s=900)
PAYMENTS = QueueSettings(
    skills=frozenset({"payments", "fraud"}),
    sla_s=60,
    overflow_after_s=120,
    overflow_to=("cards", "general", "cards"),
    max_wait_s=900,
)
QUEUES = {"cards": CARDS, "complaints": COMPLAINTS, "general": GENERAL, "payments": PAYMENTS}


def agent(
    id: str,
    skills: str = "",
    *,
    state: str = "available",
    chats: tuple[int, int] = (0, 3),
    calls: tuple[int, int] = (0, 1),
    idle: float = 0.0,
    pending: bool = False,
) -> AgentView:
    """`chats` and `calls` are (active, capacity); `idle` is how many seconds ago the agent became free."""
    return AgentView(
        id=id,
        skills=frozenset(skills.split()),
        state=state,
        chat_capacity=chats[1],
        voice_capacity=calls[1],
        active_chats=chats[0],
        active_calls=calls[0],
        idle_since=NOW - idle,
        has_pending_offer=pending,
    )


def contact(
    id: str,
    queue: str = "general",
    *,
    channel: str = "web",
    priority: int = 0,
    age: float = 10.0,
    declined: str = "",
    offered: bool = False,
    preferred: str | None = None,
    reserved_for_s: float = 0.0,
) -> WaitingContact:
    return WaitingContact(
        id=id,
        queue=queue,
        channel=channel,
        priority=priority,
        enqueued_at=NOW - age,
        declined_by=frozenset(declined.split()),
        offered=offered,
        preferred_agent=preferred,
        reserved_until=NOW + reserved_for_s if reserved_for_s else 0.0,
    )


def offers(*pairs: str) -> list[Offer]:
    """offers("c1>a1", "c2>a2")"""
    return [Offer(*pair.split(">")) for pair in pairs]


@pytest.mark.parametrize(
    ("skills", "queue", "expected"),
    [
        pytest.param("cards", CARDS, True, id="exact-skill"),
        pytest.param("cards payments complaints", CARDS, True, id="superset"),
        pytest.param("payments", CARDS, False, id="other-skill"),
        pytest.param("", CARDS, False, id="no-skills"),
        pytest.param("payments", PAYMENTS, False, id="needs-every-skill"),
        pytest.param("fraud payments", PAYMENTS, True, id="has-every-skill"),
        pytest.param("", GENERAL, True, id="queue-without-skills-takes-anyone"),
    ],
)
def test_qualifies(skills: str, queue: QueueSettings, expected: bool) -> None:
    assert qualifies(agent("a", skills), queue) is expected


@pytest.mark.parametrize(
    ("view", "channel", "expected"),
    [
        pytest.param(agent("a", chats=(0, 3)), "web", True, id="chat-free"),
        pytest.param(agent("a", chats=(2, 3)), "web", True, id="chat-one-slot-left"),
        pytest.param(agent("a", chats=(3, 3)), "web", False, id="chat-full"),
        pytest.param(agent("a", chats=(0, 0)), "web", False, id="chat-not-staffed"),
        pytest.param(agent("a", calls=(0, 1)), "phone", True, id="call-free"),
        pytest.param(agent("a", calls=(1, 1)), "phone", False, id="call-full"),
        pytest.param(agent("a", calls=(0, 0)), "phone", False, id="voice-not-staffed"),
        pytest.param(agent("a", chats=(3, 3), calls=(0, 1)), "phone", True, id="chats-full-call-free"),
        pytest.param(agent("a", chats=(0, 3), calls=(1, 1)), "web", True, id="on-a-call-chat-free"),
        pytest.param(agent("a", state="busy"), "web", False, id="busy"),
        pytest.param(agent("a", state="away"), "web", False, id="away"),
        pytest.param(agent("a", state="wrap_up"), "phone", False, id="wrap-up"),
        pytest.param(agent("a", state="offline"), "phone", False, id="offline"),
    ],
)
def test_has_capacity(view: AgentView, channel: str, expected: bool) -> None:
    assert has_capacity(view, channel) is expected


def test_unknown_channel_and_state_are_refused() -> None:
    with pytest.raises(ValueError, match="channel"):
        has_capacity(agent("a"), "sms")
    with pytest.raises(ValueError, match="channel"):
        contact("c", channel="sms")
    with pytest.raises(ValueError, match="state"):
        agent("a", state="wrapup")


@pytest.mark.parametrize(
    ("waiting", "expected"),
    [
        pytest.param(contact("c", "cards", age=119.9), ("cards",), id="before-overflow"),
        pytest.param(contact("c", "cards", age=120), ("cards", "general"), id="at-overflow"),
        pytest.param(contact("c", "cards", age=500), ("cards", "general"), id="after-overflow"),
        pytest.param(contact("c", "general", age=5000), ("general",), id="no-overflow-target"),
        pytest.param(contact("c", "complaints", age=90), ("complaints", "general"), id="own-threshold"),
        pytest.param(
            contact("c", "payments", age=120), ("payments", "cards", "general"), id="several-deduplicated"
        ),
    ],
)
def test_eligible_queues(waiting: WaitingContact, expected: tuple[str, ...]) -> None:
    assert eligible_queues(waiting, QUEUES, NOW) == expected


PLANS = [
    # Who gets the offer.
    pytest.param(
        [contact("c1", "cards")],
        [agent("a1", "payments", idle=500), agent("a2", "cards", idle=10)],
        offers("c1>a2"),
        id="skills-only-qualified-agent",
    ),
    pytest.param(
        [contact("c1", "cards")],
        [agent("a1", "payments", idle=500)],
        [],
        id="skills-nobody-qualifies",
    ),
    pytest.param(
        [contact("c1")],
        [agent("a1", idle=10), agent("a2", idle=300), agent("a3", idle=200)],
        offers("c1>a2"),
        id="longest-idle-wins",
    ),
    pytest.param(
        [contact("c1")],
        [agent("b", idle=100), agent("a", idle=100)],
        offers("c1>a"),
        id="idle-tie-broken-by-id",
    ),
    pytest.param(
        [contact("c1")],
        [agent("a1", state="busy", idle=900), agent("a2", state="away", idle=800), agent("a3", idle=1)],
        offers("c1>a3"),
        id="states-only-available",
    ),
    pytest.param(
        [contact("c1"), contact("c2")],
        [agent("a1", state="wrap_up"), agent("a2", state="offline")],
        [],
        id="states-nobody-available",
    ),
    pytest.param(
        [contact("c1", channel="phone")],
        [agent("a1", calls=(1, 1), idle=900), agent("a2", calls=(0, 0), idle=800), agent("a3", idle=1)],
        offers("c1>a3"),
        id="capacity-on-the-contact-channel",
    ),
    pytest.param(
        [contact("c1", channel="web")],
        [agent("a1", chats=(3, 3), idle=900), agent("a2", chats=(2, 3), idle=1)],
        offers("c1>a2"),
        id="capacity-full-agent-skipped",
    ),
    pytest.param(
        [contact("c1")],
        [agent("a1", pending=True, idle=900), agent("a2", idle=1)],
        offers("c1>a2"),
        id="pending-offer-agent-skipped",
    ),
    # Order of the contacts.
    pytest.param(
        [contact("low", priority=0, age=500), contact("high", priority=2, age=5)],
        [agent("a1")],
        offers("high>a1"),
        id="priority-before-age",
    ),
    pytest.param(
        [contact("card", "cards", priority=1, age=50), contact("complaint", "complaints", age=10)],
        [agent("a1", "cards complaints")],
        offers("card>a1"),
        id="queue-priority-adds-tie-then-fifo",
    ),
    pytest.param(
        [contact("card", "cards", age=50), contact("complaint", "complaints", age=10)],
        [agent("a1", "cards complaints")],
        offers("complaint>a1"),
        id="queue-priority-wins",
    ),
    pytest.param(
        [contact("c2", age=20), contact("c1", age=30), contact("c3", age=10)],
        [agent("a1", idle=3), agent("a2", idle=2)],
        offers("c1>a1", "c2>a2"),
        id="fifo-within-priority",
    ),
    pytest.param(
        [contact("c1", age=30), contact("c2", age=20), contact("c3", age=10)],
        [agent("a1", chats=(0, 3), idle=5)],
        offers("c1>a1"),
        id="one-offer-per-agent-per-plan",
    ),
    pytest.param(
        [contact("c1", age=30, offered=True), contact("c2", age=20)],
        [agent("a1"), agent("a2")],
        offers("c2>a1"),
        id="already-offered-contact-skipped",
    ),
    pytest.param(
        [contact("c1", "cards", age=30), contact("c2", age=20)],
        [agent("a1", "cards", idle=1), agent("a2", idle=50)],
        offers("c1>a1", "c2>a2"),
        id="earlier-contact-takes-only-its-qualified-agent",
    ),
    # Overflow.
    pytest.param(
        [contact("c1", "cards", age=119)],
        [agent("a1", "payments")],
        [],
        id="overflow-not-yet",
    ),
    pytest.param(
        [contact("c1", "cards", age=120)],
        [agent("a1", "payments")],
        offers("c1>a1"),
        id="overflow-to-general",
    ),
    pytest.param(
        [contact("c1", "cards", age=200)],
        [agent("a1", "cards", idle=5), agent("a2", "payments", idle=50)],
        offers("c1>a2"),
        id="overflow-longest-idle-across-queues",
    ),
    pytest.param(
        [contact("c1", "payments", age=500)],
        [agent("a1", "cards", idle=5, chats=(0, 0)), agent("a2", "cards", idle=4)],
        offers("c1>a2"),
        id="overflow-still-needs-capacity",
    ),
    # Declines.
    pytest.param(
        [contact("c1", declined="a1")],
        [agent("a1", idle=900), agent("a2", idle=1)],
        offers("c1>a2"),
        id="decliner-skipped",
    ),
    pytest.param(
        [contact("c1", age=30, declined="a1"), contact("c2", age=20)],
        [agent("a1", idle=900), agent("a2", idle=1)],
        offers("c1>a2", "c2>a1"),
        id="decliner-takes-the-next-contact",
    ),
    pytest.param(
        [contact("c1", declined="a1")],
        [agent("a1", idle=900), agent("a2", state="busy")],
        [],
        id="decliner-skipped-while-another-is-busy",
    ),
    pytest.param(
        [contact("c1", declined="a1")],
        [agent("a1", idle=900), agent("a2", state="wrap_up")],
        [],
        id="decliner-skipped-while-another-wraps-up",
    ),
    pytest.param(
        [contact("c1", declined="a1")],
        [agent("a1", idle=900), agent("a2", state="away"), agent("a3", state="offline")],
        offers("c1>a1"),
        id="decliner-again-when-no-one-else-works",
    ),
    pytest.param(
        [contact("c1", "cards", declined="a1 a2")],
        [agent("a1", "cards", idle=900), agent("a2", "cards", idle=1000), agent("a3", "payments")],
        offers("c1>a2"),
        id="decliners-again-when-all-qualified-declined",
    ),
    pytest.param(
        [contact("c1", channel="phone", declined="a1")],
        [agent("a1", idle=900), agent("a2", calls=(0, 0))],
        offers("c1>a1"),
        id="decliner-again-when-others-take-no-calls",
    ),
    pytest.param(
        [contact("c1", "cards", age=200, declined="a1")],
        [agent("a1", "cards", idle=900), agent("a2", "payments", state="busy")],
        [],
        id="decliner-skipped-once-overflow-adds-agents",
    ),
    pytest.param(
        [contact("c1", "cards", channel="phone", preferred="a2")],
        [agent("a1", "cards", idle=900), agent("a2", idle=5)],
        offers("c1>a2"),
        id="preferred-agent-first-skills-aside",
    ),
    pytest.param(
        [
            contact("c1", "cards", channel="phone", preferred="a2"),
            contact("c2", "cards", channel="phone", age=20),
        ],
        [agent("a1", "cards", idle=900), agent("a2", "cards", idle=5)],
        offers("c2>a1", "c1>a2"),
        id="preferred-agent-in-service-order",
    ),
    pytest.param(
        [
            contact("c1", "cards", channel="phone", preferred="a2", age=20),
            contact("c2", "cards", channel="phone"),
        ],
        [agent("a1", "cards", idle=900), agent("a2", "cards", idle=5)],
        offers("c1>a2", "c2>a1"),
        id="preferred-agent-taken-first-by-their-own",
    ),
    pytest.param(
        [contact("c1", "cards", channel="phone", preferred="a2")],
        [agent("a1", "cards", idle=900), agent("a2", "cards", calls=(1, 1), idle=5)],
        offers("c1>a1"),
        id="preferred-agent-on-a-call",
    ),
    pytest.param(
        [contact("c1", "cards", channel="phone", preferred="a2")],
        [agent("a1", "cards", idle=900), agent("a2", "cards", state="away")],
        offers("c1>a1"),
        id="preferred-agent-away",
    ),
    pytest.param(
        [contact("c1", "cards", channel="phone", preferred="a2", declined="a2")],
        [agent("a1", "cards", idle=900), agent("a2", "cards", idle=1000)],
        offers("c1>a1"),
        id="preferred-agent-declined",
    ),
    pytest.param(
        [contact("c1", "cards", channel="phone", preferred="a2")],
        [agent("a2", "cards", pending=True), agent("a3", "loans")],
        [],
        id="preferred-agent-busy-with-an-offer-nobody-else-qualified",
    ),
    pytest.param(
        [contact("c1", "cards", preferred="a2", reserved_for_s=30)],
        [agent("a1", "cards", idle=900), agent("a2", "cards", state="busy")],
        [],
        id="transfer-to-a-named-colleague-waits-for-them",
    ),
    pytest.param(
        [contact("c1", "cards", preferred="a2", reserved_for_s=30), contact("c2", "cards", age=5)],
        [agent("a1", "cards", idle=900), agent("a2", "cards", pending=True)],
        offers("c2>a1"),
        id="held-contact-lets-the-next-one-through",
    ),
    pytest.param(
        [contact("c1", "cards", preferred="a2", reserved_for_s=30)],
        [agent("a1", "cards", idle=900), agent("a2", "cards", idle=5)],
        offers("c1>a2"),
        id="transfer-to-a-named-colleague-who-is-free",
    ),
    pytest.param(
        [contact("c1", "cards", preferred="a2", reserved_for_s=-1)],
        [agent("a1", "cards", idle=900), agent("a2", "cards", state="busy")],
        offers("c1>a1"),
        id="reservation-over-anyone-in-the-queue",
    ),
    pytest.param(
        [contact("c1", "cards", preferred="a2", reserved_for_s=30, declined="a2")],
        [agent("a1", "cards", idle=900), agent("a2", "cards", idle=1000)],
        offers("c1>a1"),
        id="named-colleague-declined-anyone-in-the-queue",
    ),
]


@pytest.mark.parametrize(("waiting", "agents", "expected"), PLANS)
def test_plan_offers(waiting: list[WaitingContact], agents: list[AgentView], expected: list[Offer]) -> None:
    assert plan_offers(waiting, agents, QUEUES, NOW) == expected


def test_plan_offers_assigns_every_agent_once_in_service_order() -> None:
    waiting = [contact(f"c{i}", age=100 - i) for i in range(10)]
    agents = [agent(f"a{i}", idle=i) for i in range(4)]
    planned = plan_offers(waiting, agents, QUEUES, NOW)
    assert planned == offers("c0>a3", "c1>a2", "c2>a1", "c3>a0")


def could_take(a: AgentView, c: WaitingContact) -> bool:
    """Qualifies for one of the contact's queues and handles its channel at all."""
    qualified = any(qualifies(a, QUEUES[name]) for name in eligible_queues(c, QUEUES, NOW))
    return qualified and (a.chat_capacity if c.channel == "web" else a.voice_capacity) > 0


def reference_plan(waiting: list[WaitingContact], agents: list[AgentView]) -> list[Offer]:
    """plan_offers' docstring, written the slow and obvious way."""
    free = {a.id: a for a in agents if a.state == "available" and not a.has_pending_offer}
    planned = []
    ordered = sorted(
        (c for c in waiting if not c.offered),
        key=lambda c: (-(c.priority + QUEUES[c.queue].priority), c.enqueued_at, c.id),
    )
    for c in ordered:
        others = [a for a in agents if a.state not in ("away", "offline") and could_take(a, c)]
        excluded = c.declined_by if any(a.id not in c.declined_by for a in others) else frozenset()
        fits = [
            a
            for a in free.values()
            if could_take(a, c) and has_capacity(a, c.channel) and a.id not in excluded
        ]
        if fits:
            best = min(fits, key=lambda a: (a.idle_since, a.id))
            planned.append(Offer(c.id, best.id))
            del free[best.id]
    return planned


@pytest.mark.parametrize("seed", range(20))
def test_plan_offers_matches_the_obvious_implementation(seed: int) -> None:
    rng = random.Random(seed)
    agents = [
        agent(
            f"a{i}",
            " ".join(rng.sample(["cards", "payments", "fraud", "complaints"], rng.randint(0, 3))),
            state=rng.choice(["available"] * 4 + ["busy", "away", "wrap_up", "offline"]),
            chats=(rng.randint(0, 2), rng.randint(0, 3)),
            calls=(rng.randint(0, 1), rng.randint(0, 1)),
            idle=rng.choice([rng.uniform(0, 600), 100.0]),
            pending=rng.random() < 0.15,
        )
        for i in range(rng.randint(0, 25))
    ]
    waiting = [
        contact(
            f"c{i}",
            rng.choice(list(QUEUES)),
            channel=rng.choice(["web", "phone"]),
            priority=rng.randint(0, 3),
            age=rng.uniform(0, 700),
            declined=" ".join(a.id for a in agents if rng.random() < 0.2),
            offered=rng.random() < 0.1,
        )
        for i in range(rng.randint(0, 60))
    ]
    assert plan_offers(waiting, agents, QUEUES, NOW) == reference_plan(waiting, agents)


@pytest.mark.parametrize(
    ("waiting", "expected"),
    [
        pytest.param([], {}, id="empty"),
        pytest.param(
            [contact("c1", age=10), contact("c2", age=30), contact("c3", age=20)],
            {"c2": 1, "c3": 2, "c1": 3},
            id="fifo",
        ),
        pytest.param(
            [contact("old", age=300), contact("vip", priority=3, age=1)],
            {"vip": 1, "old": 2},
            id="priority-first",
        ),
        pytest.param(
            [contact("g", age=300), contact("k1", "cards", age=10), contact("k2", "cards", age=20)],
            {"g": 1, "k2": 1, "k1": 2},
            id="per-queue",
        ),
        pytest.param(
            [contact("c1", age=30, offered=True), contact("c2", age=20)],
            {"c1": 1, "c2": 2},
            id="offered-still-counts",
        ),
    ],
)
def test_queue_positions(waiting: list[WaitingContact], expected: dict[str, int]) -> None:
    assert queue_positions(waiting, QUEUES) == expected


@pytest.mark.parametrize(
    ("position", "staffed", "handle_s", "expected"),
    [
        pytest.param(1, 1, 240, 240, id="first-one-agent"),
        pytest.param(3, 1, 240, 720, id="third-one-agent"),
        pytest.param(3, 4, 240, 180, id="third-four-agents"),
        pytest.param(2, 0, 100, 200, id="nobody-staffed-counts-one"),
    ],
)
def test_expected_wait(position: int, staffed: int, handle_s: float, expected: float) -> None:
    assert expected_wait_s(position, staffed, handle_s) == pytest.approx(expected)


def test_expected_wait_positions_are_one_based() -> None:
    with pytest.raises(ValueError, match="1-based"):
        expected_wait_s(0, 2, 240)


def test_staffed_agents_counts_signed_in_and_qualified() -> None:
    agents = [
        agent("a1", "cards"),
        agent("a2", "cards", state="busy"),
        agent("a3", "cards", state="away"),
        agent("a4", "cards", state="wrap_up"),
        agent("a5", "cards", state="offline"),
        agent("a6", "payments"),
    ]
    assert staffed_agents(agents, CARDS) == 4
    assert staffed_agents(agents, GENERAL) == 5


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        pytest.param(0, False, id="just-queued"),
        pytest.param(899.9, False, id="just-before"),
        pytest.param(900, True, id="at-max-wait"),
        pytest.param(2000, True, id="long-after"),
    ],
)
def test_past_max_wait(age: float, expected: bool) -> None:
    assert past_max_wait(contact("c", "cards", age=age), CARDS, NOW) is expected


@pytest.mark.parametrize(
    ("wait_s", "queue", "expected"),
    [
        pytest.param(0, CARDS, True, id="at-once"),
        pytest.param(60, CARDS, True, id="at-sla"),
        pytest.param(60.1, CARDS, False, id="past-sla"),
        pytest.param(45, COMPLAINTS, False, id="tighter-queue-sla"),
        pytest.param(85, GENERAL, True, id="looser-queue-sla"),
    ],
)
def test_within_sla(wait_s: float, queue: QueueSettings, expected: bool) -> None:
    assert within_sla(wait_s, queue) is expected
