"""Rasa's check of action server responses, with the validator built once, judges as jsonschema does."""

from __future__ import annotations

import json
import subprocess

import pytest

from tandem.config import REPO_ROOT
from tandem.processes import RASA_PYTHON

# Run in Rasa's own interpreter: each response, then whether the patched check and Rasa's original
# (jsonschema.validate) accept it, and the patched check's error message when it refuses.
COMPARE = """
import json, sys
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
original = RemoteAction._validate_action_result
import bot.action_response_validation
assert RemoteAction._validate_action_result is not original
action = RemoteAction("action_anything", None)
for response in json.load(sys.stdin):
    try:
        validate(response, RemoteAction.action_response_format_spec())
        expected = True
    except ValidationError:
        expected = False
    try:
        got, message = action._validate_action_result(response), ""
    except ValidationError as error:
        got, message = False, error.message
    print(json.dumps([expected, got, message]))
"""

RESPONSES = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "kb_articles_shown", "value": ["fees"]}],
        "responses": [{"text": "Hi"}],
    },
    {"responses": [{"text": "Hi", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]},
    {"events": "not a list", "responses": []},
    {"events": [{"name": "no event type"}], "responses": []},
    {"events": [], "responses": "not a list"},
]


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[bool, bool, str]]:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", COMPARE],
        input=json.dumps(RESPONSES),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=120,
        check=True,
    )
    return [tuple(json.loads(line)) for line in result.stdout.splitlines()]  # type: ignore[misc]


def test_the_prebuilt_validator_accepts_and_refuses_what_jsonschema_does(
    verdicts: list[tuple[bool, bool, str]],
) -> None:
    assert [(expected, got) for expected, got, _ in verdicts] == [
        (True, True), (True, True), (True, True), (False, False), (False, False), (False, False),
    ]  # fmt: skip


def test_a_refused_response_says_why_as_rasa_did(verdicts: list[tuple[bool, bool, str]]) -> None:
    for _, got, message in verdicts:
        assert got or "Failed to validate Action server response" in message
