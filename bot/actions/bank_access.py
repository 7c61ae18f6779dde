"""Where the actions find the bank store, and how they call it without stalling the server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

from rasa_sdk import Tracker

from bot.actions.slots import VERIFICATION_STATUS, VERIFIED
from bot.bank import repository
from bot.bank.lockout import LockRule, VerificationLimits
from tandem.config import settings

P = ParamSpec("P")
R = TypeVar("R")


def configured_db_path() -> Path:
    s = settings()
    return s.resolve(s.bank_db_path)


def configured_limits() -> VerificationLimits:
    v = settings().verification
    window, lock_for = timedelta(seconds=v.failure_window_s), timedelta(seconds=v.lock_s)
    return VerificationLimits(
        per_account=LockRule(v.max_failures_per_account, window, lock_for),
        per_conversation=LockRule(v.max_failures_per_conversation, window, lock_for),
        session_for=timedelta(seconds=v.session_s),
    )


class UsesBank:
    """Mixin for actions that read or write the bank store."""

    # None: the store and limits named in config.yml. Tests point an action at a temporary file.
    db_path: Path | None = None

    @property
    def db(self) -> Path:
        return self.db_path or configured_db_path()

    @property
    def limits(self) -> VerificationLimits:
        return configured_limits()

    async def verified_customer(self, tracker: Tracker) -> int | None:
        """The customer this conversation verified as, or None.

        Who it is comes from the bank's own record of the conversation, written when the customer
        passed verification, never from the tracker's slots: whoever calls the action server sends
        the tracker, slots included.
        """
        if tracker.get_slot(VERIFICATION_STATUS) != VERIFIED:
            return None
        return await off_loop(repository.verified_customer, self.db, tracker.sender_id, self.limits)


async def off_loop(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a store call in a worker thread: SQLite waits and PIN hashing must not block other chats."""
    return await asyncio.to_thread(function, *args, **kwargs)
