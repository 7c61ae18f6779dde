"""What the actions read from customers' messages, and how they write amounts back."""

from __future__ import annotations

from datetime import date

import pytest

from bot.actions.formatting import money
from bot.actions.parsing import (
    parse_account_number,
    parse_amount_minor,
    parse_birth_date,
    parse_date,
    parse_last_four,
    parse_security_pin,
    parse_verification_method,
)

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31846207", "31846207"),
        ("my account is 3184 6207.", "31846207"),
        ("3184-6207", "31846207"),
        ("account 31846207, born 14/03/1985", "31846207"),
        ("1234567", None),
        ("123456789", None),
        ("31846207 or maybe 52019384", None),
        ("14/03/1985", None),
    ],
)
def test_account_number(text: str, expected: str | None) -> None:
    assert parse_account_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("482913", "482913"),
        ("my pin is 482 913", "482913"),
        ("48291", None),
        ("31846207", None),
        ("£482913", None),
    ],
)
def test_security_pin(text: str, expected: str | None) -> None:
    assert parse_security_pin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/1985", date(1985, 3, 14)),
        ("14-3-85", date(1985, 3, 14)),
        ("30.01.1962", date(1962, 1, 30)),
        ("1985-03-14", date(1985, 3, 14)),
        ("I was born on the 14th of March 1985", date(1985, 3, 14)),
        ("March 14, 1985", date(1985, 3, 14)),
        ("2 Nov", date(2026, 11, 2)),
        ("on 3 December", date(2025, 12, 3)),  # no year: the last one, not a future date
        ("yesterday", date(2026, 11, 23)),
        ("last Tuesday", date(2026, 11, 17)),
        ("last friday", date(2026, 11, 20)),
        ("31/02/1990", None),
        ("no date here", None),
    ],
)
def test_dates_are_read_day_first(text: str, expected: date | None) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/1985", date(1985, 3, 14)),
        ("born on 2 November 1979", date(1979, 11, 2)),
        ("today", None),
        ("14 March", None),  # a birth date needs its year
        ("14/03/2030", None),
        ("01/01/1890", None),
    ],
)
def test_birth_dates_must_be_written_in_full(text: str, expected: date | None) -> None:
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£89.99", 8999),
        ("45.5", 4550),
        ("1,250", 125_000),
        ("60 quid", 6000),
        ("€240", 24_000),
        ("nothing", None),
    ],
)
def test_amounts_in_minor_units(text: str, expected: int | None) -> None:
    assert parse_amount_minor(text) == expected


def test_last_four_and_method() -> None:
    assert parse_last_four("the one ending 4821") == "4821"
    assert parse_last_four("4821 or 7730") is None
    assert parse_verification_method("my date of birth please") == "date_of_birth"
    assert parse_verification_method("I'll use my PIN") == "pin"
    assert parse_verification_method("whatever") is None


def test_money_is_written_the_uk_way() -> None:
    assert money(184_256) == "£1,842.56"
    assert money(-5) == "-£0.05"
    assert money(24_000, "EUR") == "€240.00"
    assert money(100_000, "CHF") == "1,000.00 CHF"
