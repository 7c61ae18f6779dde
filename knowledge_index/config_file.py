"""Write the calibrated answer threshold into config.yml without disturbing anything else in it.

A YAML round trip would drop every comment in the file, so the one line is edited in place.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import yaml

KEY_PATH = ("tandem", "knowledge", "answer_threshold")


def with_answer_threshold(config_text: str, value: float, comment: str) -> str:
    """config.yml text with tandem.knowledge.answer_threshold set to value, followed by `# comment`."""
    if "\n" in comment:
        raise ValueError("the comment must be a single line")
    lines = config_text.splitlines(keepends=True)
    start, end = 0, len(lines)
    for key in KEY_PATH:
        row = _find_key(lines, start, end, key)
        start, end = row + 1, _block_end(lines, row)
    line = lines[row]
    indent = line[: len(line) - len(line.lstrip())]
    newline = line[len(line.rstrip("\r\n")) :]
    lines[row] = f"{indent}{KEY_PATH[-1]}: {value:.2f}  # {comment}{newline}"
    updated = "".join(lines)
    written = yaml.safe_load(updated)["tandem"]["knowledge"]["answer_threshold"]
    if written != round(value, 2):
        raise ValueError(f"edit check failed: config.yml now reads {written!r}")
    return updated


def write_answer_threshold(path: Path, value: float, comment: str) -> None:
    """Replace the file atomically so a reader never sees a half-written config."""
    updated = with_answer_threshold(path.read_text(encoding="utf-8"), value, comment)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(updated)
        os.chmod(temp, path.stat().st_mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _find_key(lines: list[str], start: int, end: int, key: str) -> int:
    """Row of `key:` among the direct children of the block lines[start:end]."""
    content = [row for row in range(start, end) if _is_content(lines[row])]
    if content:
        level = _indent(lines[content[0]])
        pattern = re.compile(rf"{re.escape(key)}\s*:")
        for row in content:
            if _indent(lines[row]) == level and pattern.match(lines[row].lstrip(" ")):
                return row
    raise ValueError(f"config.yml has no '{'.'.join(KEY_PATH)}' key (missing '{key}')")


def _block_end(lines: list[str], row: int) -> int:
    """First row after `row` that is indented no deeper than it, i.e. where its block ends."""
    level = _indent(lines[row])
    for after in range(row + 1, len(lines)):
        if _is_content(lines[after]) and _indent(lines[after]) <= level:
            return after
    return len(lines)
