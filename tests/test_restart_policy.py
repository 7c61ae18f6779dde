"""The stack restarts a dead process after a growing pause, and gives up on a crash loop."""

from __future__ import annotations

import pytest

from tandem.restart_policy import GiveUp, Restart, RestartPolicy, after_death

POLICY = RestartPolicy(backoff_s=(1.0, 2.0, 5.0), burst=3, window_s=60.0)


@pytest.mark.parametrize(
    ("earlier", "died_at", "expected"),
    [
        ((), 100.0, Restart(101.0)),  # first death: soon
        ((90.0,), 100.0, Restart(102.0)),
        ((80.0, 90.0), 100.0, Restart(105.0)),
        ((80.0, 90.0, 95.0), 100.0, GiveUp(4)),  # a 4th death within a minute: a crash loop
        ((10.0, 20.0, 30.0), 100.0, Restart(101.0)),  # old deaths are forgiven
        ((30.0, 50.0, 90.0), 100.0, Restart(105.0)),  # 70 s ago is out of the window
        ((41.0, 50.0, 90.0), 100.0, GiveUp(4)),
    ],
)
def test_after_death(earlier: tuple[float, ...], died_at: float, expected: Restart | GiveUp) -> None:
    assert after_death(POLICY, earlier, died_at) == expected


def test_the_last_pause_repeats() -> None:
    policy = RestartPolicy(backoff_s=(1.0, 4.0), burst=10, window_s=60.0)
    assert after_death(policy, (91.0, 92.0, 93.0, 94.0), 100.0) == Restart(104.0)


@pytest.mark.parametrize(
    "arguments",
    [{"backoff_s": ()}, {"backoff_s": (-1.0,)}, {"burst": 0}, {"window_s": 0.0}],
)
def test_a_policy_that_makes_no_sense_is_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RestartPolicy(**arguments)  # type: ignore[arg-type]
