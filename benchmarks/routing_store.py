"""Routing throughput through the handoff service and its SQLite store, not just the pure planner.

1 000 chat contacts are queued in a fresh SQLite store and 200 agents (five chats each, so the floor
can take them all) are signed in to desks. The service's router ticks: it plans and records offers,
pushes them to the desks, announces positions; every offer is accepted through the service, which
records the assignment, tells the customer and pushes the contact to the desk. Repeat until the queue
is empty. Figure: assignments per second, wall clock, everything in one process on one core.

    .venv/bin/python -m benchmarks.routing_store [--contacts 1000] [--agents 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.results import header, merge_results
from handoff.accounts import add_account
from handoff.policy import Decision, Reason
from handoff.service import HandoffService
from handoff.store import ContactStatus, HandoffStore, Role
from tandem.bot_client import BotClient
from tandem.config import settings
from tandem.conversations import ConversationService
from tandem.events import EventHub
from tandem.knowledge import KnowledgeState
from tandem.metrics import Metrics
from tandem.store import Store

COMMAND = ".venv/bin/python -m benchmarks.routing_store"


async def run_once(folder: Path, contacts: int, agents: int) -> float:
    s = settings()
    store = await Store.open(f"sqlite+aiosqlite:///{folder / 'tandem.sqlite'}")
    handoff_store = await HandoffStore.open(store.engine)
    metrics = Metrics()
    async with aiohttp.ClientSession() as http:
        # The bot is never asked anything here (so it needs no secret): contacts are queued directly.
        bot = BotClient(s.rasa, "", http)
        conversations = ConversationService(store, bot, EventHub(), metrics, frozenset())
        service = HandoffService(s, store, handoff_store, conversations, bot,
                                 KnowledgeState(), metrics)  # fmt: skip
        decision = Decision(True, Reason.CUSTOMER_REQUEST, 1, "benchmark")
        queues = sorted(s.handoff.queues)
        skills = sorted(set().union(*(q.skills for q in s.handoff.queues.values())))
        for i in range(contacts):
            customer = await store.customer_for_identity("web", f"visitor-{i}")
            conversation = await store.start_conversation(customer, "web")
            await handoff_store.enqueue(
                conversation_id=conversation.id, channel="web", queue=queues[i % len(queues)],
                priority=decision.priority, reason=str(decision.reason), explanation=decision.explanation,
                context={}, now=time.time(),
            )  # fmt: skip
        for i in range(agents):
            await add_account(handoff_store, username=f"agent{i}", display_name=f"Agent {i}", password="benchmark-pw",
                              role=Role.AGENT, skills=skills, chat_capacity=5)  # fmt: skip
        async with contextlib.AsyncExitStack() as desks:
            for agent in await handoff_store.all_agents():
                await desks.enter_async_context(service.desk_session(agent))
                await service.set_state(agent.id, "available")
            started = time.perf_counter()
            while await handoff_store.contacts_in([ContactStatus.QUEUED]):
                await service.tick()
                for offer in await handoff_store.pending_offers():
                    await service.accept(offer.agent_id, offer.id)
            elapsed = time.perf_counter() - started
    await store.close()
    return contacts / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rates = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            rates.append(asyncio.run(run_once(Path(tmp), args.contacts, args.agents)))
    merge_results({"routing_store_assignments_per_s": round(statistics.median(rates), 1)})
    print(f"### Routing through the service and SQLite store\n\n{header(COMMAND)}\n")
    print(f"{args.contacts} queued chat contacts, {args.agents} agents (5 chats each), {args.runs} runs.\n")
    print(f"Assignments per second: median {statistics.median(rates):.1f}, "
          f"min {min(rates):.1f}, max {max(rates):.1f}.")  # fmt: skip


if __name__ == "__main__":
    main()
