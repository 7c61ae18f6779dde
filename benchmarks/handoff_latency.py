"""Trigger-to-offer latency of the human handoff, on the whole stack (Rasa, actions, gateway, SQLite).

Agents sign in to the desk socket and stay available. Each round, a customer asks for a person over
the REST chat API; the policy escalates, the contact is queued and the router offers it to an agent,
who accepts and hands it straight back. Two figures per offer:

- trigger to offer: from the policy's decision (the context's trigger time, taken by the gateway) to
  the offer's creation, both gateway timestamps: what the handoff module itself adds;
- message to offer at the desk: from the customer's POST to the offer frame arriving at the agent's
  socket, measured by this client: what a person sees, including Rasa's turn.

    .venv/bin/python -m benchmarks.handoff_latency [--rounds 60] [--agents 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.results import header, merge_results, percentile
from handoff.store import Role
from tandem.isolated import prepared_stack, write_isolated_config
from tandem.processes import Stack
from tests.desk.floor import Desk, add_agent, sign_in

COMMAND = ".venv/bin/python -m benchmarks.handoff_latency"
GOAL_P95_MS = 200.0
REQUEST = "I want to talk to a person please"
# The benchmark's customers type faster than the chat's per-conversation limit allows people to.
LIMITS = {
    "rate_limit_per_s": 50.0,
    "rate_limit_burst": 50,
    "start_limit_per_s": 50.0,
    "start_limit_burst": 500,
    # Every simulated customer comes from 127.0.0.1, which the per-address limit would take for one.
    "client_limit_per_s": 1000.0,
    "client_limit_burst": 1000,
}


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


async def one_round(http: aiohttp.ClientSession, desks: list[Desk]) -> tuple[float, float]:
    async with http.post("/api/conversations", json={"visitor_id": str(uuid.uuid4())}) as response:
        conversation = (await response.json())["conversation_id"]
    sent = time.time()
    post = asyncio.create_task(
        http.post(f"/api/conversations/{conversation}/messages", json={"text": REQUEST})
    )
    waits = {asyncio.create_task(desk.offer_for(conversation, wait_s=30)): desk for desk in desks}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    arrived = time.time()
    for task in pending:
        task.cancel()
    winner = done.pop()
    offer: dict[str, Any] = winner.result()
    (await post).release()
    desk = waits[winner]
    created = epoch(offer["expires_at"]) - offer["timeout_s"]
    trigger = epoch(offer["contact"]["context"]["trigger"]["at"])
    contact_id = offer["contact"]["id"]
    await desk.send({"type": "accept", "offer_id": offer["id"]})
    await desk.wait_for("contact", lambda e: e["contact"]["id"] == contact_id)
    await desk.send({"type": "handback", "contact_id": contact_id})
    await desk.wait_for("contact_removed", lambda e: e["contact_id"] == contact_id)
    return (created - trigger) * 1000, (arrived - sent) * 1000


async def measure(stack: Stack, rounds: int, agents: int) -> dict[str, list[float]]:
    sessions = [await sign_in(stack, await add_agent(stack)) for _ in range(agents)]
    desks = [await Desk.open(session) for session in sessions]
    for desk in desks:
        await desk.wait_for("hello")
        await desk.send({"type": "state", "state": "available"})
        await desk.wait_for("agent", lambda e: e["agent"]["state"] == "available")
    supervisor = await sign_in(stack, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    trigger_ms: list[float] = []
    desk_ms: list[float] = []
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
        await one_round(http, desks)  # warm-up: first index search, first SQL statements
        for _ in range(rounds):
            trigger, seen = await one_round(http, desks)
            trigger_ms.append(trigger)
            desk_ms.append(seen)
    for session in [*sessions, supervisor]:
        await session.close()
    return {"trigger": trigger_ms, "desk": desk_ms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--agents", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = prepared_stack(write_isolated_config(Path(tmp), LIMITS))
        stack.start()
        try:
            figures = asyncio.run(measure(stack, args.rounds, args.agents))
        finally:
            stack.stop()
    trigger, desk = figures["trigger"], figures["desk"]
    p95 = percentile(trigger, 95)
    merge_results(
        {
            "handoff_offer_p95_ms": round(p95, 1),
            "handoff_offer_p50_ms": round(statistics.median(trigger), 1),
            "handoff_message_to_desk_p50_ms": round(statistics.median(desk), 1),
            "handoff_message_to_desk_p95_ms": round(percentile(desk, 95), 1),
        }
    )
    print(f"### Handoff: trigger to offer\n\n{header(COMMAND)}\n")
    print(f"{args.rounds} escalations, {args.agents} agents signed in.\n")
    print("| measure | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
    for name, values in (
        ("trigger to offer (gateway clock)", trigger),
        ("message sent to offer at desk", desk),
    ):
        print(
            f"| {name} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} | {max(values):.1f} |"
        )
    print(
        f"\nGoal: trigger to offer p95 <= {GOAL_P95_MS:.0f} ms: {'met' if p95 <= GOAL_P95_MS else 'NOT met'}."
    )


if __name__ == "__main__":
    main()
