"""bot/compare_models.py in Rasa's interpreter, on the repository's trained model: the NLU read in batches
gives each held-out example the intent Rasa's own one-at-a-time parse gives it, and every test story is
run; with no story written, there is nothing to run rather than a failure."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tandem.config import REPO_ROOT
from tandem.processes import RASA_PYTHON
from tandem.training import ensure_model, rasa_env

HELD_OUT = REPO_ROOT / "training_data" / "held_out" / "nlu.yml"
STORIES = REPO_ROOT / "tests" / "stories"

ONE_AT_A_TIME = """
import asyncio, json, sys
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

async def main():
    agent = Agent.load(sys.argv[2])
    texts = [m.get("text") for m in load_data(sys.argv[1]).intent_examples]
    print(json.dumps([(await agent.parse_message(t))["intent"]["name"] for t in texts]))

asyncio.run(main())
"""


def rasa(*args: str) -> object:
    done = subprocess.run(
        [str(RASA_PYTHON), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=rasa_env(1),
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_batches_read_as_one_at_a_time_and_every_story_is_run(tmp_path: Path) -> None:
    model = str(ensure_model(REPO_ROOT / "config.yml", tmp_path / "train.log"))
    found = rasa("-m", "bot.compare_models", str(HELD_OUT), str(STORIES), model)
    assert isinstance(found, dict)
    evaluated = found["models"][model]
    assert len(found["examples"]) == len(evaluated["predictions"]) > 50
    assert evaluated["predictions"] == rasa("-c", ONE_AT_A_TIME, str(HELD_OUT), model)
    stories = evaluated["stories"]
    # `make stories` fails the build on any wrong prediction, so the repository's model passes them all.
    assert (
        stories["failed"] == [] and "block a card after verifying with the security PIN" in stories["passed"]
    )
    assert len(stories["passed"]) == sum(f.read_text().count("- story:") for f in STORIES.glob("*.yml"))

    empty = tmp_path / "no-stories"
    empty.mkdir()
    nothing = rasa("-m", "bot.compare_models", str(HELD_OUT), str(empty), model)
    assert isinstance(nothing, dict)
    assert nothing["models"][model]["stories"] == {"passed": [], "failed": []}
