"""Slowing down password guessing on the desk: failed sign-ins per username and per client address.

After `free_failures` failures a key must wait, doubling with each further failure up to `max_wait_s`;
a success clears the username's count. Counting by username stops a slow spread of guesses at one
agent from many addresses; counting by address stops one address trying many agents, with more free
failures, since a whole contact centre may sign in from one address behind NAT.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GuardPolicy:
    free_failures: int = 5
    first_wait_s: float = 1.0
    max_wait_s: float = 900.0
    # A failure this old no longer counts.
    forget_after_s: float = 3600.0


def wait_after(failures: int, policy: GuardPolicy) -> float:
    """Seconds to wait after `failures` failures in a row."""
    if failures < policy.free_failures:
        return 0.0
    return min(policy.max_wait_s, policy.first_wait_s * 2 ** (failures - policy.free_failures))


@dataclass
class _Record:
    failures: int
    last: float


@dataclass
class FailureCounter:
    policy: GuardPolicy
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _records: dict[str, _Record] = field(default_factory=dict)

    def wait_s(self, key: str) -> float:
        """How long the key must still wait before another try; 0 when it may try now."""
        now = self.clock()
        record = self._records.get(key)
        if record is None or now - record.last > self.policy.forget_after_s:
            return 0.0
        return max(0.0, record.last + wait_after(record.failures, self.policy) - now)

    def failed(self, key: str) -> None:
        now = self.clock()
        if len(self._records) >= self.max_keys:
            self._records = {
                k: r for k, r in self._records.items() if now - r.last <= self.policy.forget_after_s
            }
        record = self._records.get(key)
        stale = record is None or now - record.last > self.policy.forget_after_s
        self._records[key] = _Record(1 if stale or record is None else record.failures + 1, now)

    def clear(self, key: str) -> None:
        self._records.pop(key, None)


class SignInGuard:
    def __init__(
        self,
        per_user: GuardPolicy = GuardPolicy(),
        per_address: GuardPolicy = GuardPolicy(free_failures=30),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = FailureCounter(per_user, clock)
        self._addresses = FailureCounter(per_address, clock)
        # With several gateways, every failure and success is counted on all of them
        # (handoff/cluster_links.py): a guesser spread over the gateways gets no more tries.
        self.outbox: Callable[[dict[str, Any]], None] | None = None

    def wait_s(self, username: str, address: str) -> float:
        return max(self._users.wait_s(username.lower()), self._addresses.wait_s(address))

    def failed(self, username: str, address: str) -> None:
        self._tell({"failed": [username, address]})

    def succeeded(self, username: str) -> None:
        self._tell({"succeeded": username})

    def _tell(self, news: dict[str, Any]) -> None:
        self.apply(news)
        if self.outbox:
            self.outbox(news)

    def apply(self, news: dict[str, Any]) -> None:
        """A sign-in that failed or succeeded, here or on another gateway."""
        if "failed" in news:
            username, address = news["failed"]
            self._users.failed(username.lower())
            self._addresses.failed(address)
        else:
            self._users.clear(news["succeeded"].lower())
