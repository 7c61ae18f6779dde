"""Creating a ticket: the store's insert of the ticket and its first history event, with a context
package of a realistic size, on a real SQLite file (the embedded default).

    .venv/bin/python -m benchmarks.ticket_create
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.results import header, merge_results, percentile
from handoff.store import HandoffStore
from handoff.ticket_store import TicketStore
from handoff.tickets import Sla, TicketKind
from tandem.store import Store

TICKETS = 300
CONTEXT = {  # the shape of a context package: a 20-message transcript, intents, slots, sentiment, articles
    "transcript": [{"sender": "customer" if i % 2 else "bot", "text": "x" * 160} for i in range(20)],
    "intents": ["card_lost_stolen", "request_human"],
    "slots": {"verification_status": "verified", "card_choice": "debit"},
    "sentiment": [{"at": i, "score": -0.2} for i in range(10)],
    "articles_shown": ["lost-or-stolen-card", "card-replacement"],
}


async def measure(folder: Path) -> list[float]:
    store = await Store.open(f"sqlite+aiosqlite:///{folder / 'tandem.sqlite'}")
    await HandoffStore.open(store.engine)
    tickets = TicketStore(store.engine)
    conversation = await store.start_conversation(await store.new_customer(), "web")
    latencies = []
    for _ in range(TICKETS):
        started = time.perf_counter()
        await tickets.create(
            conversation_id=conversation.id, contact_id=None, kind=TicketKind.MESSAGE, channel="web",
            queue="cards", priority=3, subject="Where is my new card?", callback_number=None, context=CONTEXT,
            sla=Sla(14400, 259200), now=time.time(),
        )  # fmt: skip
        latencies.append((time.perf_counter() - started) * 1000)
    await store.close()
    return latencies


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        latencies = asyncio.run(measure(Path(tmp)))
    p50, p95 = statistics.median(latencies), percentile(latencies, 95)
    merge_results({"ticket_create_p50_ms": round(p50, 2), "ticket_create_p95_ms": round(p95, 2)})
    print(header(".venv/bin/python -m benchmarks.ticket_create"))
    print(
        f"\n{TICKETS} tickets, each with a context package of about 4 KB: p50 {p50:.2f} ms, p95 {p95:.2f} ms"
    )


if __name__ == "__main__":
    main()
