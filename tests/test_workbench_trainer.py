"""A training run's output and events (workbench/trainer.py), without Rasa: what the page is sent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from workbench.trainer import KEPT_LINES, Run


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        (["Epoch 1\n", "Epoch 2\n"], ["Epoch 1", "Epoch 2"]),
        # A progress bar redrawn with carriage returns: each drawing is a line.
        (["10%\r50%\r100%\n"], ["10%", "50%", "100%"]),
        (["\n\n  \r\n"], []),
    ],
)
def test_output_is_kept_line_by_line(chunks: list[str], lines: list[str]) -> None:
    run = Run(1, "designer-7", 0.0, Path("m.tar.gz"))
    for chunk in chunks:
        run.add_output(chunk)
    assert run.output == lines


def test_only_the_last_lines_are_kept() -> None:
    run = Run(1, "designer-7", 0.0, Path("m.tar.gz"))
    run.add_output("".join(f"line {n}\n" for n in range(KEPT_LINES + 10)))
    assert len(run.output) == KEPT_LINES and run.output[-1] == f"line {KEPT_LINES + 9}"


async def test_followers_get_each_line_and_the_end() -> None:
    run = Run(1, "designer-7", 0.0, Path("m.tar.gz"))
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    run.listeners.add(queue)
    run.add_output("Training…\n")
    run.set_state("failed", "rasa train failed")
    assert queue.get_nowait() == {"event": "output", "line": "Training…"}
    ended = queue.get_nowait()
    assert ended["event"] == "state" and ended["run"]["state"] == "failed"  # type: ignore[index]
    assert not run.running and run.finished_at is not None
