"""The keypad's rules as tables: menu keys, digit entry ended by '#' or the inter-digit timeout, '*'."""

from __future__ import annotations

import pytest

from voice_gateway.ivr import DigitsEntered, Keypad, KeypadAction, MenuChoice, MenuOption, asks_for_digits

MENU = {
    "1": MenuOption("Lost or stolen card", "/card_lost_stolen"),
    "0": MenuOption("Talk to a person", "/request_human"),
}
TIMEOUT_MS = 3000


def run(
    keys: list[tuple[float, str]], *, expecting: bool = False, until_ms: float = 0.0
) -> list[KeypadAction]:
    """Press each (at_ms, key), ticking every 20 ms in between and on until until_ms."""
    keypad = Keypad(MENU, TIMEOUT_MS)
    keypad.expect_digits(expecting)
    actions: list[KeypadAction] = []
    now = 0.0
    for at_ms, key in [*keys, (max(until_ms, keys[-1][0] if keys else 0.0), "")]:
        while now < at_ms:
            now += 20
            if (action := keypad.tick(now)) is not None:
                actions.append(action)
        if key and (action := keypad.press(key, at_ms)) is not None:
            actions.append(action)
    return actions


@pytest.mark.parametrize(
    ("keys", "expecting", "until_ms", "expected"),
    [
        # a menu key alone acts at once
        ([(0, "1")], False, 0, [MenuChoice("1", MENU["1"])]),
        ([(0, "0")], False, 0, [MenuChoice("0", MENU["0"])]),
        # while the bot asks for digits, menu keys are digits
        ([(0, "1"), (300, "0"), (600, "#")], True, 0, [DigitsEntered("10")]),
        # '#' ends an entry at once
        ([(0, "3"), (200, "1"), (400, "8"), (600, "#")], True, 0, [DigitsEntered("318")]),
        # the inter-digit timeout ends it too, and not before
        ([(0, "4"), (500, "2")], True, 500 + TIMEOUT_MS - 20, []),
        ([(0, "4"), (500, "2")], True, 500 + TIMEOUT_MS, [DigitsEntered("42")]),
        # a non-menu key starts an entry even when no digits were asked for; menu keys then join it
        ([(0, "5"), (100, "1"), (200, "#")], False, 0, [DigitsEntered("51")]),
        # '*' clears the entry; '#' with nothing entered does nothing
        ([(0, "5"), (100, "*"), (200, "#")], True, 0, []),
        ([(0, "#")], True, 0, []),
        # A-D are ignored
        ([(0, "A"), (100, "7"), (200, "#")], True, 0, [DigitsEntered("7")]),
        # after an entry the menu works again
        ([(0, "9"), (100, "#"), (200, "1")], False, 0, [DigitsEntered("9"), MenuChoice("1", MENU["1"])]),
    ],
)
def test_keypad(
    keys: list[tuple[float, str]], expecting: bool, until_ms: float, expected: list[KeypadAction]
) -> None:
    assert run(keys, expecting=expecting, until_ms=until_ms) == expected


def test_keyed_digits_never_show_in_repr() -> None:
    assert "31846207" not in repr(DigitsEntered("31846207"))


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("What's your 8-digit Northwind account number?", True),
        ("Please type your 6-digit security PIN for phone and chat banking.", True),
        ("Please type your date of birth, for example 14/03/1985.", True),
        ("Your card is pinned to the top of the list.", False),
        ("Thanks. How would you like to confirm it's you?", False),
    ],
)
def test_replies_asking_for_digits(reply: str, expected: bool) -> None:
    assert asks_for_digits(reply, ("account number", "PIN", "date of birth")) is expected
