"""The conversation store, on each store Tandem supports (tests/conftest.py store_url): SQLite and a real
PostgreSQL."""

import sqlite3
from pathlib import Path

import pytest

from tandem.store import Delivery, Sender, Store


async def test_identity_maps_to_one_customer_across_conversations(store_url: str) -> None:
    store = await Store.open(store_url)
    first = await store.customer_for_identity("web", "visitor-123")
    again = await store.customer_for_identity("web", "visitor-123")
    other = await store.customer_for_identity("phone", "visitor-123")
    assert first == again
    assert other != first
    await store.close()


async def test_transcript_keeps_order_sender_and_nlu(store_url: str) -> None:
    store = await Store.open(store_url)
    customer = await store.customer_for_identity("web", "visitor-abc")
    conversation = await store.start_conversation(customer, "web")
    said = await store.add_message(
        conversation.id, "web", Sender.CUSTOMER, "I lost my card", bot_delivery=Delivery.PENDING
    )
    await store.record_bot_turn(
        said, ("card_lost_stolen", 0.97, [{"entity": "card_type", "value": "debit"}]), None, []
    )
    await store.add_message(conversation.id, "web", Sender.BOT, "Sorry to hear that.")
    transcript = await store.transcript(conversation.id)
    assert [(m.sender, m.text) for m in transcript] == [
        ("customer", "I lost my card"),
        ("bot", "Sorry to hear that."),
    ]
    assert transcript[0].intent == "card_lost_stolen"
    assert transcript[0].confidence == 0.97
    assert transcript[0].data == {"entities": [{"entity": "card_type", "value": "debit"}]}
    assert transcript[0].created_at.tzinfo is not None
    await store.close()


async def test_pending_messages_survive_a_restart(store_url: str) -> None:
    store = await Store.open(store_url)
    customer = await store.customer_for_identity("web", "visitor-xyz")
    conversation = await store.start_conversation(customer, "web")
    for text in ("first", "second"):
        await store.add_message(conversation.id, "web", Sender.CUSTOMER, text, bot_delivery=Delivery.PENDING)
    await store.close()

    reopened = await Store.open(store_url)
    pending = await reopened.pending_messages()
    assert [m.text for m in pending] == ["first", "second"]
    assert await reopened.count_pending() == 2
    await reopened.record_bot_turn(pending[0], ("greet", 0.9, []), None, [])
    assert [m.text for m in await reopened.pending_messages(conversation.id)] == ["second"]
    assert not await reopened.is_pending(pending[0].id) and await reopened.is_pending(pending[1].id)
    await reopened.close()


async def test_verifying_on_a_second_channel_merges_the_customers(store_url: str) -> None:
    store = await Store.open(store_url)
    visitor = await store.customer_for_identity("web", "visitor-1")
    chat = await store.start_conversation(visitor, "web")
    caller = await store.customer_for_identity("phone", "+447700900123")
    call = await store.start_conversation(caller, "phone")

    assert await store.link_customer(chat.id, "bank", "C1001", "Ben", "vip") == visitor
    assert await store.link_customer(call.id, "bank", "C1001", None, None) == visitor
    profile = await store.customer_profile(visitor)
    assert profile["display_name"] == "Ben" and profile["tier"] == "vip"
    assert {(i["channel"], i["external_id"]) for i in profile["identities"]} == {
        ("web", "visitor-1"), ("phone", "+447700900123"), ("bank", "C1001")
    }  # fmt: skip
    assert {h["conversation_id"] for h in profile["history"]} == {chat.id, call.id}
    assert await store.customer_for_identity("phone", "+447700900123") == visitor
    await store.close()


async def test_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite'}")
    await store.ping()
    await store.close()
    with sqlite3.connect(tmp_path / "tandem.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.security
async def test_two_people_verified_as_different_customers_are_never_merged(store_url: str) -> None:
    """One handset (or one shared browser), two people: caller ID is a hint, never proof."""
    store = await Store.open(store_url)
    handset = await store.customer_for_identity("phone", "+447700900123")
    first = await store.start_conversation(handset, "phone")
    second = await store.start_conversation(handset, "phone")

    alice = await store.link_customer(first.id, "bank", "1", "Alice", "standard")
    ben = await store.link_customer(second.id, "bank", "2", "Ben", "vip")
    assert alice == handset and ben != alice
    alice_profile, ben_profile = await store.customer_profile(alice), await store.customer_profile(ben)
    assert (alice_profile["display_name"], ben_profile["display_name"]) == ("Alice", "Ben")
    assert [h["conversation_id"] for h in alice_profile["history"]] == [first.id]
    assert [h["conversation_id"] for h in ben_profile["history"]] == [second.id]
    assert {(i["channel"], i["external_id"]) for i in ben_profile["identities"]} == {("bank", "2")}

    # Ben calls again from the handset and verifies: his conversation joins his record, not Alice's.
    third = await store.start_conversation(handset, "phone")
    assert await store.link_customer(third.id, "bank", "2", None, None) == ben
    assert (await store.customer_profile(alice))["display_name"] == "Alice"
    assert {h["conversation_id"] for h in (await store.customer_profile(ben))["history"]} == {
        second.id,
        third.id,
    }
    # Linking again on later turns changes nothing.
    assert await store.link_customer(third.id, "bank", "2", None, None) == ben
    await store.close()


@pytest.mark.security
async def test_withheld_callers_are_customers_of_their_own(store_url: str) -> None:
    store = await Store.open(store_url)
    first, second = await store.new_customer(), await store.new_customer()
    assert first != second
    assert (await store.customer_profile(first))["identities"] == []
    await store.close()


async def test_a_masked_message_keeps_nothing_derived_from_its_text(store_url: str) -> None:
    store = await Store.open(store_url)
    conversation = await store.start_conversation(await store.new_customer(), "web")
    said = await store.add_message(
        conversation.id, "web", Sender.CUSTOMER, "482913", data={"sentiment": 0.1, "answering": "x"}
    )
    masked = await store.mask_message(said, "[hidden]")
    assert (masked.text, masked.data) == ("[hidden]", {"answering": "x", "masked": True})
    [stored] = await store.transcript(conversation.id)
    assert (stored.text, stored.data) == ("[hidden]", {"answering": "x", "masked": True})
    await store.close()


async def test_pending_count_is_what_will_be_replayed(store_url: str) -> None:
    """A closed conversation's unsent messages are never replayed, so the pending gauge must not
    count them either, or it never returns to zero."""
    store = await Store.open(store_url)
    customer = await store.customer_for_identity("web", "visitor-gone")
    left = await store.start_conversation(customer, "web")
    staying = await store.start_conversation(customer, "web")
    for conversation in (left, staying):
        await store.add_message(
            conversation.id, "web", Sender.CUSTOMER, "hello?", bot_delivery=Delivery.PENDING
        )
    await store.close_conversation(left.id, {"reason": "customer_left"})
    assert [m.conversation_id for m in await store.pending_messages()] == [staying.id]
    assert await store.count_pending() == 1
    await store.close()
