"""What the assistant says when the caller stays silent: the question it is waiting on, asked again.

A phone menu that answers silence with "How can I help you today?" after it has just asked "Would you
like the steps?" drops the caller out of their own conversation. IVRs repeat the pending prompt; so do
we, when the bot's last turn ended on a question or an instruction to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
# Sentences that ask the caller to do something, though they end with a full stop.
_REQUESTS = ("say ", "press ", "please ", "type ", "tell me ", "key in ", "enter ")


def pending_request(replies: Sequence[str]) -> str | None:
    """The last question or request in the bot's last reply, or None when it asked for nothing."""
    if not replies:
        return None
    for sentence in reversed(_SENTENCE_END.split(replies[-1].strip())):
        if sentence.endswith("?") or sentence.lower().startswith(_REQUESTS):
            return sentence
    return None


def reprompt(replies: Sequence[str], apology: str, fallback: str) -> list[str]:
    """The lines to say after a silence: the apology and the pending request, or the fallback."""
    request = pending_request(replies)
    return [apology, request] if request else [fallback]
