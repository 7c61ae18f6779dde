"""`python -m bot.compare_models HELD_OUT STORIES MODEL...` (in Rasa's venv): for each model, the intent it
predicts for every example of a held-out NLU file and which test stories (`rasa test core --e2e`) it
passes, as JSON, the last line on stdout:
{"examples": [{"text", "intent"}], "models": {model path: {"predictions": [intent, ...],
 "stories": {"passed": [name, ...], "failed": [name, ...]}}}}.

One process loads every model, so comparing two costs one Rasa start-up, not two. The comparison
itself is the gateway's (workbench/comparison.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.test import _collect_story_predictions, _create_data_generator
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.graph import GraphModelConfiguration
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.loading import load_data

# Messages per pass through the NLU graph: the featurizers encode a batch at once, where Rasa's
# parse_message sends one message at a time (about 23 ms each for BANKING77-size models).
BATCH = 64


def predictions(agent: Agent, texts: list[str]) -> list[str]:
    processor = agent.processor
    assert processor is not None
    metadata: GraphModelConfiguration = processor.model_metadata
    tracker = DialogueStateTracker.from_events("compare", [])
    intents = []
    for start in range(0, len(texts), BATCH):
        batch = [UserMessage(text) for text in texts[start : start + BATCH]]
        parsed = processor.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: batch, PLACEHOLDER_TRACKER: tracker}, targets=[metadata.nlu_target]
        )[metadata.nlu_target]
        intents += [str((message.get(INTENT) or {}).get(INTENT_NAME_KEY)) for message in parsed]
    return intents


async def stories(agent: Agent, directory: str | None) -> dict[str, list[str]]:
    """The test stories' names, by whether every predicted action and intent matched the story."""
    if directory is None:
        return {"passed": [], "failed": []}
    generator = _create_data_generator(directory, agent, None, True)
    evaluation, _, _ = await _collect_story_predictions(
        generator.generate_story_trackers(), agent, use_e2e=True
    )
    return {
        "passed": sorted(t.sender_id for t in evaluation.successful_stories),
        "failed": sorted(t.sender_id for t in evaluation.failed_stories),
    }


async def main(held_out: str, story_directory: str | None, models: list[str]) -> None:
    # Rasa's test logs each wrong prediction with the story's words; the gateway keeps stdout only.
    logging.disable(logging.WARNING)
    examples = [
        {"text": m.get("text"), "intent": m.get("intent")}
        for m in load_data(held_out).intent_examples
        if m.get("text") and m.get("intent")
    ]
    texts = [e["text"] for e in examples]
    found: dict[str, Any] = {}
    for model in models:
        agent = Agent.load(model)
        found[model] = {
            "predictions": predictions(agent, texts),
            "stories": await stories(agent, story_directory),
        }
    print(json.dumps({"examples": examples, "models": found}), flush=True)


if __name__ == "__main__":
    # No story written yet (or no such folder): nothing to run, rather than Rasa failing to read it.
    written = any(Path(sys.argv[2]).rglob("*.yml"))
    asyncio.run(main(sys.argv[1], sys.argv[2] if written else None, sys.argv[3:]))
