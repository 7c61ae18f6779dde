"""The designer's NLU inbox, pure: which customer messages need a look, and near-duplicates grouped so one
label covers a group.

A message needs a look when the NLU sent it to fallback, was less sure than the threshold, belonged to a
conversation that went to a person because the bot kept failing, or an agent flagged it on the desk as
misunderstood. Messages that may hold a secret (a masked answer, a long run of digits) are never offered:
they would end up in training data kept in git.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from handoff.hotspots import cluster_labels

FALLBACK_INTENT = "nlu_fallback"
# Cosine distance (MiniLM) within which two messages say the same thing, so one label fits both. Measured
# on tests/test_workbench_inbox.py's messages: paraphrases lie 0.05-0.23 apart, while "I was charged twice"
# and "why was I charged a fee" (different intents) lie 0.36 apart: two labels are cheaper than a wrong one.
GROUP_DISTANCE = 0.3
# An account or card number, a sort code, a phone number: never written into training data.
DIGITS = re.compile(r"\d[\d -]{4,}\d")
# Rasa reads [text](entity) in an example as an entity annotation.
ANNOTATION = re.compile(r"\[|\]\(")
MAX_CHARS = 300
SUGGESTIONS = 3


class Why(StrEnum):
    FALLBACK = "fallback"
    LOW_CONFIDENCE = "low_confidence"
    ESCALATED = "escalated"  # the conversation went to a person because the bot kept failing
    FLAGGED = "flagged"  # an agent said the bot misunderstood it


@dataclass(frozen=True, slots=True)
class Candidate:
    message_id: int
    conversation_id: str
    text: str
    intent: str | None
    confidence: float | None
    masked: bool = False
    escalated: bool = False
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    messages: tuple[Candidate, ...]
    reasons: tuple[Why, ...]
    suggestions: tuple[str, ...]  # the intents the NLU predicted for them, most frequent first


def reasons(message: Candidate, threshold: float) -> tuple[Why, ...]:
    found = []
    if message.intent == FALLBACK_INTENT:
        found.append(Why.FALLBACK)
    elif message.confidence is not None and message.confidence < threshold:
        found.append(Why.LOW_CONFIDENCE)
    if message.escalated:
        found.append(Why.ESCALATED)
    if message.flagged:
        found.append(Why.FLAGGED)
    return tuple(found)


def offerable(message: Candidate) -> bool:
    """A message that may become a training example as it is written."""
    text = message.text.strip()
    return (
        bool(text)
        and not message.masked
        and len(text) <= MAX_CHARS
        and not DIGITS.search(text)
        and not ANNOTATION.search(text)
    )


def example_text(text: str) -> str:
    """One line, as a training example is written."""
    return " ".join(text.split())


def group(
    messages: Sequence[Candidate], vectors: np.ndarray, threshold: float, distance: float = GROUP_DISTANCE
) -> list[Group]:
    """Near-duplicates together (unit vectors, one row per message), largest group first; a message
    nothing resembles is a group of its own."""
    if not messages:
        return []
    labels = cluster_labels(vectors, distance)
    members: dict[int, list[Candidate]] = {}
    for label, message in zip(labels, messages, strict=True):
        members.setdefault(int(label), []).append(message)
    groups = [_group(found, threshold) for found in members.values()]
    return sorted(groups, key=lambda g: (-len(g.messages), -max(m.message_id for m in g.messages)))


def _group(messages: list[Candidate], threshold: float) -> Group:
    why = {reason for m in messages for reason in reasons(m, threshold)}
    predicted = Counter(m.intent for m in messages if m.intent and m.intent != FALLBACK_INTENT)
    return Group(
        tuple(sorted(messages, key=lambda m: -m.message_id)),
        tuple(sorted(why)),
        tuple(intent for intent, _ in predicted.most_common(SUGGESTIONS)),
    )
