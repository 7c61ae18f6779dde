"""Chat through the gateway: reply latency at 1, 10 and 50 concurrent conversations, and messages/s.

Runs a whole isolated stack (real Rasa, action server, knowledge index, SQLite). Each simulated
customer sends messages one after another over REST, waiting for the replies, with no think time:
this measures capacity, not a human's pace. The per-conversation rate limit is raised for the run
(it protects against a person's flood, which this is not), and so is the per-address limit on new
conversations, since every simulated customer comes from 127.0.0.1.

    .venv/bin/python -m benchmarks.chat_load
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import yaml

from benchmarks.results import header, merge_results, percentile
from tandem.config import settings
from tandem.isolated import prepared_stack, write_isolated_config

# A mix like a bank's chat: greetings, FAQ answered from the knowledge index, small talk.
MESSAGES = [
    "hi",
    "my card payment was declined at the supermarket, why?",
    "how long does a transfer to another bank take",
    "what are your opening hours on saturday",
    "thanks",
    "what is the daily transfer limit",
    "how do I change my address",
    "the cash machine didn't give me my money",
    "what exchange rate do you use",
    "ok bye",
]


async def customer(session: aiohttp.ClientSession, turns: int, latencies: list[float]) -> None:
    async with session.post("/api/conversations", json={"visitor_id": str(uuid.uuid4())}) as response:
        conversation = (await response.json())["conversation_id"]
    for i in range(turns):
        started = time.perf_counter()
        async with session.post(
            f"/api/conversations/{conversation}/messages", json={"text": MESSAGES[i % len(MESSAGES)]}
        ) as response:
            body = await response.json()
            if response.status != 200 or not body["bot_available"]:
                raise RuntimeError(f"turn failed: {response.status} {body}")
        latencies.append((time.perf_counter() - started) * 1000)


async def level(url: str, concurrency: int, turns: int) -> dict[str, float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency + 5)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as session:
        await customer(session, 3, [])  # warm-up
        started = time.perf_counter()
        await asyncio.gather(*(customer(session, turns, latencies) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "msgs_per_s": len(latencies) / wall,
        "n": len(latencies),
    }


def run_stack(workers: int | None, levels: tuple[int, ...], turns: int) -> dict[int, dict[str, float]]:
    """The levels, on a fresh isolated stack with that many Rasa workers (None: as config.yml)."""
    with tempfile.TemporaryDirectory() as tmp:
        limits = {
            "rate_limit_per_s": 1000.0,
            "rate_limit_burst": 1000,
            "start_limit_per_s": 1000.0,
            "start_limit_burst": 1000,
            "client_limit_per_s": 1000.0,
            "client_limit_burst": 1000,
        }
        config = write_isolated_config(Path(tmp), limits)
        if workers is not None:
            raw = yaml.safe_load(config.read_text(encoding="utf-8"))
            raw["tandem"]["rasa"]["workers"] = workers
            config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        stack = prepared_stack(config)
        stack.start()
        try:
            return {c: asyncio.run(level(stack.gateway_url, c, turns)) for c in levels}
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=20, help="messages per simulated customer")
    args = parser.parse_args()
    workers = settings().rasa.workers
    results = run_stack(None, (1, 10, 50), args.turns)
    # The same load on one Rasa worker, in the same run: the ratio is what the workers bring.
    baseline = run_stack(1, (10,), args.turns)[10]
    figures = {}
    for c, r in results.items():
        figures[f"chat_p50_ms_c{c}"] = round(r["p50"], 1)
        figures[f"chat_p95_ms_c{c}"] = round(r["p95"], 1)
        figures[f"chat_msgs_per_s_c{c}"] = round(r["msgs_per_s"], 1)
    figures["chat_msgs_per_s"] = max(round(r["msgs_per_s"], 1) for r in results.values())
    figures["chat_msgs_per_s_c10_one_worker"] = round(baseline["msgs_per_s"], 1)
    figures["chat_rasa_workers"] = workers
    merge_results(figures)
    print(header("make bench (benchmarks.chat_load)"))
    print(f"\n{workers} Rasa workers (config.yml); the last row is the same run's baseline on one worker.")
    print("\n| Rasa workers | concurrent conversations | messages | p50 ms | p95 ms | messages/s |")
    print("|---|---|---|---|---|---|")
    for c, r in [*((c, r) for c, r in results.items()), (10, baseline)]:
        n = 1 if r is baseline else workers
        print(f"| {n} | {c} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['msgs_per_s']:.1f} |")
    ratio = results[10]["msgs_per_s"] / baseline["msgs_per_s"]
    print(f"\nThroughput at 10 concurrent, {workers} workers / 1 worker: {ratio:.2f}")


if __name__ == "__main__":
    main()
