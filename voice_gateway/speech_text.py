"""Text as it should be read aloud: what Piper would otherwise mispronounce, written out in words.

Piper (through espeak-ng) reads "£500" as "pound 500" and "09:00" as "nine, zero, zero", and reads
Markdown marks aloud. Every spoken text goes through spoken() first (voice_gateway/tts.py). Number
words come from num2words (British English); the rules here only decide *how* a number is read:
an amount, a time, a date, a percentage, or digit by digit (card and account endings, phone numbers).
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable

from num2words import num2words

_MONTHS = tuple(calendar.month_name[1:])

# Read as letters or as a word; espeak would otherwise guess ("IBAN" as "ibbon", "AER" as "air").
ABBREVIATIONS: dict[str, str] = {
    "ATM": "A T M",
    "AER": "A E R",
    "APR": "A P R",
    "IBAN": "I ban",
    "BIC": "bick",
    "PIN": "pin",
    "ID": "I D",
    "UK": "U K",
    "SMS": "S M S",
    "ISA": "eye-sa",
    "FAQ": "F A Q",
    "e.g.": "for example",
    "i.e.": "that is",
    "Mon": "Monday",
    "Fri": "Friday",
    "Sat": "Saturday",
    "Sun": "Sunday",
}
_CURRENCIES = {
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "$": ("dollar", "dollars", "cent", "cents"),
}


def words(number: int) -> str:
    """num2words in British English, without its commas ("one thousand eight hundred and forty-two")."""
    return num2words(number, lang="en_GB").replace(",", "")


def digits(text: str) -> str:
    """Digit by digit, "0" as "oh" as people read phone numbers and card endings."""
    return " ".join("oh" if d == "0" else words(int(d)) for d in text if d.isdigit())


def _amount(match: re.Match[str]) -> str:
    one, many, cent, cents = _CURRENCIES[match["symbol"]]
    whole = int(match["whole"].replace(",", ""))
    said = f"{words(whole)} {one if whole == 1 else many}"
    if match["fraction"] and int(match["fraction"]):
        fraction = int(match["fraction"].ljust(2, "0"))
        # "one pound fifty", but "nought pounds" is never said: "fifty pence".
        return (
            f"{words(fraction)} {cent if fraction == 1 else cents}"
            if whole == 0
            else f"{said} {words(fraction)}"
        )
    return said


def _pence(match: re.Match[str]) -> str:
    return f"{words(int(match['n']))} pence"


def _time(match: re.Match[str]) -> str:
    found = match.groupdict()
    hour, minute = int(found["h"]), int(found["m"] or 0)
    suffix = (found.get("ampm") or "").lower().replace(".", "")
    if not suffix:
        if (hour, minute) == (0, 0):
            return "midnight"
        if (hour, minute) == (12, 0):
            return "midday"
        suffix = "am" if hour < 12 else "pm"
    elif suffix == "pm" and hour < 12:
        hour += 12
    twelve = hour % 12 or 12
    if minute == 0:
        minutes = ""
    elif minute < 10:
        minutes = f" oh {words(minute)}"
    else:
        minutes = f" {words(minute)}"
    return f"{words(twelve)}{minutes} {suffix[0]} m"


def _date(day: int, month: int, year: str | None) -> str:
    said = f"the {num2words(day, to='ordinal', lang='en_GB')} of {_MONTHS[month - 1]}"
    return f"{said} {num2words(int(year), to='year', lang='en_GB')}" if year else said


def _real_date(day: int, month: int, year: str | None) -> bool:
    try:
        datetime.date(int(year) if year else 2000, month, day)  # 2000: a leap year, so 29 February is real
    except ValueError:
        return False
    return True


def _iso_date(match: re.Match[str]) -> str:
    day, month = int(match["d"]), int(match["mo"])
    return _date(day, month, match["y"]) if _real_date(day, month, match["y"]) else digits(match[0])


def _month_date(match: re.Match[str]) -> str:
    month = next(i for i, name in enumerate(_MONTHS, start=1) if name.startswith(match["mo"][:3].title()))
    day = int(match["d"])
    return _date(day, month, match["y"]) if _real_date(day, month, match["y"]) else match[0]


def _sort_code(match: re.Match[str]) -> str:
    return ", ".join(digits(pair) for pair in match[0].split("-"))


def _percent(match: re.Match[str]) -> str:
    return f"{_number(match['n'])} per cent"


def _number(text: str) -> str:
    whole, _, fraction = text.replace(",", "").partition(".")
    said = words(int(whole))
    return f"{said} point {digits(fraction).replace('oh', 'zero')}" if fraction else said


def _phone(match: re.Match[str]) -> str:
    groups = match[0].split()
    prefix = "plus " if groups[0].startswith("+") else ""
    return prefix + ", ".join(digits(group) for group in groups)


def _ending(match: re.Match[str]) -> str:
    return f"{match['lead']}{digits(match['n'])}"


def _ordinal(match: re.Match[str]) -> str:
    return num2words(int(match["n"]), to="ordinal", lang="en_GB")


def _year(match: re.Match[str]) -> str:
    return num2words(int(match[0]), to="year", lang="en_GB")


def _plain_number(match: re.Match[str]) -> str:
    return _number(match[0])


def _abbreviation(match: re.Match[str]) -> str:
    return ABBREVIATIONS[match[0]]


_MONTH_NAMES = "|".join(name[:3] + f"(?:{name[3:]})?" for name in _MONTHS)
_ABBREVIATION = re.compile(
    "|".join(rf"(?<![\w.]){re.escape(a)}(?![\w])" for a in sorted(ABBREVIATIONS, key=len, reverse=True))
)

# In order: Markdown first, then the patterns that claim numbers before the plain-number fallback.
RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # a link: its text only
    (re.compile(r"(\*\*|__|`)(.+?)\1"), r"\2"),  # bold, code
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"^\s*(?:#+|[-*+>]|\d+[.)])\s+", re.MULTILINE), ""),  # headings, list markers, quotes
    (re.compile(r"(?<![.!?:;,])[ \t]*\n\s*"), ". "),  # a line break is a pause
    (re.compile(r"\s*\n\s*"), " "),
    (re.compile(r"(?<![\d-])\d{2}-\d{2}-\d{2}(?![\d-])"), _sort_code),  # sort codes, before any number rule
    (re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)(?!\w)", re.IGNORECASE), _time),
    (re.compile(r"(?<![\d:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])"), _time),
    (
        re.compile(r"(?<![\d£€$])(?P<y>\d{4})-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
        _iso_date,
    ),
    (re.compile(r"(?<![\d/])(?P<d>[0-3]?\d)/(?P<mo>0?[1-9]|1[0-2])/(?P<y>\d{4})(?![\d/])"), _iso_date),
    (
        re.compile(rf"(?<!\d)(?P<d>[0-3]?\d)(?:st|nd|rd|th)? (?P<mo>{_MONTH_NAMES})\b(?: (?P<y>\d{{4}})\b)?"),
        _month_date,
    ),
    (
        re.compile(r"(?P<symbol>[£€$])(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d{1,2}))?(?!\d)"),
        _amount,
    ),
    (re.compile(r"(?<![\w.])(?P<n>\d{1,2})p\b"), _pence),
    (re.compile(r"(?P<n>\d+(?:\.\d+)?)\s?%"), _percent),
    (
        re.compile(
            r"(?P<lead>\b(?:ending(?: in| with)?|last (?:four|4)(?: digits)?(?: are| of)?)\s+)(?P<n>\d{2,6})\b",
            re.IGNORECASE,
        ),
        _ending,
    ),
    (re.compile(r"(?<![\w+])(?:\+\d{1,3}|0\d{2,4})(?:[ -]\d{2,4}){1,3}(?![\d-])"), _phone),
    (re.compile(r"(?<![\w.])\d{5,}(?![\w.])"), lambda m: digits(m[0])),  # account numbers, references
    (re.compile(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b"), _ordinal),
    (re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?![\d,.])"), _year),
    (re.compile(r"(?<!\d)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)"), _plain_number),
    (re.compile(r"(?<=\w)\s*-\s*(?=[A-Z]\w*day)"), " to "),  # "Monday-Friday"
    (re.compile(r"(?<=[ap] m)\s*(?:-|–)\s*"), " to "),  # "nine a m-five p m"
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"\s*>\s*"), ", "),  # "Cards > Settings": menus read as a path
)


def spoken(text: str) -> str:
    """The text with amounts, times, dates, percentages, digits and abbreviations in words and no
    Markdown marks; everything else unchanged."""
    text = _ABBREVIATION.sub(_abbreviation, text)
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())
