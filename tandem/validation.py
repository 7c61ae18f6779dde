"""Checks on what a customer sends, as pure functions returning a clear, stable error."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any


# Not frozen: raising it through an async context manager (engine.begin()) sets its __traceback__,
# which a frozen, slotted dataclass refuses with a TypeError, turning a 409 into a 500.
@dataclass(eq=False)
class InputError(Exception):
    code: str
    message: str
    http_status: int = 400

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


# Newlines and tabs are ordinary in typed text; every other control character means binary data.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("invalid_encoding", "The message must be UTF-8 text.") from exc


def parse_json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("malformed_json", f"The body is not valid JSON: {exc.msg}.") from exc
    if not isinstance(value, dict):
        raise InputError("malformed_json", "The body must be a JSON object.")
    return value


def message_text(value: Any, max_bytes: int) -> str:
    """The customer's text, stripped, or an InputError saying why it cannot be accepted."""
    if not isinstance(value, str):
        raise InputError("invalid_message", "'text' must be a string.")
    text = value.strip()
    if not text:
        raise InputError("empty_message", "The message is empty.")
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise InputError(
            "message_too_large", f"The message is {size} bytes; the limit is {max_bytes} bytes.", 413
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text):
        raise InputError("invalid_characters", "The message contains binary or control characters.")
    return text


def conversation_id(value: str) -> str:
    # Ids are uuid4 hex; checking the shape first keeps junk out of SQL and logs.
    if len(value) != 32 or any(ch not in "0123456789abcdef" for ch in value):
        raise InputError("unknown_conversation", "No such conversation.", 404)
    return value


def visitor_id(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not 8 <= len(value) <= 128
        or not value.isascii()
        or not value.isprintable()
    ):
        raise InputError("invalid_visitor", "'visitor_id' must be 8-128 printable ASCII characters.")
    return value


def button_payload(value: Any, max_bytes: int) -> str | None:
    """A quick-reply button's payload for the bot (Rasa's "/intent{...}" form), when one was clicked."""
    if value is None:
        return None
    payload = message_text(value, max_bytes)
    if not payload.startswith("/"):
        raise InputError("invalid_payload", "A button payload starts with '/'.")
    return payload
