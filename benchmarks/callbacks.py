"""Callbacks with real SIP phones: from the agent answering to the customer bridged in, and how many
requests end in a conversation when some customers miss the first call.

    .venv/bin/python -m benchmarks.callbacks

An isolated stack (1 voice process) with handoff.callbacks pointing at a test phone. For each of
REQUESTS callback tickets: "Call now" from a signed-in agent whose phone is a pjsua2 test phone; the
customer's test phone answers, except for MISSED of them, whose first call rings out (6 s) and whose
retry, offered on the agent's desk 3 s later and accepted there, is answered. agent_to_bridge_ms comes from the voice worker's "callback bridged" log
line: the announcement to the agent, the customer's ringing and answer, and the bridge.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

import yaml

from benchmarks.results import header, merge_results, percentile
from tandem.isolated import free_port, prepared_stack, write_isolated_config
from tandem.processes import Stack
from tests.desk.callbacks import agent_phone, callback_ticket, calls, customer_phone, take_due_call
from tests.desk.floor import add_agent, eventually, isolate_handoff, sign_in
from tests.voice.stack import isolate_voice, voice_log, wait_voice_ready

REQUESTS = 8
MISSED = {2, 5}  # these customers miss the first call


async def run(stack: Stack, folder: Path) -> tuple[int, int]:
    port = free_port()
    desk = await sign_in(stack, await add_agent(stack, sip_uri=f"sip:agent@127.0.0.1:{port}"))
    reached = 0
    try:
        for index in range(REQUESTS):
            ticket = await callback_ticket(stack, f"55590{index:02d}")
            rounds = ["--ring-only", "--duration"] if index in MISSED else ["--duration"]
            for turn, mode in enumerate(rounds):
                agent = agent_phone(folder, port, f"a{index}_{turn}")
                extra = ["--ring-only"] if mode == "--ring-only" else ["--duration", "2"]
                customer = customer_phone(folder, stack, f"c{index}_{turn}", *extra)
                if turn == 0:
                    async with desk.post(f"/api/tickets/{ticket}/call") as response:
                        assert response.status == 200, await response.text()
                else:  # the due retry is offered on the agent's desk
                    await take_due_call(stack, desk, ticket)
                customer.wait(60)
                agent.wait(60)
                if mode == "--ring-only":
                    await eventually(lambda t=ticket: calls(desk, t, "next try at"), wait_s=20)
            if await eventually(lambda t=ticket: calls(desk, t, "answered"), wait_s=20):
                reached += 1
    finally:
        await desk.close()
    return reached, REQUESTS


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tandem-callbacks-") as tmp:
        config = write_isolated_config(Path(tmp))
        isolate_voice(config)
        isolate_handoff(config)
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw["tandem"]["voice"]["processes"] = 1
        raw["tandem"]["handoff"]["callbacks"]["retry_after_s"] = [3]
        config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        stack = prepared_stack(config)
        try:
            stack.start()
            wait_voice_ready(stack)
            reached, requested = asyncio.run(run(stack, Path(tmp)))
            bridged = [
                float(e["agent_to_bridge_ms"]) for e in voice_log(stack) if e.get("msg") == "callback bridged"
            ]
        finally:
            stack.stop()
    p50, p95 = statistics.median(bridged), percentile(bridged, 95)
    merge_results(
        {
            "callback_agent_to_bridge_p50_ms": round(p50),
            "callback_dial_to_bridge_p95_ms": round(p95),
            "callback_success_rate": round(reached / requested, 3),
        }
    )
    print(header(".venv/bin/python -m benchmarks.callbacks"))
    print(
        f"\n{requested} callback requests ({len(MISSED)} missed the first call and were retried): {reached} reached, "
        f"callback_success_rate {reached / requested:.3f}. Agent answered -> customer bridged over {len(bridged)} "
        f"calls: p50 {p50:.0f} ms, p95 {p95:.0f} ms (includes the announcement to the agent, about 3 s)."
    )


if __name__ == "__main__":
    main()
