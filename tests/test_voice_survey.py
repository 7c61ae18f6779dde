"""The keypad rating: which keys count, and only while the question waits."""

from __future__ import annotations

import asyncio

import pytest

from voice_gateway.survey import KeypadRating


@pytest.mark.parametrize(
    ("keys", "rating"),
    [
        (["4"], 4),
        (["1"], 1),
        (["5"], 5),
        (["0", "9", "#", "*", "3"], 3),  # keys that are no rating wait for one that is
        (["12"], None),
        ([], None),  # no key: no rating, after the wait
    ],
)
async def test_a_rating_is_the_first_1_to_5_key_while_the_question_waits(
    keys: list[str], rating: int | None
) -> None:
    survey = KeypadRating()
    asked = asyncio.create_task(survey.ask(0.2))
    await asyncio.sleep(0)
    assert survey.listening
    taken = [survey.press(key) for key in keys]
    assert await asked == rating
    assert taken.count(True) == (rating is not None)
    assert not survey.listening


def test_keys_before_the_question_are_not_a_rating() -> None:
    survey = KeypadRating()
    assert not survey.press("5") and not survey.listening


async def test_a_key_while_the_question_is_still_spoken_is_the_rating() -> None:
    survey = KeypadRating()
    survey.open()  # the question starts
    assert survey.press("2")  # the caller knows the answer before it ends
    assert await survey.ask(5) == 2  # at once, not after the wait
    assert not survey.listening and not survey.press("3")
