"""Reading what customers type: account numbers, PINs, dates and amounts, in the forms people use."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

# A digit run of exactly n digits that is not part of a longer number, date or amount.
_ACCOUNT_NUMBER = re.compile(r"(?<![\d.,/£$€-])(\d{4})[ -]?(\d{4})(?!\d|[.,/-]\d)")
_SECURITY_PIN = re.compile(r"(?<![\d.,/£$€-])(\d{3}) ?(\d{3})(?!\d|[.,/-]\d)")
_LAST_FOUR = re.compile(r"(?<![\d.,/£$€-])(\d{4})(?!\d|[.,/-]\d)")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTH})\b\.?(?:,?\s+(\d{{4}}))?", re.I
)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"\b(today|yesterday|last\s+(" + "|".join(_WEEKDAYS) + r"))\b", re.I)

OLDEST_BIRTH_YEAR = 1900

_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")


def parse_account_number(text: str) -> str | None:
    """The one 8-digit account number in the text ("31846207", "3184 6207"), else None."""
    found = {a + b for a, b in _ACCOUNT_NUMBER.findall(text)}
    return found.pop() if len(found) == 1 else None


def parse_security_pin(text: str) -> str | None:
    """The one 6-digit security PIN in the text ("482913", "482 913"), else None."""
    found = {a + b for a, b in _SECURITY_PIN.findall(text)}
    return found.pop() if len(found) == 1 else None


def parse_last_four(text: str) -> str | None:
    found = set(_LAST_FOUR.findall(text))
    return found.pop() if len(found) == 1 else None


def _full_year(year: int, today: date) -> int:
    """Two-digit years: the most recent year ending in those digits that is not in the future."""
    if year >= 100:
        return year
    century = today.year // 100 * 100
    return century + year if century + year <= today.year else century - 100 + year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest_past(month: int, day: int, today: date) -> date | None:
    """ "12 March" without a year: the last 12 March up to today (customers talk about the past)."""
    candidate = _safe_date(today.year, month, day)
    if candidate is not None and candidate > today:
        candidate = _safe_date(today.year - 1, month, day)
    return candidate


def _written_date(text: str, today: date, *, year_required: bool) -> date | None:
    """A date written out: 14/03/1985, 1985-03-14, 14 March 1985, March 14th. Numeric dates are day
    first, as in the UK."""
    if match := _ISO_DATE.search(text):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC_DATE.search(text):
        return _safe_date(_full_year(int(match[3]), today), int(match[2]), int(match[1]))
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if match := pattern.search(text):
            day, month = int(match[day_group]), _MONTHS[match[month_group].lower()]
            if match[3]:
                return _safe_date(int(match[3]), month, day)
            return None if year_required else _latest_past(month, day, today)
    return None


def _relative_date(text: str, today: date) -> date | None:
    match = _RELATIVE.search(text)
    if match is None:
        return None
    word = match[1].lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    weekday = _WEEKDAYS.index(match[2].lower())
    # "last Friday" on a Friday means a week ago, never today.
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def parse_date(text: str, today: date) -> date | None:
    """The date of a payment: a written date (the latest past one if the year is left out), or
    today, yesterday, last Friday. None when there is no date."""
    return _written_date(text, today, year_required=False) or _relative_date(text, today)


def parse_birth_date(text: str, today: date) -> date | None:
    """A date of birth: written out with its year, not in the future, not before 1900.

    Stricter than parse_date so that "what time do you close today?" is never taken as an answer.
    """
    born = _written_date(text, today, year_required=True)
    return born if born is not None and born.year >= OLDEST_BIRTH_YEAR and born <= today else None


def parse_amount_minor(text: str) -> int | None:
    """An amount such as "£45.99", "45.99", "1,250" or "45 quid" in minor units (pence)."""
    match = _AMOUNT.search(text)
    if match is None:
        return None
    try:
        whole = Decimal(match[1].replace(",", ""))
    except InvalidOperation:
        return None
    pence = int((match[2] or "0").ljust(2, "0"))
    return int(whole) * 100 + pence


def parse_verification_method(text: str) -> str | None:
    """Which way the customer wants to verify, from their own words ("my birthday", "PIN")."""
    lowered = text.lower()
    if re.search(r"\b(date of birth|dob|d\.o\.b|birth ?day|birth date|born)\b", lowered):
        return "date_of_birth"
    if re.search(r"\b(pin|security (number|code)|passcode)\b", lowered):
        return "pin"
    return None
