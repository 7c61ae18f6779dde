"""Complaint hot spots (handoff/hotspots.py): labels by class-based TF-IDF, groups, trend and example
with a stand-in embedder whose vectors are written by hand; and which conversations count as
complaints, read from the store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from handoff.hotspots import Document, complaint_documents, distinctive_terms, hot_spots
from handoff.store import HandoffStore
from tandem.store import Sender, Store

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


class ByKeyword:
    """A vector per theme keyword in the text: texts sharing a keyword are the same point."""

    name = "by-keyword"
    dim = 3
    KEYWORDS = ("card", "app", "branch")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            row = np.array([1.0 if k in text else 0.0 for k in self.KEYWORDS]) + 0.01
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32)


def docs(*texts: str) -> list[Document]:
    return [Document(f"c{i}", NOW, text) for i, text in enumerate(texts)]


def test_distinctive_terms_are_what_sets_a_group_apart() -> None:
    groups = [
        ["my card was declined in Spain", "card declined at the hotel"],
        ["the app logs me out", "app login loop"],
    ]
    cards, app = distinctive_terms(groups, top=2)
    assert set(cards) == {"card", "declined"} and "app" in app


def test_groups_of_three_or_more_are_hot_spots_with_their_trend_and_an_example() -> None:
    current = docs(
        "card declined in Rome",
        "my card was refused",
        "card rejected at the airport",
        "card declined again",
        "the app logs me out",
        "app keeps asking for my passcode",
        "app stuck on login",
        "closing my branch",  # alone: no hot spot
    )
    previous = docs("card declined last week", "the app crashed")
    spots = hot_spots(current, previous, ByKeyword())
    assert [(s.size, s.previous) for s in spots] == [(4, 1), (3, 1)]
    assert "card" in spots[0].terms and "app" in spots[1].terms
    assert spots[0].example.conversation_id in spots[0].conversation_ids
    assert hot_spots([], previous, ByKeyword()) == []


async def test_complaint_conversations_are_those_routed_as_complaints_or_said_angrily(store_url: str) -> None:
    store = await Store.open(store_url)
    await HandoffStore.open(store.engine)
    try:
        said = {
            "calm": ("What time do you open?", None, None),
            "angry": ("This is a disgrace, you charged me twice!", None, {"sentiment": -0.8}),
            "complaint": ("I want to make a complaint about the app", "complaint", {"sentiment": -0.1}),
        }
        ids = {}
        for name, (text, intent, data) in said.items():
            conversation = await store.start_conversation(await store.new_customer(), "web")
            message = await store.add_message(conversation.id, "web", Sender.CUSTOMER, text, data=data)
            if intent:
                await store.record_bot_turn(message, (intent, 0.9, []), None, [])
            ids[name] = conversation.id
        found = await complaint_documents(
            store.engine, NOW - timedelta(days=3650), NOW + timedelta(days=3650)
        )
        assert {d.conversation_id for d in found} == {ids["angry"], ids["complaint"]}
        assert not await complaint_documents(
            store.engine, NOW + timedelta(days=3650), NOW + timedelta(days=3651)
        )
    finally:
        await store.close()
