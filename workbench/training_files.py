"""Labelled examples written into the NLU files Rasa trains on (training_data/nlu/*.yml), which stay the
source of truth, reviewed in git like any code; and new intents, started in NEW_INTENTS of the NLU files
and declared in NEW_INTENTS of the domain (Rasa refuses examples of an intent the domain does not list).

ruamel.yaml's round trip keeps every comment, the order of intents and the block style of each
`examples: |` list; an example already there (ignoring case and spacing) is not written twice. A file
is written whole, then renamed over the old one, so Rasa never reads half of it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from tandem.files import replace_text
from tandem.validation import InputError

NEW_INTENTS = "new_intents.yml"  # created on demand, in the NLU directory and in the domain directory
INTENT_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
MAX_NAME = 64
# Rasa's own intents: a designer's intent of the same name would clash with them.
RASA_INTENTS = frozenset({"nlu_fallback", "out_of_scope", "restart", "back", "session_start"})
_NEW_NLU = """version: "3.1"

# Intents started in the designer's NLU inbox (workbench/). The bot answers one only once it has a
# response and a rule or story for it; move it into its topic's file when it has them.
nlu: []
"""
_NEW_DOMAIN = """version: "3.1"

# Intents started in the designer's NLU inbox (workbench/), declared so Rasa accepts their examples.
intents: []
"""


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
        replace_text(path, out.getvalue())
    return Added(path, tuple(added), tuple(already))


def domain_intents(domain_dir: Path) -> list[str]:
    """Every intent the domain lists (a name, or a name with its options), sorted."""
    yaml = _yaml()
    found: set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            found |= set(item) if isinstance(item, dict) else {str(item)}
    return sorted(found)


def checked_intent_name(name: object) -> str:
    """A name Rasa and the bot's files accept for a new intent, or a clear error."""
    if not isinstance(name, str) or len(name) > MAX_NAME or not INTENT_NAME.fullmatch(name):
        raise InputError(
            "invalid_intent_name",
            f"An intent's name is lower case letters, digits and single underscores, starting with a letter, "
            f"at most {MAX_NAME} characters (like card_not_arrived).",
        )
    return name


def start_intent(nlu_dir: Path, domain_dir: Path, name: str, texts: list[str]) -> Added:
    """The intent with the texts as its first examples in NEW_INTENTS, and in the domain's NEW_INTENTS."""
    if name in RASA_INTENTS or name in {*intents(nlu_dir), *domain_intents(domain_dir)}:
        raise InputError(
            "intent_exists", f"There is already an intent called {name}: label the group with it.", 409
        )
    yaml = _yaml()
    domain_path = domain_dir / NEW_INTENTS
    domain = yaml.load(domain_path.read_text(encoding="utf-8") if domain_path.exists() else _NEW_DOMAIN)
    domain["intents"].append(name)
    out = io.StringIO()
    yaml.dump(domain, out)
    nlu_path = nlu_dir / NEW_INTENTS
    data = yaml.load(nlu_path.read_text(encoding="utf-8") if nlu_path.exists() else _NEW_NLU)
    data["nlu"].append({"intent": name, "examples": LiteralScalarString("")})
    # The domain first: examples of an intent it does not list would stop Rasa training.
    replace_text(domain_path, out.getvalue())
    return _append(yaml, nlu_path, data, data["nlu"][-1], texts)
