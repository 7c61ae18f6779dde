"""Canned responses: the lists' rules, filling the placeholders, and the stack's files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from handoff.canned import SHIPPED, CannedLibrary, CannedResponse, fill, parse_team, placeholder_values
from tandem.config import load_settings
from tandem.validation import InputError

GREETING = {"shortcut": "hello", "title": "Greeting", "text": "Hi {first_name}, I'm {agent_name}."}


@pytest.mark.parametrize(
    ("raw", "code", "problem"),
    [
        ({"hello": "Hi"}, "invalid_responses", "a list"),
        ([{"shortcut": "hello", "title": "Hi"}], "invalid_responses", "exactly shortcut, title and text"),
        ([{**GREETING, "shortcut": "Hello there"}], "invalid_shortcut", "Response 1"),
        ([GREETING, GREETING], "duplicate_shortcut", "Response 2: /hello is used twice"),
        ([{**GREETING, "title": "  "}], "invalid_title", "1-80"),
        ([{**GREETING, "text": "x" * 2001}], "invalid_text", "1-2000"),
        (
            [{**GREETING, "text": "Your balance is {balance}"}],
            "unknown_placeholder",
            "{balance} is not one of",
        ),
    ],
)
def test_a_list_that_breaks_a_rule_is_refused_with_what_is_wrong(raw: Any, code: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as refused:
        parse_team(raw)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("context", "agent", "filled"),
    [
        ({"customer": {"name": "Alice Morgan"}}, "Sam Jones", "Hi Alice, I'm Sam."),
        ({"customer": {"name": None}}, "Sam Jones", "Hi {first_name}, I'm Sam."),  # left for the agent
        ({}, "", "Hi {first_name}, I'm {agent_name}."),
    ],
)
def test_placeholders_are_filled_from_the_contact_or_left_for_the_agent(
    context: dict[str, Any], agent: str, filled: str
) -> None:
    assert fill(GREETING["text"], placeholder_values(context, agent, "cards")) == filled


def test_every_shipped_list_follows_the_rules() -> None:
    teams = {path.stem for path in SHIPPED.glob("*.yml")}
    assert teams == {"general", *load_settings().handoff.queues}
    for team in teams:
        assert parse_team(yaml.safe_load((SHIPPED / f"{team}.yml").read_text(encoding="utf-8")))


def test_a_stack_starts_from_the_shipped_lists_and_keeps_its_own_edits(tmp_path: Path) -> None:
    library = CannedLibrary(tmp_path, ["cards", "payments"])
    library.seed()
    assert [team for team, _ in library.for_queue("cards")] == ["cards"] * 3 + ["general"] * 5

    edited = (CannedResponse("lost", "Lost card", "I've blocked it, {first_name}."),)
    library.save("cards", edited)
    library.seed()  # a restart does not bring the shipped list back
    assert library.team("cards") == edited
    assert [r.shortcut for _, r in library.for_queue("cards")][:1] == ["lost"]
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("team", ["../secrets", "marketing", "general.yml"])
def test_only_known_teams_have_a_file(tmp_path: Path, team: str) -> None:
    with pytest.raises(InputError) as refused:
        CannedLibrary(tmp_path, ["cards"]).team(team)
    assert (refused.value.code, refused.value.http_status) == ("unknown_team", 404)
