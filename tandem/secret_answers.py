"""How the bot tells the gateway, and its own tracker store, that a message was consumed as a secret.

The verification form takes an account number, PIN or date of birth from whatever message holds one,
whichever question was asked. Its validation action then sends a custom message carrying the Rasa id
of that customer message; the gateway masks its copy and Rasa's tracker store (bot/tracker_store.py)
masks the user event before it is written. No dependencies: Rasa's Python 3.10 imports this too.
"""

from __future__ import annotations

from typing import Any

MASKED_TEXT = "[security details hidden]"
# The custom message's only key; its value is the Rasa message id of the consumed customer message.
SECRET_ANSWER_KEY = "secret_answer"


def secret_answer_marker(message_id: str | None) -> dict[str, Any]:
    """The custom message the validation action sends when it takes a secret from the latest message."""
    return {SECRET_ANSWER_KEY: message_id or ""}


def marked_message_id(custom: Any) -> str | None:
    """The consumed message's id if `custom` (a bot message's custom payload) is a marker, else None;
    an empty string when the marker names no id (the latest message is meant)."""
    if isinstance(custom, dict) and isinstance(custom.get(SECRET_ANSWER_KEY), str):
        return str(custom[SECRET_ANSWER_KEY])
    return None
