"""Where the actions find the bank store, and how they call it without stalling the server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from rasa_sdk import Tracker

from bot.actions.slots import VERIFICATION_STATUS, VERIFIED, VERIFIED_CUSTOMER_ID
from tandem.config import settings

P = ParamSpec("P")
R = TypeVar("R")


def configured_db_path() -> Path:
    s = settings()
    return s.resolve(s.bank_db_path)


class UsesBank:
    """Mixin for actions that read or write the bank store."""

    # None: the store named in config.yml. Tests point an action instance at a temporary file.
    db_path: Path | None = None

    @property
    def db(self) -> Path:
        return self.db_path or configured_db_path()


async def off_loop(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a store call in a worker thread: SQLite waits and PIN hashing must not block other chats."""
    return await asyncio.to_thread(function, *args, **kwargs)


def verified_customer(tracker: Tracker) -> int | None:
    """The verified customer's id, or None if this conversation has not passed verification."""
    if tracker.get_slot(VERIFICATION_STATUS) != VERIFIED:
        return None
    customer_id = tracker.get_slot(VERIFIED_CUSTOMER_ID)
    return int(customer_id) if customer_id else None
