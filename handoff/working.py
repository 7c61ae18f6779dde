"""Which agent works on which conversation: conversation id -> (contact id, agent id).

Read on every conversation event (the agent's desk follows its conversations), so it lives in memory.
With several gateways, each change is sent to the others (tandem/cluster.py), and each gateway fills
its copy from the store when it starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Change = dict[str, Any]


class WorkingMap:
    def __init__(self) -> None:
        self._map: dict[str, tuple[str, str]] = {}
        self.outbox: Callable[[Change], None] | None = None

    def get(self, conversation_id: str) -> tuple[str, str] | None:
        return self._map.get(conversation_id)

    def start(self, conversation_id: str, contact_id: str, agent_id: str) -> None:
        self._tell({"conversation_id": conversation_id, "contact_id": contact_id, "agent_id": agent_id})

    def end(self, conversation_id: str) -> None:
        self._tell({"conversation_id": conversation_id})

    def known(self, conversation_id: str, contact_id: str, agent_id: str) -> None:
        """Already so in the store (read at start): not news for the other gateways."""
        self._map[conversation_id] = (contact_id, agent_id)

    def _tell(self, change: Change) -> None:
        self.apply(change)
        if self.outbox:
            self.outbox(change)

    def apply(self, change: Change) -> None:
        """A change made here or on another gateway."""
        if "agent_id" in change:
            self.known(change["conversation_id"], change["contact_id"], change["agent_id"])
        else:
            self._map.pop(change["conversation_id"], None)
