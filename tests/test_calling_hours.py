"""Calling hours as a table: when a callback may ring, and the next opening when it may not."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from handoff.calling_hours import CallingHours, describe, for_customers, is_open, next_opening
from tandem.config import CallingHoursSettings

LONDON = ZoneInfo("Europe/London")
BANK = CallingHours.from_settings(CallingHoursSettings())  # Mon-Sat 08:00-20:00, Europe/London


def london(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).timestamp()


@pytest.mark.parametrize(
    ("at", "opening"),
    [
        ("2026-12-04 10:00", "2026-12-04 10:00"),  # Friday morning: now
        ("2026-12-04 08:00", "2026-12-04 08:00"),  # the opening itself
        ("2026-12-04 07:59", "2026-12-04 08:00"),  # just before
        ("2026-12-04 19:59", "2026-12-04 19:59"),
        ("2026-12-04 20:00", "2026-12-05 08:00"),  # the closing is not a calling time: Saturday's opening
        ("2026-12-05 21:00", "2026-12-07 08:00"),  # Saturday night: no Sunday calls, Monday
        ("2026-12-06 12:00", "2026-12-07 08:00"),  # Sunday noon
        ("2027-03-27 21:00", "2027-03-29 08:00"),  # over the change to summer time: 08:00 BST
    ],
)
def test_next_opening(at: str, opening: str) -> None:
    assert next_opening(BANK, london(at)) == london(opening)
    assert is_open(BANK, london(at)) == (at == opening)


def test_summer_time_opening_is_an_hour_earlier_in_utc() -> None:
    assert datetime.fromtimestamp(next_opening(BANK, london("2027-03-27 21:00")), ZoneInfo("UTC")).hour == 7


def test_no_calling_hours_means_any_time() -> None:
    assert next_opening(None, 1.5) == 1.5 and is_open(None, 1.5)


@pytest.mark.parametrize(
    ("days", "for_agents", "for_callers"),
    [
        ({0, 1, 2, 3, 4, 5}, "Mon-Sat 09:30-17:00 (Europe/London)", "between 09:30 and 17:00, Monday to Saturday"),
        ({0, 2, 4}, "Mon, Wed, Fri 09:30-17:00 (Europe/London)", "between 09:30 and 17:00, Monday, Wednesday and Friday"),
        ({5, 6}, "Sat, Sun 09:30-17:00 (Europe/London)", "between 09:30 and 17:00, Saturday and Sunday"),
        ({3}, "Thu 09:30-17:00 (Europe/London)", "between 09:30 and 17:00, Thursday"),
        (set(range(7)), "Mon-Sun 09:30-17:00 (Europe/London)", "between 09:30 and 17:00, any day"),
    ],
)  # fmt: skip
def test_calling_hours_in_words(days: set[int], for_agents: str, for_callers: str) -> None:
    hours = CallingHours(frozenset(days), time(9, 30), time(17), LONDON)
    assert (describe(hours), for_customers(hours)) == (for_agents, for_callers)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"opens": "20:00", "closes": "08:00"}, "open before they close"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"days": ["mon", "someday"]}, "someday"),
        ({"days": []}, "at least 1"),
    ],
)
def test_calling_hours_that_make_no_sense_are_refused_at_start(
    settings: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        CallingHoursSettings.model_validate(settings)
