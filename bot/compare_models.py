"""`python -m bot.compare_models HELD_OUT MODEL...` (in Rasa's venv): the intent each model predicts for
every example of a held-out NLU file, as JSON, the last line on stdout:
{"examples": [{"text", "intent"}], "predictions": {model path: [intent, ...]}}.

One process loads every model, so comparing two costs one Rasa start-up, not two. The comparison
itself is the gateway's (workbench/comparison.py)."""

from __future__ import annotations

import asyncio
import json
import sys

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data


async def predictions(model: str, texts: list[str]) -> list[str]:
    agent = Agent.load(model)
    parsed = [await agent.parse_message(text) for text in texts]
    return [str((p.get("intent") or {}).get("name")) for p in parsed]


async def main(held_out: str, models: list[str]) -> None:
    examples = [
        {"text": m.get("text"), "intent": m.get("intent")}
        for m in load_data(held_out).intent_examples
        if m.get("text") and m.get("intent")
    ]
    texts = [e["text"] for e in examples]
    found = {model: await predictions(model, texts) for model in models}
    print(json.dumps({"examples": examples, "predictions": found}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
