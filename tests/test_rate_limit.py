import pytest

from tandem.rate_limit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("rate", "burst", "schedule", "allowed"),
    [
        # (seconds at which a message arrives) -> which are allowed
        (1.0, 3, [0, 0, 0, 0], [True, True, True, False]),
        (1.0, 3, [0, 0, 0, 0, 1.0], [True, True, True, False, True]),
        (2.0, 1, [0, 0.25, 0.5, 0.75, 1.0], [True, False, True, False, True]),
        (0.5, 2, [0, 0, 1, 2, 4], [True, True, False, True, True]),
    ],
)
def test_token_bucket_schedule(rate: float, burst: int, schedule: list[float], allowed: list[bool]) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, burst, clock=clock)
    results = []
    for at in schedule:
        clock.now = at
        results.append(limiter.check("k") == 0)
    assert results == allowed


def test_wait_time_says_when_to_retry() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, 1, clock=clock)
    assert limiter.check("k") == 0
    assert limiter.check("k") == pytest.approx(0.5)


def test_keys_are_independent() -> None:
    limiter = RateLimiter(1.0, 1, clock=FakeClock())
    assert limiter.check("a") == 0
    assert limiter.check("a") > 0
    assert limiter.check("b") == 0


def test_memory_is_bounded_by_forgetting_refilled_buckets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 2, clock=clock, max_keys=3)
    for key in "abc":
        limiter.check(key)
    clock.now = 10
    limiter.check("d")
    assert limiter.check("d") == 0
    assert limiter.check("d") > 0
    assert len(limiter._buckets) == 1
