"""Conversations are pinned to a Rasa worker and fail over to the next one in a fixed order."""

from __future__ import annotations

import collections
import uuid

import pytest

from tandem.rasa_workers import failover_order, worker_urls


@pytest.mark.parametrize(
    ("url", "workers", "expected"),
    [
        ("http://127.0.0.1:5005", 1, ["http://127.0.0.1:5005"]),
        (
            "http://127.0.0.1:5005/",
            3,
            ["http://127.0.0.1:5005", "http://127.0.0.1:5006", "http://127.0.0.1:5007"],
        ),
        ("https://rasa.internal:9000", 2, ["https://rasa.internal:9000", "https://rasa.internal:9001"]),
    ],
)
def test_worker_urls(url: str, workers: int, expected: list[str]) -> None:
    assert worker_urls(url, workers) == expected


@pytest.mark.parametrize(("url", "workers"), [("http://127.0.0.1:5005", 0), ("http://127.0.0.1", 2)])
def test_worker_urls_refuse_what_cannot_work(url: str, workers: int) -> None:
    with pytest.raises(ValueError):
        worker_urls(url, workers)


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_every_worker_comes_once_pinned_one_first(workers: int) -> None:
    for conversation in (str(uuid.UUID(int=i)) for i in range(50)):
        order = failover_order(conversation, workers)
        assert sorted(order) == list(range(workers))
        assert order == failover_order(conversation, workers)  # stable: same worker after a restart
        assert order == [(order[0] + i) % workers for i in range(workers)]


def test_conversations_spread_over_the_workers() -> None:
    pinned = collections.Counter(failover_order(str(uuid.uuid4()), 2)[0] for _ in range(2000))
    assert min(pinned.values()) > 900
