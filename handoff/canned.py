"""Canned responses: one YAML file per team (a queue's name, or "general" for everyone), each a list of
{shortcut, title, text}; the text may hold placeholders filled from the contact, e.g. {first_name}.

The repository ships the first lists (handoff/canned_responses/); a stack works on its own copies
under <data_dir>/canned_responses, which supervisors edit from the desk. Parsing and filling are pure.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tandem.files import replace_text
from tandem.validation import InputError

SHIPPED = Path(__file__).resolve().parent / "canned_responses"
EVERYONE = "general"
SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = frozenset({"first_name", "customer_name", "agent_name", "queue"})
MAX_RESPONSES = 200
MAX_TITLE = 80
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class CannedResponse:
    shortcut: str
    title: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"shortcut": self.shortcut, "title": self.title, "text": self.text}


def parse_team(raw: Any) -> tuple[CannedResponse, ...]:
    """A team's list as YAML or JSON gives it, checked; a clear error names the first problem."""
    if not isinstance(raw, list) or len(raw) > MAX_RESPONSES:
        raise InputError("invalid_responses", f"A team's responses are a list of at most {MAX_RESPONSES}.")
    seen: set[str] = set()
    responses = []
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) != {"shortcut", "title", "text"}:
            raise InputError(
                "invalid_responses", f"Response {number} needs exactly shortcut, title and text."
            )
        shortcut, title, text = (item[key] for key in ("shortcut", "title", "text"))
        if not isinstance(shortcut, str) or not SHORTCUT.fullmatch(shortcut):
            raise InputError(
                "invalid_shortcut", f"Response {number}: the shortcut is 1-32 of a-z, 0-9, _ and -."
            )
        if shortcut in seen:
            raise InputError("duplicate_shortcut", f"Response {number}: /{shortcut} is used twice.")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= MAX_TITLE:
            raise InputError("invalid_title", f"Response {number}: the title is 1-{MAX_TITLE} characters.")
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_TEXT:
            raise InputError("invalid_text", f"Response {number}: the text is 1-{MAX_TEXT} characters.")
        if unknown := set(PLACEHOLDER.findall(text)) - PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            raise InputError(
                "unknown_placeholder", f"Response {number}: {{{min(unknown)}}} is not one of {known}."
            )
        seen.add(shortcut)
        responses.append(CannedResponse(shortcut, title.strip(), text.strip()))
    return tuple(responses)


def placeholder_values(context: Mapping[str, Any], agent_name: str, queue: str) -> dict[str, str]:
    """What the placeholders stand for in one contact; a customer we do not know has no name."""
    customer = context.get("customer") or {}
    name = str(customer.get("name") or "").strip()
    values = {"agent_name": agent_name.split()[0] if agent_name else "", "queue": queue}
    if name:
        values |= {"customer_name": name, "first_name": name.split()[0]}
    return values


def fill(text: str, values: Mapping[str, str]) -> str:
    """Placeholders with a value are filled; the others stay as written, for the agent to complete."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)


class CannedLibrary:
    """The stack's lists, one file per team."""

    def __init__(self, directory: Path, queues: Collection[str]) -> None:
        self._dir = directory
        self._queues = queues  # the live queues (handoff/queue_book.py): a queue added later is a team too

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(sorted({*self._queues, EVERYONE}))

    def seed(self) -> None:
        """At start: a team with no list yet gets the shipped one (edits are never overwritten)."""
        self._dir.mkdir(parents=True, exist_ok=True)
        for team in self.teams:
            shipped = SHIPPED / f"{team}.yml"
            if shipped.exists() and not self._path(team).exists():
                shutil.copyfile(shipped, self._path(team))

    def team(self, team: str) -> tuple[CannedResponse, ...]:
        path = self._path(team)
        if not path.exists():
            return ()
        return parse_team(yaml.safe_load(path.read_text(encoding="utf-8")) or [])

    def save(self, team: str, responses: tuple[CannedResponse, ...]) -> None:
        """Written whole, then renamed over the old file: a reader never sees half a list."""
        body = yaml.safe_dump([r.to_json() for r in responses], sort_keys=False, allow_unicode=True)
        replace_text(self._path(team), body)

    def for_queue(self, queue: str) -> list[tuple[str, CannedResponse]]:
        """What an agent working a contact of this queue may use: the queue's team's, then everyone's."""
        teams = [queue, EVERYONE] if queue != EVERYONE else [EVERYONE]
        return [(team, response) for team in teams if team in self.teams for response in self.team(team)]

    def _path(self, team: str) -> Path:
        if team not in self.teams:  # the name becomes a file name: only known teams
            raise InputError("unknown_team", f"team is one of {list(self.teams)}.", 404)
        return self._dir / f"{team}.yml"
