"""What the gateway sends Rasa with a customer message besides its text, and how Rasa's side reads it.

The channel (web, voice) lets the bot shape its answer for the phone. The gateway's id for the message
lets Rasa's channel answer a replayed message from its tracker rather than take it twice
(bot/replayed_turns.py). No dependencies: Rasa's Python 3.10 imports this too.
"""

from __future__ import annotations

from typing import Any

# In a user message's metadata: the gateway's id for it (its row in the gateway's store).
MESSAGE_ID_KEY = "tandem_message_id"
REPLAY_KEY = "replay"


def turn_metadata(channel: str, message_id: int, replay: bool) -> dict[str, Any]:
    metadata: dict[str, Any] = {"channel": channel, MESSAGE_ID_KEY: message_id}
    if replay:
        metadata[REPLAY_KEY] = True
    return metadata


def replayed_message_id(metadata: dict[str, Any]) -> int | None:
    """The gateway's id for a message it sends again, or None for a first delivery."""
    message_id = metadata.get(MESSAGE_ID_KEY)
    replayed = metadata.get(REPLAY_KEY) is True and type(message_id) is int
    return message_id if replayed else None
