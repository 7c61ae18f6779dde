"""Files holding a secret (a password in a server's config, a key), readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Created 0600, so no other user ever reads it, not even while it is written."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file left from before keeps its mode on O_CREAT: make sure
    with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
        sink.write(text)
