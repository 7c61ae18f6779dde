"""A caller's number as an identity, or nothing: caller ID is a hint, never proof.

Withheld numbers arrive as words ("anonymous", "restricted", "unknown"...), and a SIP From user part
can hold anything at all. Only something shaped like a telephone number becomes an identity; every
other caller starts as a customer of their own, and verification says who they are.
"""

from __future__ import annotations

import re

# What carriers and phones put in the From header when the number is withheld or unavailable.
WITHHELD = frozenset(
    {"anonymous", "unknown", "restricted", "private", "withheld", "unavailable", "blocked", "invalid"}
)
# Separators people and carriers write inside numbers.
_SEPARATORS = re.compile(r"[\s().-]")
# E.164: at most 15 digits; shorter than 3 is no number at all.
_NUMBER = re.compile(r"\+?[0-9]{3,15}")


def caller_identity(raw: str | None) -> str | None:
    """The caller's number, normalised ("+44 7700-900123" -> "+447700900123"), or None when it is
    withheld, empty or not a telephone number."""
    if raw is None:
        return None
    text = _SEPARATORS.sub("", raw.strip())
    if text.lower() in WITHHELD or not _NUMBER.fullmatch(text):
        return None
    # All zeros (or a lone plus sign's worth of nothing) is a placeholder, not a number.
    return text if text.strip("+0") else None
