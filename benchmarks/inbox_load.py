"""The designer's NLU inbox (GET /api/designer/inbox) and conversation review (GET
/api/designer/conversations) over 100 000 messages on a real SQLite file, through the real gateway app
(tandem/app.py, in this process, signed in as a designer over HTTP).

    .venv/bin/python -m benchmarks.inbox_load

The customers' words are BANKING77's training questions, read from ../shared, ten messages to a
conversation, all within the inbox's window (the worst case). Of the customer messages, 4 % went to
nlu_fallback and 8 % were below the low-confidence threshold; a fifth of the conversations had a person,
a tenth of those for repeated failure; a tenth were rated.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from benchmarks.history_search import customer_words
from benchmarks.results import header, merge_results, percentile
from handoff.accounts import add_account
from handoff.store import HandoffStore, Role
from handoff.tables import contacts
from tandem.app import create_app
from tandem.config import Settings, load_settings
from tandem.isolated import write_isolated_config
from tandem.ratings import ratings
from tandem.secrets import load_secrets
from tandem.store import Store, conversations, customers, messages

MESSAGES = 100_000
PER_CONVERSATION = 10
LOADS = 15
PASSWORD = "a-designer-password-for-the-benchmark"
INTENTS = ("card_arrival", "check_balance", "card_lost_stolen", "dispute_transaction", "greet")


def nlu(rng: random.Random) -> tuple[str, float]:
    draw = rng.random()
    if draw < 0.04:
        return "nlu_fallback", round(rng.uniform(0.2, 0.5), 3)
    if draw < 0.12:
        return rng.choice(INTENTS), round(rng.uniform(0.3, 0.6), 3)
    return rng.choice(INTENTS), round(rng.uniform(0.6, 1.0), 3)


async def fill(store: Store, texts: list[str], rng: random.Random) -> None:
    start = datetime.now(UTC) - timedelta(days=25)
    count = MESSAGES // PER_CONVERSATION
    async with store.engine.begin() as conn:
        for first in range(0, count, 1000):
            people, talks, lines, handed, rated = [], [], [], [], []
            for n in range(first, first + 1000):
                customer, conversation = uuid.uuid4().hex, uuid.uuid4().hex
                at = start + timedelta(seconds=n * 25 * 86400 / count)
                people.append({"id": customer, "display_name": None, "created_at": at})
                talks.append({"id": conversation, "customer_id": customer, "channel": "web", "status": "closed",
                              "created_at": at, "updated_at": at})  # fmt: skip
                for i in range(PER_CONVERSATION):
                    said = i % 2 == 0
                    intent, confidence = nlu(rng) if said else (None, None)
                    lines.append({"conversation_id": conversation, "created_at": at + timedelta(seconds=i),
                                  "channel": "web", "sender": "customer" if said else "bot",
                                  "text": rng.choice(texts), "intent": intent, "confidence": confidence,
                                  "bot_delivery": "delivered" if said else None})  # fmt: skip
                if n % 5 == 0:
                    handed.append({"id": uuid.uuid4().hex, "conversation_id": conversation, "channel": "web",
                                   "queue": "general", "priority": 1,
                                   "reason": "repeated_failure" if n % 50 == 0 else "customer_request",
                                   "explanation": "", "status": "closed", "enqueued_at": at.timestamp(),
                                   "declined_by": [], "context": {}, "alternatives_offered": False})  # fmt: skip
                if n % 10 == 3:
                    rated.append(
                        {"conversation_id": conversation, "score": rng.randint(1, 5), "created_at": at}
                    )
            await conn.execute(sa.insert(customers), people)
            await conn.execute(sa.insert(conversations), talks)
            await conn.execute(sa.insert(messages), lines)
            await conn.execute(sa.insert(contacts), handed)
            await conn.execute(sa.insert(ratings), rated)


async def timed(session: aiohttp.ClientSession, path: str) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    async with session.get(path) as response:
        body = await response.json()
        assert response.status == 200, body
    return (time.perf_counter() - started) * 1000, body


async def measure(folder: Path) -> dict[str, float]:
    settings = load_settings(write_isolated_config(folder))
    store = await Store.open(f"sqlite+aiosqlite:///{folder / 'tandem.sqlite'}")
    await fill(store, customer_words(), random.Random(13))
    await add_account(await HandoffStore.open(store.engine), username="designer", display_name="Designer",
                      password=PASSWORD, role=Role.DESIGNER, skills=())  # fmt: skip
    await store.close()

    async with signed_in(settings) as session:
        first, body = await timed(session, "/api/designer/inbox")
        inbox = [(await timed(session, "/api/designer/inbox"))[0] for _ in range(LOADS)]
        groups = len(body["groups"])  # type: ignore[arg-type]
        review = {}
        for outcome in ("", "contained", "escalated", "fallback", "abandoned", "low_satisfaction"):
            review[outcome or "any"] = [
                (await timed(session, f"/api/designer/conversations?outcome={outcome}"))[0]
                for _ in range(LOADS)
            ]
    # A restart: a new app over the same store. The vectors are in the store, so the model is not needed
    # (workbench/message_vectors.py loads it only for a message never embedded).
    async with signed_in(settings) as session:
        restarted, _ = await timed(session, "/api/designer/inbox")
    return {
        "inbox_first_load_ms": round(first, 1),
        "inbox_first_load_after_restart_ms": round(restarted, 1),
        "inbox_load_ms": round(statistics.median(inbox), 1),
        "inbox_load_p95_ms": round(percentile(inbox, 95), 1),
        "inbox_groups": groups,
        **{f"review_list_{k}_ms": round(statistics.median(v), 1) for k, v in review.items()},
        **{f"review_list_{k}_p95_ms": round(percentile(v, 95), 1) for k, v in review.items()},
    }


@asynccontextmanager
async def signed_in(settings: Settings) -> AsyncIterator[aiohttp.ClientSession]:
    """The gateway app served in this process, and a designer's session on it."""
    runner = web.AppRunner(create_app(settings, load_secrets(settings)))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.gateway.port).start()
    url = f"http://127.0.0.1:{settings.gateway.port}"
    try:
        async with aiohttp.ClientSession(base_url=url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.post(
                "/api/desk/login", json={"username": "designer", "password": PASSWORD}
            ) as r:
                assert r.status == 200, await r.text()
            yield session
    finally:
        await runner.cleanup()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(Path(tmp)))
    merge_results({k: v for k, v in figures.items() if k.endswith("_ms")})
    print(header(".venv/bin/python -m benchmarks.inbox_load"))
    print(f"\n{MESSAGES} messages in {MESSAGES // PER_CONVERSATION} conversations, {LOADS} loads each")
    for key, value in figures.items():
        print(f"| `{key}` | {value} |")


if __name__ == "__main__":
    main()
