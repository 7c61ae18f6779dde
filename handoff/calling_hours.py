"""When customers may be called back: the days and hours of handoff.callbacks.calling_hours, in the
bank's time zone. Pure. Banks' regulators and customers expect no calls at night or on a Sunday, so a
retry or a due call waits for the next opening rather than ring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tandem.config import CallingHoursSettings

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class CallingHours:
    days: frozenset[int]  # 0 = Monday, as datetime.weekday()
    opens: time
    closes: time
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if not self.days or self.opens >= self.closes:
            raise ValueError("calling hours need at least one day and an opening before the closing")

    @classmethod
    def from_settings(cls, settings: CallingHoursSettings) -> CallingHours:
        return cls(
            frozenset(DAY_NAMES.index(day.title()) for day in settings.days),
            settings.opens,
            settings.closes,
            ZoneInfo(settings.timezone),
        )


def is_open(hours: CallingHours | None, at: float) -> bool:
    """May a customer be called at `at` (epoch seconds)? None: at any time."""
    return next_opening(hours, at) == at


def next_opening(hours: CallingHours | None, at: float) -> float:
    """`at` itself when calling is allowed then, else the start of the next window (epoch seconds)."""
    if hours is None:
        return at
    local = datetime.fromtimestamp(at, hours.zone)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        if day.weekday() not in hours.days:
            continue
        opens = datetime.combine(day, hours.opens, hours.zone).timestamp()
        closes = datetime.combine(day, hours.closes, hours.zone).timestamp()
        if at < closes:
            return max(at, opens)
    raise AssertionError("a week always holds one of the calling days")


def describe(hours: CallingHours) -> str:
    """As agents and customers read it: "Mon-Sat 08:00-20:00 (Europe/London)"."""
    days = sorted(hours.days)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        named = f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    else:
        named = ", ".join(DAY_NAMES[d] for d in days)
    return f"{named} {hours.opens:%H:%M}-{hours.closes:%H:%M} ({hours.zone.key})"


def for_customers(hours: CallingHours) -> str:
    """As a customer reads or hears it: "between 08:00 and 20:00, Monday to Saturday"."""
    days = sorted(hours.days)
    names = [FULL_DAY_NAMES[d] for d in days]
    if len(days) == 7:
        named = "any day"
    elif days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        named = f"{names[0]} to {names[-1]}"
    else:
        named = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return f"between {hours.opens:%H:%M} and {hours.closes:%H:%M}, {named}"
