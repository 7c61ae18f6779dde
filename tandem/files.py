"""Files written whole, then renamed over the old one: a reader (Rasa, the index build, another
gateway) sees the old file or the new, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_text(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as out:
        out.write(text)
    os.replace(out.name, path)
