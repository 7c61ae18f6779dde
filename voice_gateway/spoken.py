"""Text as a caller should hear it: what Piper is given instead of the written reply.

Piper reads what espeak makes of the text, and espeak reads "£500" as "pound 500", "09:00" as "nine,
zero, zero" and "**Cards**" with its asterisks. Each rule below rewrites one written form into words;
the order matters (a phone number must be read before its digits are taken for an amount).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from num2words import num2words

CURRENCIES = {"£": ("pound", "pounds", "penny", "pence"), "$": ("dollar", "dollars", "cent", "cents")}
CURRENCIES["€"] = ("euro", "euros", "cent", "cents")
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
# Said letter by letter, or as a word where that is how people say it.
ABBREVIATIONS = {
    "ATM": "A T M",
    "ATMs": "A T Ms",
    "IBAN": "eye-ban",
    "PIN": "pin",
    "PINs": "pins",
    "AER": "A E R",
    "APR": "A P R",
    "BIC": "bick",
    "SWIFT": "swift",
    "UK": "U K",
    "EU": "E U",
    "SMS": "S M S",
    "ID": "I D",
    "FAQ": "F A Q",
    "e.g.": "for example",
    "i.e.": "that is",
    "approx.": "about",
}


def cardinal(number: int) -> str:
    return str(num2words(number, lang="en_GB"))


def ordinal(number: int) -> str:
    return str(num2words(number, lang="en_GB", to="ordinal"))


def digits(text: str) -> str:
    return " ".join(DIGIT_WORDS[int(d)] for d in text if d.isdigit())


def year(value: int) -> str:
    """1985 -> nineteen eighty-five, 2026 -> twenty twenty-six, 2000 -> two thousand."""
    return str(num2words(value, lang="en_GB", to="year"))


def _markdown(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)  # [title](url) -> title
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = re.sub(r"^\s*#+\s*", "", text, flags=re.MULTILINE)
    # A list item or a line is a sentence of its own when spoken.
    text = re.sub(r"^\s*(?:[-•]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"([^.!?:;,])\s*\n+\s*", r"\1. ", text)
    return re.sub(r"\s*\n+\s*", " ", text)


def _phone(match: re.Match[str]) -> str:
    groups = re.split(r"[\s-]+", match.group(0).strip())
    spoken = ", ".join(digits(group) for group in groups)
    return ("plus " + spoken) if match.group(0).lstrip().startswith("+") else spoken


def _sort_code(match: re.Match[str]) -> str:
    return ", ".join(digits(pair) for pair in match.group(0).split("-"))


def _ending(match: re.Match[str]) -> str:
    return f"{match.group(1)} {digits(match.group(2))}"


def _money(match: re.Match[str]) -> str:
    one, many, small_one, small_many = CURRENCIES[match.group(1)]
    whole = int(match.group(2).replace(",", ""))
    minor = int((match.group(3) or "0").ljust(2, "0")[:2])
    parts = []
    if whole or not minor:
        parts.append(f"{cardinal(whole)} {one if whole == 1 else many}")
    if minor:
        parts.append(f"{cardinal(minor)} {small_one if minor == 1 else small_many}")
    return " and ".join(parts)


def _clock(hour: int, minute: int, suffix: str | None) -> str:
    if suffix is None:
        suffix = "a m" if hour < 12 else "p m"
    hour12 = hour % 12 or 12
    if hour == 12 and minute == 0 and suffix == "p m":
        return "midday"
    if hour == 0 and minute == 0:
        return "midnight"
    if minute == 0:
        return f"{cardinal(hour12)} {suffix}"
    spoken_minute = f"oh {cardinal(minute)}" if minute < 10 else cardinal(minute)
    return f"{cardinal(hour12)} {spoken_minute} {suffix}"


def _time24(match: re.Match[str]) -> str:
    return _clock(int(match.group(1)), int(match.group(2)), None)


def _time12(match: re.Match[str]) -> str:
    suffix = "a m" if match.group(3).lower().startswith("a") else "p m"
    return _clock(int(match.group(1)) % 12 + (12 if suffix == "p m" else 0), int(match.group(2) or 0), suffix)


def _spoken_date(day: int, month: int, year_value: int | None) -> str | None:
    try:
        date(year_value or 2000, month, day)
    except ValueError:
        return None
    spoken = f"the {ordinal(day)} of {MONTHS[month - 1]}"
    return f"{spoken} {year(year_value)}" if year_value else spoken


def _iso_date(match: re.Match[str]) -> str:
    y, m, d = (int(g) for g in match.groups())
    return _spoken_date(d, m, y) or match.group(0)


def _uk_date(match: re.Match[str]) -> str:
    d, m, y = (int(g) for g in match.groups())
    return _spoken_date(d, m, y) or match.group(0)


def _written_date(match: re.Match[str]) -> str:
    day, month, year_text = match.group(1), match.group(2), match.group(3)
    spoken = _spoken_date(
        int(day), MONTHS.index(month.capitalize()) + 1, int(year_text) if year_text else None
    )
    return spoken or match.group(0)


def _percent(match: re.Match[str]) -> str:
    return f"{_decimal(match.group(1))} per cent"


def _decimal(text: str) -> str:
    whole, _, fraction = text.replace(",", "").partition(".")
    spoken = cardinal(int(whole))
    return f"{spoken} point {digits(fraction)}" if fraction else spoken


def _ordinal_suffix(match: re.Match[str]) -> str:
    return ordinal(int(match.group(1)))


def _abbreviation(match: re.Match[str]) -> str:
    return ABBREVIATIONS[match.group(0)]


MONTH_NAMES = "|".join(MONTHS)
# (pattern, replacement) in the order they apply.
RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]] = [
    # Phone numbers: +44 330 123 4567, 0800 123 4567 (grouped digits starting with + or 0).
    (re.compile(r"(?<![\w£$€.])\+?\d{2,5}(?:[ -]\d{3,4}){2,3}(?![\w.])"), _phone),
    (re.compile(r"\b\d{2}-\d{2}-\d{2}\b"), _sort_code),  # sort codes
    (re.compile(r"\b(ending(?: in)?|ends in|last four digits(?: are)?)\s+(\d{3,4})\b", re.I), _ending),
    (re.compile(r"([£$€])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\b"), _money),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso_date),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), _uk_date),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? ({MONTH_NAMES})(?: (\d{{4}}))?\b", re.I), _written_date),
    (re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s?([ap])\.?m\.?(?![\w])", re.I), _time12),
    (re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b"), _time24),
    (re.compile(r"(\d+(?:\.\d+)?)\s?%"), _percent),
    (re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"), _ordinal_suffix),
    (re.compile(r"\b\d{5,}\b"), lambda m: digits(m.group(0))),  # account and reference numbers
    (re.compile(r"\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b|\b\d+\.\d+\b"), lambda m: _decimal(m.group(0))),
    (
        re.compile(r"(?<![\w.])(" + "|".join(re.escape(a) for a in ABBREVIATIONS) + r")(?![\w])"),
        _abbreviation,
    ),
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"\s*/\s*(?=[A-Za-z])"), " or "),
]


def speakable(text: str) -> str:
    """The reply as words for the caller's ear: no Markdown, amounts, times and dates in words, numbers
    that are identifiers read digit by digit."""
    spoken = _markdown(text)
    for pattern, replacement in RULES:
        spoken = pattern.sub(replacement, spoken)
    return re.sub(r"[ \t]{2,}", " ", spoken).strip()
