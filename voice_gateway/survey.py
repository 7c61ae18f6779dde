"""The phone's satisfaction survey: after a conversation with an agent that the desk ended, or when the
caller says goodbye to the bot, the caller rates it 1 to 5 on the keypad before the line is closed.

A key is only taken while the question waits for one; any other time, keys belong to the call.
"""

from __future__ import annotations

import asyncio
import contextlib

RATING_KEYS = "12345"


class KeypadRating:
    """One question at a time: ask() waits for a 1-5 key (or the timeout), press() offers every key."""

    def __init__(self) -> None:
        self._waiting: asyncio.Future[int] | None = None

    @property
    def listening(self) -> bool:
        return self._waiting is not None and not self._waiting.done()

    def press(self, digit: str) -> bool:
        """True if the key was taken as the rating (a 1-5 key while the question waits)."""
        if not self.listening or digit not in RATING_KEYS or len(digit) != 1:
            return False
        assert self._waiting is not None
        self._waiting.set_result(int(digit))
        return True

    def open(self) -> None:
        """Take a key from now on: while the question is still spoken, a caller who knows it may answer."""
        self._waiting = asyncio.get_running_loop().create_future()

    async def ask(self, wait_s: float) -> int | None:
        """The rating, or None when no 1-5 key came within wait_s (or since open())."""
        if self._waiting is None:
            self.open()
        assert self._waiting is not None
        try:
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(self._waiting, wait_s)
            return None
        finally:
            self._waiting = None
