"""The gateway's handle on the knowledge index, loaded in the background because the model takes seconds."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tandem.config import Settings

if TYPE_CHECKING:
    from knowledge_index import KnowledgeIndex

log = logging.getLogger(__name__)


@dataclass
class KnowledgeState:
    index: KnowledgeIndex | None = None
    error: str | None = "loading"

    async def load(self, settings: Settings) -> None:
        def load_blocking() -> KnowledgeIndex:
            from knowledge_index import KnowledgeIndex

            return KnowledgeIndex.load(settings.resolve(settings.knowledge.index_dir))

        try:
            self.index = await asyncio.to_thread(load_blocking)
            self.error = None
        except Exception as exc:  # The gateway still chats without the index; /health says why.
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("knowledge index not loaded", extra={"error": self.error})
