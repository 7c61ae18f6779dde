"""What a supervisor may set on a desk account (handoff/admin.py), as a table: each wrong field gets its
own clear error, and a right profile comes back clean."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.admin import Profile, profile_of, username_of
from handoff.store import Role
from tandem.validation import InputError

SKILLS = {"cards", "payments", "complaints"}
GOOD: dict[str, Any] = {
    "display_name": " Sam Patel ", "role": "agent", "skills": ["payments", "cards", "cards"],
    "chat_capacity": 2, "voice_capacity": 1, "sip_uri": "sip:sam@192.0.2.10:5062",
}  # fmt: skip


def test_a_right_profile_comes_back_clean() -> None:
    assert profile_of(GOOD, SKILLS) == Profile(
        "Sam Patel", Role.AGENT, ("cards", "payments"), 2, 1, "sip:sam@192.0.2.10:5062"
    )
    assert profile_of({**GOOD, "sip_uri": ""}, SKILLS).sip_uri is None  # no phone: chats only


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"display_name": "  "}, "invalid_display_name"),
        ({"display_name": "x" * 201}, "invalid_display_name"),
        ({"role": "admin"}, "invalid_role"),
        ({"skills": "cards"}, "invalid_skills"),
        ({"skills": ["cards", 3]}, "invalid_skills"),
        ({"skills": ["mortgages"]}, "unknown_skills"),
        ({"chat_capacity": -1}, "invalid_chat_capacity"),
        ({"chat_capacity": 11}, "invalid_chat_capacity"),
        ({"chat_capacity": True}, "invalid_chat_capacity"),
        ({"voice_capacity": 5}, "invalid_voice_capacity"),
        ({"voice_capacity": "1"}, "invalid_voice_capacity"),
        ({"sip_uri": "http://example.com"}, "invalid_sip_uri"),
        ({"sip_uri": "sip:sam@host?Route=evil"}, "invalid_sip_uri"),  # no smuggled headers
        ({"sip_uri": "sip:sam @host"}, "invalid_sip_uri"),
    ],
)
def test_each_wrong_field_is_named(change: dict[str, Any], code: str) -> None:
    with pytest.raises(InputError) as refused:
        profile_of({**GOOD, **change}, SKILLS)
    assert refused.value.code == code and refused.value.http_status == 400


@pytest.mark.parametrize(
    ("value", "ok"),
    [("sam", True), ("sam.patel-2", True), ("s", False), ("Sam", False), ("sam patel", False), (None, False)],
)
def test_usernames(value: Any, ok: bool) -> None:
    if ok:
        assert username_of(value) == value
    else:
        with pytest.raises(InputError, match="username"):
            username_of(value)
