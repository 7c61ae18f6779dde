"""Searching past conversations (handoff/history.py) over 100 000 messages on a real SQLite file: the
desk's History page, as supervisors (every conversation) and agents (theirs) use it.

    .venv/bin/python -m benchmarks.history_search

The messages are real customers' words: BANKING77's training questions, read from ../shared, ten to a
conversation. A fifth of the conversations had an agent (4 agents, 4 queues, 5 dispositions).
"""

from __future__ import annotations

import asyncio
import csv
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.results import header, merge_results, percentile
from handoff.history import HistoryQuery, search
from handoff.store import HandoffStore
from handoff.tables import agents, contacts
from tandem.config import REPO_ROOT
from tandem.store import Store, conversations, customers, messages

MESSAGES = 100_000
PER_CONVERSATION = 10
QUERIES = 300
QUEUES = ("cards", "payments", "complaints", "general")
DISPOSITIONS = ("resolved", "follow_up_needed", "callback_booked", "ticket_raised", "no_action")
BANKING77 = REPO_ROOT.parent / "shared" / "data" / "banking77" / "train.csv"


def customer_words() -> list[str]:
    with BANKING77.open(encoding="utf-8") as rows:
        return [row["text"] for row in csv.DictReader(rows)]


async def fill(store: Store, texts: list[str], rng: random.Random) -> list[str]:
    """The store as months of traffic leave it; returns the agents' ids."""
    agent_ids = [uuid.uuid4().hex for _ in range(4)]
    start = datetime.now(UTC) - timedelta(days=90)
    async with store.engine.begin() as conn:
        await conn.execute(sa.insert(agents), [
            {"id": a, "username": f"agent{i}", "display_name": f"Agent {i}", "role": "agent", "password_hash": "x",
             "skills": list(QUEUES), "sip_uri": None, "chat_capacity": 3, "voice_capacity": 1, "state": "offline",
             "state_since": 0.0, "idle_since": 0.0}
            for i, a in enumerate(agent_ids)
        ])  # fmt: skip
        for first in range(0, MESSAGES // PER_CONVERSATION, 1000):
            people, talks, lines, work = [], [], [], []
            for n in range(first, first + 1000):
                customer, conversation = uuid.uuid4().hex, uuid.uuid4().hex
                at = start + timedelta(minutes=13 * n)
                people.append({"id": customer, "display_name": f"Customer {n}", "created_at": at})
                talks.append({"id": conversation, "customer_id": customer, "channel": "web", "status": "closed",
                              "created_at": at, "updated_at": at})  # fmt: skip
                lines += [{"conversation_id": conversation, "created_at": at + timedelta(seconds=i), "channel": "web",
                           "sender": "customer" if i % 2 == 0 else "bot", "text": rng.choice(texts)}
                          for i in range(PER_CONVERSATION)]  # fmt: skip
                if n % 5 == 0:
                    work.append({"id": uuid.uuid4().hex, "conversation_id": conversation, "channel": "web",
                                 "queue": rng.choice(QUEUES), "priority": 1, "reason": "customer_request",
                                 "explanation": "", "status": "closed", "enqueued_at": at.timestamp(),
                                 "agent_id": rng.choice(agent_ids), "disposition": rng.choice(DISPOSITIONS),
                                 "declined_by": [], "context": {}, "alternatives_offered": False})  # fmt: skip
            await conn.execute(sa.insert(customers), people)
            await conn.execute(sa.insert(conversations), talks)
            await conn.execute(sa.insert(messages), lines)
            await conn.execute(sa.insert(contacts), work)
    return agent_ids


def queries(
    texts: list[str], agent_ids: list[str], rng: random.Random
) -> list[tuple[HistoryQuery, str | None]]:
    words = [w for text in texts for w in text.lower().split() if w.isalpha() and len(w) > 3]
    now = datetime.now(UTC)
    made = []
    for i in range(QUERIES):
        kind = i % 4
        query = HistoryQuery(words=" ".join(rng.sample(words, 1 + i % 2)))
        if kind == 1:
            query = HistoryQuery(
                words=query.words, queue=rng.choice(QUEUES), disposition=rng.choice(DISPOSITIONS)
            )
        elif kind == 2:
            query = HistoryQuery(words=query.words, since=now - timedelta(days=7))
        made.append((query, rng.choice(agent_ids) if kind == 3 else None))
    return made


async def measure(folder: Path) -> dict[str, float]:
    rng = random.Random(7)
    texts = customer_words()
    store = await Store.open(f"sqlite+aiosqlite:///{folder / 'tandem.sqlite'}")
    await HandoffStore.open(store.engine)
    agent_ids = await fill(store, texts, rng)
    started = time.perf_counter()
    async with store.engine.begin() as conn:  # what migration 0002 does to a store made before it
        await conn.execute(sa.text("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')"))
    indexing_s = time.perf_counter() - started
    latencies, found = [], []
    for query, handled_by in queries(texts, agent_ids, rng):
        started = time.perf_counter()
        found.append(len(await search(store.engine, query, handled_by)))
        latencies.append((time.perf_counter() - started) * 1000)
    await store.close()
    return {
        "search_p50_ms": round(statistics.median(latencies), 1),
        "search_p95_ms": round(percentile(latencies, 95), 1),
        "search_index_build_s": round(indexing_s, 1),
        "search_median_results": statistics.median(found),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(Path(tmp)))
    merge_results({k: v for k, v in figures.items() if k != "search_median_results"})
    print(header(".venv/bin/python -m benchmarks.history_search"))
    print(
        f"\n{MESSAGES} messages in {MESSAGES // PER_CONVERSATION} conversations; {QUERIES} searches (words; words with "
        f"queue and disposition; words in the last 7 days; an agent's own): p50 {figures['search_p50_ms']} ms, "
        f"p95 {figures['search_p95_ms']} ms (median {figures['search_median_results']} results); indexing what was "
        f"stored: {figures['search_index_build_s']} s"
    )


if __name__ == "__main__":
    main()
