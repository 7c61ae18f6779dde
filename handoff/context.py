"""The context package an agent receives with a conversation, so the customer never repeats anything.

`build_context` is pure: it turns what the store, Rasa's tracker and the knowledge index hold into the
package. The service gathers those inputs and stores the result with the contact.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bot.actions import slots as slot_names
from handoff.policy import Decision
from handoff.sentiment import moving_average
from tandem.store import Message, Sender

# Slots worth an agent's attention; the rest (form internals, requested_slot) are noise.
HIDDEN_SLOTS = frozenset(
    {slot_names.REQUESTED_SLOT, "session_started_metadata", slot_names.HANDOFF_REQUESTED}
)


def visible_slots(slots: Mapping[str, Any], secret_slots: Collection[str]) -> dict[str, Any]:
    """Filled slots, without secrets (PIN, date of birth) and bookkeeping."""
    return {
        name: value
        for name, value in sorted(slots.items())
        if value not in (None, [], "") and name not in secret_slots and name not in HIDDEN_SLOTS
    }


def articles_shown(slots: Mapping[str, Any]) -> list[dict[str, str]]:
    shown = slots.get(slot_names.KB_ARTICLES_SHOWN) or []
    return [
        {"slug": str(a.get("slug")), "title": str(a.get("title"))}
        for a in shown
        if isinstance(a, dict) and a.get("slug")
    ]


def sentiment_timeline(transcript: Sequence[Message], window: int) -> list[dict[str, Any]]:
    scored = [m for m in transcript if m.sender == Sender.CUSTOMER and "sentiment" in (m.data or {})]
    averages = moving_average([float((m.data or {})["sentiment"]) for m in scored], window)
    return [
        {
            "message_id": m.id,
            "at": m.created_at.isoformat(),
            "score": round(float((m.data or {})["sentiment"]), 3),
            "average": round(avg, 3),
        }
        for m, avg in zip(scored, averages, strict=True)
    ]


def intents(transcript: Sequence[Message]) -> list[dict[str, Any]]:
    return [
        {
            "message_id": m.id,
            "text": m.text,
            "intent": m.intent,
            "confidence": None if m.confidence is None else round(m.confidence, 3),
            "entities": [
                {"entity": e.get("entity"), "value": e.get("value")}
                for e in (m.data or {}).get("entities", [])
            ],
        }
        for m in transcript
        if m.sender == Sender.CUSTOMER and m.intent
    ]


def summarize(
    profile: Mapping[str, Any],
    channel: str,
    transcript: Sequence[Message],
    decision: Decision,
    slots: Mapping[str, Any],
    shown: Sequence[Mapping[str, str]],
) -> str:
    """Two or three sentences an agent reads in five seconds: who, what about, and why they are here."""
    name = profile.get("display_name")
    who = name or "An unidentified customer"
    if profile.get("tier") == "vip":
        who += " (VIP)"
    if slots.get(slot_names.VERIFICATION_STATUS) == slot_names.VERIFIED:
        who += " (identity verified)"
    elif name:  # known only by a phone number or a browser: a hint the agent must not trust
        who = f"Possibly {who}, not verified yet,"
    topics = [m.intent for m in transcript if m.sender == Sender.CUSTOMER and m.intent]
    main = [t for t in dict.fromkeys(reversed(topics)) if t not in {"greet", "affirm", "deny", "thanks"}]
    about = f" about {', '.join(t.replace('_', ' ') for t in main[:3])}" if main else ""
    turns = sum(1 for m in transcript if m.sender == Sender.CUSTOMER)
    medium = "a call" if channel == "phone" else "a chat"
    parts = [f"{who} in {medium}{about}, {turns} message{'s' if turns != 1 else ''} so far."]
    if shown:
        parts.append(f"The bot showed: {', '.join(a['title'] for a in shown)}.")
    parts.append(f"Handed over: {decision.explanation}.")
    return " ".join(parts)


def build_context(
    *,
    profile: Mapping[str, Any],
    channel: str,
    transcript: Sequence[Message],
    slots: Mapping[str, Any],
    secret_slots: Collection[str],
    decision: Decision,
    decided_at: str,
    sentiment_window: int,
    suggestions: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    shown = articles_shown(slots)
    customer = dict(profile)
    customer["verified_customer_id"] = slots.get(slot_names.VERIFIED_CUSTOMER_ID)
    customer["history"] = [
        {**h, "summary": (h.get("outcome") or {}).get("summary") or (h.get("outcome") or {}).get("reason")}
        for h in profile.get("history", [])
    ]
    return {
        "customer": customer,
        "trigger": {
            "reason": decision.reason,
            "explanation": decision.explanation,
            "priority": decision.priority,
            "at": decided_at,
        },
        "intents": intents(transcript),
        "slots": visible_slots(slots, secret_slots),
        "sentiment": sentiment_timeline(transcript, sentiment_window),
        "articles_shown": shown,
        "summary": summarize(profile, channel, transcript, decision, slots, shown),
        "suggestions": list(suggestions),
    }
