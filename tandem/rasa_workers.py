"""Which Rasa worker answers a conversation.

Each conversation is pinned to one worker, by a hash that stays the same across gateway restarts, so
Rasa's in-process lock serialises its turns. The trackers live in one shared store, so when the pinned
worker is down (its port refuses connections) the next one takes the conversation over without
loss. A worker that is merely slow keeps it: two workers must never run one conversation at once.
"""

from __future__ import annotations

import zlib
from urllib.parse import urlsplit, urlunsplit


def worker_urls(url: str, workers: int) -> list[str]:
    """Worker i listens on the configured port + i, on the same host."""
    if workers < 1:
        raise ValueError(f"need at least one Rasa worker, got {workers}")
    parts = urlsplit(url.rstrip("/"))
    if parts.port is None or parts.hostname is None:
        raise ValueError(f"the Rasa URL needs a host and a port: {url}")
    return [urlunsplit(parts._replace(netloc=f"{parts.hostname}:{parts.port + i}")) for i in range(workers)]


def failover_order(conversation_id: str, workers: int) -> list[int]:
    """The conversation's own worker first, then the others in turn."""
    pinned = zlib.crc32(conversation_id.encode()) % workers
    return [(pinned + i) % workers for i in range(workers)]
