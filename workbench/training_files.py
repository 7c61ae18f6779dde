"""Labelled examples written into the NLU files Rasa trains on (training_data/nlu/*.yml), which stay the
source of truth, reviewed in git like any code.

ruamel.yaml's round trip keeps every comment, the order of intents and the block style of each
`examples: |` list; an example already there (ignoring case and spacing) is not written twice. A file
is written whole, then renamed over the old one, so Rasa never reads half of it.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from tandem.validation import InputError


@dataclass(frozen=True, slots=True)
class Added:
    file: Path
    added: tuple[str, ...]
    already: tuple[str, ...]  # there before, so left as they were


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, order and styles kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _examples(block: str) -> list[str]:
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def intents(nlu_dir: Path) -> list[str]:
    """Every intent with examples in the files, sorted."""
    found = {item["intent"] for _, item in _items(nlu_dir) if "intent" in item}
    return sorted(found)


def _items(nlu_dir: Path) -> list[tuple[Path, Any]]:
    yaml = _yaml()
    items = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8")) or {}
        items += [(path, item) for item in data.get("nlu") or [] if isinstance(item, dict)]
    return items


def add_examples(nlu_dir: Path, intent: str, texts: list[str]) -> Added:
    """Append the texts to the intent's examples, in the file that holds that intent."""
    yaml = _yaml()
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") == intent:
                return _append(yaml, path, data, item, texts)
    raise InputError("unknown_intent", f"No intent called {intent!r} in the training data.", 404)


def _append(yaml: YAML, path: Path, data: Any, item: Any, texts: list[str]) -> Added:
    block = str(item.get("examples") or "")
    known = {_key(example) for example in _examples(block)}
    added, already = [], []
    for text in texts:
        if _key(text) in known:
            already.append(text)
        else:
            known.add(_key(text))
            added.append(text)
    if added:
        ending = "" if not block or block.endswith("\n") else "\n"
        item["examples"] = LiteralScalarString(block + ending + "".join(f"- {text}\n" for text in added))
        out = io.StringIO()
        yaml.dump(data, out)
        replace_file(path, out.getvalue())
    return Added(path, tuple(added), tuple(already))


def replace_file(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as out:
        out.write(text)
    os.replace(out.name, path)
