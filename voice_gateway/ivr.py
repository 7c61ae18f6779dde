"""The keypad as a pure state machine: DTMF digits and time in, menu choices and digit entries out.

Two uses share the keypad, so one rule tells them apart:
- while the bot is asking for digits (an account number, a PIN) every key goes to digit entry;
- otherwise a menu key on its own is a menu choice at once (no waiting for a timeout), and any
  other key starts a digit entry.
A digit entry ends with '#' or after inter_digit_timeout_ms without a key; '*' clears it.
Times are milliseconds on any monotonic clock (the call uses its audio stream time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DIGITS = frozenset("0123456789")
END_KEY = "#"
CLEAR_KEY = "*"


@dataclass(frozen=True, slots=True)
class MenuOption:
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class MenuChoice:
    key: str
    option: MenuOption


@dataclass(frozen=True, slots=True)
class DigitsEntered:
    """Keyed digits: an account number or a PIN. Kept out of repr so a stray log line cannot leak them."""

    digits: str = field(repr=False)


KeypadAction = MenuChoice | DigitsEntered


class Keypad:
    """One per call. press() for every DTMF digit, tick() as time passes, expect_digits() after each bot reply."""

    def __init__(self, menu: Mapping[str, MenuOption], inter_digit_timeout_ms: float) -> None:
        if any(key not in DIGITS for key in menu):
            raise ValueError("menu keys must be digits 0-9")
        if inter_digit_timeout_ms <= 0:
            raise ValueError("inter_digit_timeout_ms must be positive")
        self._menu = dict(menu)
        self._timeout_ms = inter_digit_timeout_ms
        self._expecting = False
        self._entry = ""
        self._last_key_ms = 0.0

    @property
    def entering(self) -> bool:
        return bool(self._entry)

    def expect_digits(self, expecting: bool) -> None:
        """Whether the bot's last question asks for digits."""
        self._expecting = expecting

    def press(self, key: str, at_ms: float) -> KeypadAction | None:
        if key == CLEAR_KEY:
            self._entry = ""
            return None
        if key == END_KEY:
            return self._finish_entry()
        if key not in DIGITS:  # A-D: no meaning here
            return None
        if not self._expecting and not self._entry and key in self._menu:
            return MenuChoice(key, self._menu[key])
        self._entry += key
        self._last_key_ms = at_ms
        return None

    def tick(self, now_ms: float) -> KeypadAction | None:
        if self._entry and now_ms - self._last_key_ms >= self._timeout_ms:
            return self._finish_entry()
        return None

    def _finish_entry(self) -> DigitsEntered | None:
        digits, self._entry = self._entry, ""
        return DigitsEntered(digits) if digits else None


def asks_for_digits(reply: str, prompts: tuple[str, ...]) -> bool:
    """A bot reply that asks for something the caller may key in (prompts are matched case-insensitively
    as whole words, so 'PIN' does not match 'pinned')."""
    words = f" {''.join(c if c.isalnum() else ' ' for c in reply.lower())} "
    return any(f" {' '.join(prompt.lower().split())} " in words for prompt in prompts)
