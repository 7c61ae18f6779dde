"""The frames the handoff sends: to agents' desks (by agent id) and to a conversation's sockets (its
handoff status). One place, so the desk's JavaScript and the voice gateway have one list to follow."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class OfferFrame(TypedDict):
    type: Literal["offer"]
    offer: dict[str, Any]


class OfferClosedFrame(TypedDict):
    type: Literal["offer_closed"]
    offer_id: str
    outcome: Literal["accepted", "declined", "expired", "withdrawn"]


class ContactFrame(TypedDict):
    type: Literal["contact"]
    contact: dict[str, Any]


class ContactRemovedFrame(TypedDict):
    type: Literal["contact_removed"]
    contact_id: str


class MessageFrame(TypedDict):
    type: Literal["message"]
    contact_id: str
    message: dict[str, Any]


class SuggestionsFrame(TypedDict):
    type: Literal["suggestions"]
    contact_id: str
    articles: list[dict[str, Any]]


class ContextFrame(TypedDict):
    type: Literal["context"]
    contact_id: str
    context: dict[str, Any]


class AgentFrame(TypedDict):
    type: Literal["agent"]
    agent: dict[str, Any]


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str


class HelloFrame(TypedDict):
    """Every (re)connect starts with the agent's whole current work."""

    type: Literal["hello"]
    agent: dict[str, Any]
    contacts: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    queues: list[str]
    dispositions: list[str]
    server_time: str | None


class StatsFrame(TypedDict):
    type: Literal["stats"]
    stats: dict[str, Any]


class AgentShown(TypedDict):
    display_name: str
    sip_uri: str | None


class HandoffFrame(TypedDict):
    """On the conversation's own sockets (the chat page, the voice gateway)."""

    type: Literal["handoff"]
    status: Literal["queued", "agent", "bot", "ticket"]
    queue: NotRequired[str]
    agent: NotRequired[AgentShown]


class QueueStatusFrame(TypedDict):
    """To a waiting chat customer's sockets: the live position, when no new message is worth writing."""

    type: Literal["queue_status"]
    queue_position: int
    expected_wait_s: int


class TypingFrame(TypedDict):
    """To a desk: the customer of a contact it works is typing (or stopped)."""

    type: Literal["typing"]
    contact_id: str
    on: bool


class NoticeFrame(TypedDict):
    """Something the agent should know that is no error, e.g. that a callback they took is being dialled."""

    type: Literal["notice"]
    message: str


DeskFrame = (
    OfferFrame
    | OfferClosedFrame
    | ContactFrame
    | ContactRemovedFrame
    | MessageFrame
    | SuggestionsFrame
    | ContextFrame
    | AgentFrame
    | ErrorFrame
    | HelloFrame
    | NoticeFrame
    | TypingFrame
)
