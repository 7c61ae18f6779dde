"""Routing throughput: how fast the pure routing decisions (handoff.routing.plan_offers) empty a queue.

Scenario: 1 000 contacts waiting across config.yml's queues (web and phone, the escalation priorities,
VIPs, ages up to the maximum wait, so some have overflowed) and 200 agents with mixed skills and
capacities. The simulation plans offers, accepts every one (the agent takes the contact and goes to
the back of the idle line, busy once full on every channel), and plans again; when nothing more can
be assigned, simulated time jumps to the next conversation's end, which frees that slot. A run ends
when all 1 000 are assigned. Only the time inside plan_offers counts: this measures the routing
decisions, not the store or the service around them.

Also timed: one plan_offers call over the full starting state (1 000 contacts x 200 free agents).

    .venv/bin/python -m benchmarks.routing_throughput
"""

from __future__ import annotations

import heapq
import random
import statistics
import time
from collections.abc import Mapping
from dataclasses import replace

from benchmarks.results import header, merge_results, percentile
from handoff.routing import AVAILABLE, BUSY, CHAT, VOICE, AgentView, WaitingContact, plan_offers
from tandem.config import EscalationSettings, QueueSettings, settings

COMMAND = ".venv/bin/python -m benchmarks.routing_throughput"
CONTACTS = 1000
AGENTS = 200
RUNS = 9
PLAN_REPEATS = 50
SEED = 42
START = 1_800_000_000.0
PHONE_SHARE = 0.3
VIP_SHARE = 0.1
# Simulated handle times (seconds): a chat lasts longer than a call, the agent runs several at once.
HANDLE_S = {CHAT: (120.0, 900.0), VOICE: (60.0, 480.0)}


def scenario(
    queues: Mapping[str, QueueSettings], escalation: EscalationSettings, rng: random.Random
) -> tuple[list[WaitingContact], list[AgentView]]:
    priorities = sorted(set(escalation.priorities.values()))
    longest_wait = max(queue.max_wait_s for queue in queues.values())
    contacts = [
        WaitingContact(
            id=f"c{i}",
            queue=rng.choice(sorted(queues)),
            channel=VOICE if rng.random() < PHONE_SHARE else CHAT,
            priority=rng.choice(priorities)
            + (escalation.vip_priority_boost if rng.random() < VIP_SHARE else 0),
            enqueued_at=START - rng.uniform(0, longest_wait),
            declined_by=frozenset(),
            offered=False,
        )
        for i in range(CONTACTS)
    ]
    skills = sorted(set().union(*(queue.skills for queue in queues.values())))
    agents = []
    for i in range(AGENTS):
        # Every fourth agent is a voice-only or chat-only specialist; the rest do both.
        chat_capacity, voice_capacity = [(0, 1), (3, 0)][i % 2] if i % 4 == 0 else (rng.choice([2, 3]), 1)
        agents.append(
            AgentView(
                id=f"a{i:03d}",
                # Agent i always has skill i mod n, so every queue is staffed on both channels.
                skills=frozenset({skills[i % len(skills)], *(s for s in skills if rng.random() < 0.4)}),
                state=AVAILABLE,
                chat_capacity=chat_capacity,
                voice_capacity=voice_capacity,
                active_chats=0,
                active_calls=0,
                idle_since=START - rng.uniform(0, 600),
                has_pending_offer=False,
            )
        )
    return contacts, agents


def simulate(
    contacts: list[WaitingContact],
    agents: list[AgentView],
    queues: Mapping[str, QueueSettings],
    rng: random.Random,
) -> tuple[float, int]:
    """Assign every contact; returns (seconds spent in plan_offers, plan_offers calls)."""
    waiting = {contact.id: contact for contact in contacts}
    staff = {agent.id: agent for agent in agents}
    ends: list[tuple[float, str, str]] = []  # (end time, agent id, channel) of conversations
    now = START
    routing_s = 0.0
    calls = 0
    while waiting:
        started = time.perf_counter()
        offers = plan_offers(list(waiting.values()), list(staff.values()), queues, now)
        routing_s += time.perf_counter() - started
        calls += 1
        for offer in offers:
            channel = waiting.pop(offer.contact_id).channel
            staff[offer.agent_id] = _take(staff[offer.agent_id], channel, now)
            heapq.heappush(ends, (now + rng.uniform(*HANDLE_S[channel]), offer.agent_id, channel))
        if offers:
            continue
        if not ends:
            raise RuntimeError(f"{len(waiting)} contacts nobody can ever take")
        now, agent_id, channel = heapq.heappop(ends)
        staff[agent_id] = _release(staff[agent_id], channel, now)
    return routing_s, calls


def _take(agent: AgentView, channel: str, now: float) -> AgentView:
    chats = agent.active_chats + (channel == CHAT)
    calls = agent.active_calls + (channel == VOICE)
    full = chats >= agent.chat_capacity and calls >= agent.voice_capacity
    return replace(
        agent, active_chats=chats, active_calls=calls, idle_since=now, state=BUSY if full else AVAILABLE
    )


def _release(agent: AgentView, channel: str, now: float) -> AgentView:
    return replace(
        agent,
        active_chats=agent.active_chats - (channel == CHAT),
        active_calls=agent.active_calls - (channel == VOICE),
        idle_since=now,
        state=AVAILABLE,
    )


def main() -> int:
    handoff = settings().handoff
    contacts, agents = scenario(handoff.queues, handoff.escalation, random.Random(SEED))

    plan_ms = []
    planned = len(plan_offers(contacts, agents, handoff.queues, START))  # warm-up
    for _ in range(PLAN_REPEATS):
        started = time.perf_counter()
        plan_offers(contacts, agents, handoff.queues, START)
        plan_ms.append((time.perf_counter() - started) * 1000)

    rates = []
    for _ in range(RUNS):
        # The same handle times every run: runs differ only by the machine's noise.
        routing_s, calls = simulate(contacts, agents, handoff.queues, random.Random(SEED))
        rates.append(CONTACTS / routing_s)
        print(f"run: {CONTACTS} assigned in {calls} plan_offers calls, {routing_s * 1000:.0f} ms routing")

    metrics = {
        "routing_assignments_per_s": round(statistics.median(rates), 1),
        # The slow tail of a throughput is its low end: the rate at the 95th-percentile run time.
        "routing_assignments_per_s_p5": round(percentile(rates, 5), 1),
        "routing_plan_calls_per_run": calls,
        "routing_plan_p50_ms": round(statistics.median(plan_ms), 2),
        "routing_plan_p95_ms": round(percentile(plan_ms, 95), 2),
    }
    merge_results(metrics)
    print()
    print(_markdown(metrics, planned, sorted(handoff.queues)))
    return 0


def _markdown(metrics: dict[str, float], planned: int, queues: list[str]) -> str:
    return "\n".join(
        [
            "### Routing decisions",
            "",
            header(COMMAND),
            f"- scenario: {CONTACTS} waiting contacts over the queues {', '.join(queues)} "
            f"({PHONE_SHARE:.0%} phone, escalation priorities, {VIP_SHARE:.0%} VIPs, ages up to the maximum "
            f"wait), {AGENTS} agents with mixed skills and capacities; seed {SEED}",
            "- pure routing decisions (handoff.routing.plan_offers) only: no store, no service, no I/O",
            "",
            "| metric | median | tail |",
            "|---|---:|---:|",
            f"| assignments/s, all {CONTACTS} assigned ({RUNS} runs; tail = slowest 5 %) | "
            f"{metrics['routing_assignments_per_s']:.0f} | {metrics['routing_assignments_per_s_p5']:.0f} |",
            f"| one plan_offers over {CONTACTS} x {AGENTS} ({planned} offers), ms ({PLAN_REPEATS} calls; "
            f"tail = p95) | {metrics['routing_plan_p50_ms']:.2f} | {metrics['routing_plan_p95_ms']:.2f} |",
            f"| plan_offers calls per run | {metrics['routing_plan_calls_per_run']} | |",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
