"""designer_label_to_active_s: a designer labels 20 customer messages, trains, compares and activates,
on BANKING77-size training data, against a real stack with real Rasa workers (goal <= 180 s).

    .venv/bin/python -m benchmarks.designer_loop

The stack's training files are the project's own plus BANKING77's training questions as 77 more
intents (b77_*): ../shared/data/banking77/train.csv, read in place, every fifth question of each
category held out (written to the stack's temporary folder, never the repository). The held-out
questions are the comparison's examples. A first run through the page's API makes a BANKING77-size
model active, untimed; then 20 held-out questions are said by customers, labelled through
/api/designer/labels, and the clock runs from the first label to every worker having loaded the new
model (POST /api/designer/models/active answered). Rasa's training cache is the run's own, so a
second run does not find the timed model's parts already computed.
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from benchmarks.results import header, merge_results
from handoff.store import Role
from tandem.config import REPO_ROOT
from tandem.isolated import prepared_stack, write_isolated_config
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import add_agent, isolate_handoff, sign_in
from tests.voice.stack import isolate_voice

DATA = REPO_ROOT.parent / "shared" / "data" / "banking77" / "train.csv"
LABELLED = 20
GOAL_S = 180.0


def intent_name(category: str) -> str:
    return "b77_" + re.sub(r"[^a-z0-9_]", "", category.lower())


def split() -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Training questions by intent, and held-out (text, intent): every fifth of each category."""
    train: dict[str, list[str]] = {}
    held: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    with DATA.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text, intent = " ".join(row["text"].split()), intent_name(row["category"])
            seen[intent] = seen.get(intent, 0) + 1
            if seen[intent] % 5 == 0:
                held.append((text, intent))
            else:
                train.setdefault(intent, []).append(text)
    return train, held


def write_nlu(by_intent: dict[str, list[str]], path: Path) -> None:
    data = {
        "version": "3.1",
        "nlu": [
            {"intent": i, "examples": "".join(f"- {t}\n" for t in texts)} for i, texts in by_intent.items()
        ],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=4096), encoding="utf-8")


def configure(config_path: Path) -> tuple[int, list[tuple[str, str]]]:
    """Adds BANKING77 to the stack's training files and makes its held-out questions the comparison's."""
    train, held = split()
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    workbench = raw["tandem"]["workbench"]
    write_nlu(train, Path(workbench["training_data"]) / "banking77.yml")
    held_out = config_path.parent / "held_out.yml"
    by_intent: dict[str, list[str]] = {}
    for text, intent in held:
        by_intent.setdefault(intent, []).append(text)
    write_nlu(by_intent, held_out)
    workbench["held_out"] = str(held_out)
    config_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return sum(len(t) for t in train.values()), held


async def train_and_activate(designer: aiohttp.ClientSession) -> dict[str, Any]:
    """One run through the page's API; seconds spent training, comparing and activating."""
    started = time.monotonic()
    async with designer.post("/api/designer/training") as response:
        assert response.status == 202, await response.text()
    comparing = None
    while True:
        await asyncio.sleep(0.5)
        async with designer.get("/api/designer/training") as response:
            run: dict[str, Any] = (await response.json())["run"]
        if run["state"] == "comparing" and comparing is None:
            comparing = time.monotonic()
        if run["state"] == "failed":
            raise RuntimeError(run["error"])
        if run["state"] == "ready":
            break
    compared = time.monotonic()
    async with designer.post("/api/designer/models/active", json={"model": run["model"]}) as response:
        assert response.status == 200, await response.text()
    done = time.monotonic()
    return {
        "train_s": (comparing or compared) - started,
        "compare_s": compared - (comparing or compared),
        "activate_s": done - compared,
        "accuracy_before": run["comparison"]["held_out"]["before_accuracy"],
        "accuracy_after": run["comparison"]["held_out"]["after_accuracy"],
        "cv_before": run["comparison"]["cross_validation"]["before_accuracy"],
        "cv_after": run["comparison"]["cross_validation"]["after_accuracy"],
        "stories_passed": run["comparison"]["stories"]["after_passed"],
        "stories": run["comparison"]["stories"]["total"],
    }


async def measure(stack: Stack, held: list[tuple[str, str]]) -> dict[str, Any]:
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        await train_and_activate(designer)  # untimed: a BANKING77-size model becomes the active one
        chosen = [(t, i) for t, i in held if not any(c.isdigit() for c in t)][:: len(held) // 40][:LABELLED]
        said: list[tuple[int, str]] = []
        async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
            for text, intent in chosen:
                conversation = await start_conversation(http)
                await say(http, conversation, text)
                [message] = [m["id"] for m in await transcript(http, conversation) if m["text"] == text]
                said.append((message, intent))
        started = time.monotonic()
        for message, intent in said:
            async with designer.post(
                "/api/designer/labels", json={"message_ids": [message], "intent": intent}
            ) as response:
                assert response.status == 200, await response.text()
        labelled = time.monotonic()
        parts = await train_and_activate(designer)
        return {"total_s": time.monotonic() - started, "label_s": labelled - started, **parts}
    finally:
        await designer.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tandem-designer-loop-") as tmp:
        config = write_isolated_config(Path(tmp))
        isolate_voice(config)
        isolate_handoff(config)
        examples, held = configure(config)
        stack = prepared_stack(config)
        # A Rasa cache of this run's own: the untimed training fills it, as the stack's earlier trainings
        # would; the timed one then reuses only what its 20 new labels leave unchanged.
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "rasa-cache")
        try:
            stack.start()
            found = asyncio.run(measure(stack, held))
            workers = stack.settings.rasa.workers
        finally:
            stack.stop()
    merge_results({"designer_label_to_active_s": round(found["total_s"], 1)})
    print(header(".venv/bin/python -m benchmarks.designer_loop"))
    print(
        f"\n{LABELLED} labels, then train ({examples} BANKING77 training questions plus the project's examples), compare on "
        f"{len(held)} held-out questions, activate on {workers} Rasa workers: "
        f"**{found['total_s']:.1f} s** (goal <= {GOAL_S:.0f} s: {'met' if found['total_s'] <= GOAL_S else 'not met'}). "
        f"Labelling {found['label_s']:.1f} s, training {found['train_s']:.1f} s, comparing {found['compare_s']:.1f} s, "
        f"activating {found['activate_s']:.1f} s. Held-out accuracy {found['accuracy_before']:.2%} -> "
        f"{found['accuracy_after']:.2%}; 3-fold cross-validation {found['cv_before']:.2%} -> {found['cv_after']:.2%}; "
        f"test stories passed {found['stories_passed']} of {found['stories']}."
    )


if __name__ == "__main__":
    main()
