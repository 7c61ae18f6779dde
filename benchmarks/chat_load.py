"""Chat through the gateway: reply latency at 1, 10 and 50 concurrent conversations, and messages/s.

Runs a whole isolated stack (real Rasa, action server, knowledge index, SQLite). Each simulated
customer sends messages one after another over REST, waiting for the replies, with no think time:
this measures capacity, not a human's pace. One more level keeps 10 customers at issue 11's pace,
pausing 0.3 s after each reply: the latency a customer meets at that load. The per-conversation rate limit is raised for the run
(it protects against a person's flood, which this is not), and so is the per-address limit on new
conversations, since every simulated customer comes from 127.0.0.1.

    .venv/bin/python -m benchmarks.chat_load
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import yaml

from benchmarks.footprint import COMPONENTS, children, cmdline
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


async def customer(
    session: aiohttp.ClientSession, turns: int, latencies: list[float], think_s: float = 0.0
) -> None:
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
        await asyncio.sleep(think_s)


def cpu_s(pids: list[int]) -> float:
    """User plus system CPU seconds the processes have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def server_pids() -> dict[str, list[int]]:
    """This run's stack's servers with their whole process trees (Sanic's workers), by component."""
    tree = children(os.getpid())
    found = {}
    for name in ("rasa", "actions", "gateway"):
        servers = [pid for pid in tree if COMPONENTS[name] in cmdline(pid)]
        found[name] = sorted({*servers, *(child for pid in servers for child in children(pid))})
    return found


async def level(url: str, concurrency: int, turns: int, think_s: float = 0.0) -> dict[str, float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency + 5)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as session:
        await customer(session, 3, [])  # warm-up
        servers = server_pids()
        cpu_before = {name: cpu_s(pids) for name, pids in servers.items()}
        started = time.perf_counter()
        await asyncio.gather(*(customer(session, turns, latencies, think_s) for _ in range(concurrency)))
        wall = time.perf_counter() - started
        cpu = {name: cpu_s(pids) - cpu_before[name] for name, pids in servers.items()}
    return {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "msgs_per_s": len(latencies) / wall,
        "n": len(latencies),
        **{f"{name}_cpu_ms_per_turn": 1000 * used / len(latencies) for name, used in cpu.items()},
    }


# The gateway's limits, raised for a load that is no person's flood.
UNLIMITED = {
    "rate_limit_per_s": 1000.0,
    "rate_limit_burst": 1000,
    "start_limit_per_s": 1000.0,
    "start_limit_burst": 1000,
    "client_limit_per_s": 1000.0,
    "client_limit_burst": 1000,
}


PACED = (10, 0.3)  # issue 11's load: 10 customers, each pausing 0.3 s after a reply


def run_stack(
    workers: int | None, levels: tuple[tuple[int, float], ...], turns: int
) -> dict[tuple[int, float], dict[str, float]]:
    """The levels (concurrency, think time s), on a fresh isolated stack with that many Rasa workers
    (None: as config.yml)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = write_isolated_config(Path(tmp), UNLIMITED)
        if workers is not None:
            raw = yaml.safe_load(config.read_text(encoding="utf-8"))
            raw["tandem"]["rasa"]["workers"] = workers
            config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        stack = prepared_stack(config)
        stack.start()
        try:
            return {(c, t): asyncio.run(level(stack.gateway_url, c, turns, t)) for c, t in levels}
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=20, help="messages per simulated customer")
    args = parser.parse_args()
    workers = settings().rasa.workers
    ran = run_stack(None, ((1, 0.0), (10, 0.0), (50, 0.0), PACED), args.turns)
    paced = ran.pop(PACED)
    results = {c: r for (c, _), r in ran.items()}
    # The same load on one Rasa worker, in the same run: the ratio is what the workers bring.
    baseline = run_stack(1, ((10, 0.0),), args.turns)[(10, 0.0)]
    figures = {}
    for c, r in results.items():
        figures[f"chat_p50_ms_c{c}"] = round(r["p50"], 1)
        figures[f"chat_p95_ms_c{c}"] = round(r["p95"], 1)
        figures[f"chat_msgs_per_s_c{c}"] = round(r["msgs_per_s"], 1)
    figures["chat_msgs_per_s"] = max(round(r["msgs_per_s"], 1) for r in results.values())
    figures["chat_p50_ms_c10_paced"] = round(paced["p50"], 1)
    figures["chat_p95_ms_c10_paced"] = round(paced["p95"], 1)
    figures["chat_msgs_per_s_c10_paced"] = round(paced["msgs_per_s"], 1)
    figures["chat_msgs_per_s_c10_one_worker"] = round(baseline["msgs_per_s"], 1)
    figures["chat_rasa_workers"] = workers
    # CPU per message at 10 concurrent, summed over the Rasa workers (and likewise the other servers).
    for name in ("rasa", "actions", "gateway"):
        figures[f"{name}_cpu_ms_per_turn"] = round(results[10][f"{name}_cpu_ms_per_turn"], 1)
    merge_results(figures)
    print(header("make bench (benchmarks.chat_load)"))
    print(f"\n{workers} Rasa workers (config.yml); the row with 1 worker is the same run's baseline.")
    print("\n| Rasa workers | concurrent conversations | messages | p50 ms | p95 ms | messages/s |")
    print("|---|---|---|---|---|---|")
    for c, r in [*((c, r) for c, r in results.items()), (10, baseline)]:
        n = 1 if r is baseline else workers
        print(f"| {n} | {c} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['msgs_per_s']:.1f} |")
    print(
        f"| {workers} | 10, pausing {PACED[1]} s | {paced['n']} | {paced['p50']:.0f} | {paced['p95']:.0f} "
        f"| {paced['msgs_per_s']:.1f} |"
    )
    ratio = results[10]["msgs_per_s"] / baseline["msgs_per_s"]
    print(f"\nThroughput at 10 concurrent, {workers} workers / 1 worker: {ratio:.2f}")
    print("\nCPU per message at 10 concurrent (user + system, whole process trees):")
    for name in ("rasa", "actions", "gateway"):
        print(f"- {name}: {results[10][f'{name}_cpu_ms_per_turn']:.1f} ms")


if __name__ == "__main__":
    main()
