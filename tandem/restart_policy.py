"""When a dead process of the stack is started again, and when the stack gives up on it.

Like systemd's Restart=always with StartLimitBurst: every process is restarted after a growing pause,
and one that died `burst` times within `window_s` seconds is left dead, which stops the stack, since
a crash loop hides a fault that a person has to look at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    # The pause before the 1st, 2nd, ... restart within the window; the last repeats.
    backoff_s: tuple[float, ...] = (0.5, 2.0, 5.0, 10.0)
    burst: int = 5
    window_s: float = 300.0

    def __post_init__(self) -> None:
        if not self.backoff_s or min(self.backoff_s) < 0 or self.burst < 1 or self.window_s <= 0:
            raise ValueError("need backoff_s non-empty and >= 0, burst >= 1, window_s > 0")


@dataclass(frozen=True, slots=True)
class Restart:
    at: float  # monotonic time to start it again


@dataclass(frozen=True, slots=True)
class GiveUp:
    deaths_in_window: int


def after_death(policy: RestartPolicy, earlier_restarts: Sequence[float], died_at: float) -> Restart | GiveUp:
    """What to do about a process that died at died_at, given when it was restarted before."""
    recent = [t for t in earlier_restarts if died_at - t < policy.window_s]
    if len(recent) >= policy.burst:
        return GiveUp(len(recent) + 1)
    pause = policy.backoff_s[min(len(recent), len(policy.backoff_s) - 1)]
    return Restart(died_at + pause)
