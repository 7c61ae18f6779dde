"""Where a chat turn's CPU goes: py-spy samples Rasa, the action server and the gateway under chat load.

    .venv/bin/python -m benchmarks.profile_chat [--seconds 30]

Starts an isolated stack, keeps 10 simulated customers chatting (benchmarks/chat_load.py's mix, no
think time), samples each process at 50 Hz for `seconds` with py-spy (requirements/dev.txt), and prints
per process the share of samples spent in each frame (inclusive) and the busiest frames (self time).
Not part of `make bench`: it is how the chat figures were explained and tuned.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.chat_load import UNLIMITED, customer
from tandem.isolated import prepared_stack, write_isolated_config
from tandem.processes import GATEWAY_PYTHON

PY_SPY = GATEWAY_PYTHON.parent / "py-spy"


async def chat_for(url: str, seconds: float, customers: int = 10) -> list[float]:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    async with aiohttp.ClientSession(base_url=url, connector=aiohttp.TCPConnector(limit=20)) as session:

        async def keep_chatting() -> None:
            while time.monotonic() < deadline:
                await customer(session, 10, latencies)

        await asyncio.gather(*(keep_chatting() for _ in range(customers)))
    return latencies


def frame_shares(raw: Path) -> tuple[int, collections.Counter[str], collections.Counter[str]]:
    """py-spy's raw (collapsed) stacks: total samples, inclusive and self counts per frame."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    return total, inclusive, own


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = prepared_stack(write_isolated_config(Path(tmp), UNLIMITED))
        stack.start()
        try:
            asyncio.run(chat_for(stack.gateway_url, 5))  # warm-up
            names = [p.name for p in stack.rasa_processes] + ["actions", "gateway"]
            spies = {
                name: subprocess.Popen(
                    [
                        str(PY_SPY),
                        "record",
                        "-p",
                        str(stack.process(name).process.pid),  # type: ignore[union-attr]
                        "-d",
                        str(int(args.seconds)),
                        "-r",
                        "50",
                        "-f",
                        "raw",
                        "-o",
                        f"{tmp}/{name}.txt",
                        "--subprocesses",
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name in names
            }
            latencies = sorted(asyncio.run(chat_for(stack.gateway_url, args.seconds + 2)))
            for spy in spies.values():
                spy.wait()
            print(
                f"{len(latencies) / (args.seconds + 2):.1f} messages/s, p50 {latencies[len(latencies) // 2]:.0f} ms"
            )
            for name in names:
                total, inclusive, own = frame_shares(Path(f"{tmp}/{name}.txt"))
                seconds_busy = total / 50
                print(f"\n## {name}: {seconds_busy:.1f} s of active samples in {args.seconds:.0f} s")
                for frame, count in inclusive.most_common(45):
                    print(f"{count / total * 100:5.1f}%  {frame[:140]}")
                print("self:")
                for frame, count in own.most_common(8):
                    print(f"{count / total * 100:5.1f}%  {frame[:140]}")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
