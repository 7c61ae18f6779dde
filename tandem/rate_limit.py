"""Token buckets: a steady rate with a burst allowance, per key (a connection or a conversation)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis


@dataclass(slots=True)
class TokenBucket:
    rate_per_s: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token; returns 0 when allowed, else the seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate_per_s)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate_per_s


class RateLimiter:
    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self._rate = rate_per_s
        self._burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def check(self, key: str) -> float:
        """0 when the key may proceed, else seconds to wait (for Retry-After)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = TokenBucket(self._rate, self._burst, self._burst, now)
        return bucket.take(now)

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled completely carries no state worth keeping.
        refill_s = self._burst / self._rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill_s}

    async def take(self, key: str) -> float:
        """check(), as the shared limiter is asked (AddressLimiter)."""
        return self.check(key)


class AddressLimiter(Protocol):
    """Limits per client address or per start of chat: in one gateway's memory, or shared by all."""

    async def take(self, key: str) -> float: ...


# GCRA, the token bucket kept as one timestamp: when the bucket will next be full ("theoretical arrival
# time"). Redis's own clock, so gateways whose clocks differ still agree. Returns 0, or ms to wait.
_TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + tonumber(now[2]) / 1000
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local allowed_at = tat + interval - burst * interval
if now < allowed_at then
  return math.ceil(allowed_at - now)
end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1)
return 0
"""


class SharedRateLimiter:
    """The same buckets as RateLimiter, in Redis: a client spread over several gateways has one limit."""

    def __init__(self, redis: Redis, name: str, rate_per_s: float, burst: int) -> None:
        self._script = redis.register_script(_TAKE)
        self._prefix = f"tandem:rate:{name}:"
        self._interval_ms = 1000.0 / rate_per_s
        self._burst = burst

    async def take(self, key: str) -> float:
        wait_ms = await self._script(keys=[self._prefix + key], args=[self._interval_ms, self._burst])
        return int(wait_ms) / 1000.0
