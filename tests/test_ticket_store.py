"""Tickets on a real SQLite file: created with their due times, changed with their history, and all
still there after a restart; the callback number is the one the customer called from."""

from __future__ import annotations

from pathlib import Path

from handoff.store import HandoffStore
from handoff.ticket_store import TicketFilter, TicketStore, phone_number_of
from handoff.tickets import Sla, TicketKind, TicketStatus
from tandem.store import Store

SLA = Sla(first_response_s=3600.0, resolution_s=86400.0)


async def open_stores(path: Path) -> tuple[Store, TicketStore]:
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    await HandoffStore.open(store.engine)  # creates the handoff tables, tickets among them
    return store, TicketStore(store.engine)


async def test_a_ticket_and_its_history_survive_a_restart(tmp_path: Path) -> None:
    store, tickets = await open_stores(tmp_path / "tandem.sqlite")
    conversation = await store.start_conversation(
        await store.customer_for_identity("web", "visitor-1"), "web"
    )
    ticket = await tickets.create(
        conversation_id=conversation.id, contact_id=None, kind=TicketKind.MESSAGE, channel="web",
        queue="cards", priority=3, subject="Where is my new card?", callback_number=None,
        context={"reason": "request_human"}, sla=SLA, now=1000.0,
    )  # fmt: skip
    assert (ticket.status, ticket.first_response_due, ticket.resolution_due) == (
        TicketStatus.OPEN,
        4600.0,
        87400.0,
    )
    replied = await tickets.record(ticket, "reply", "It left today.", 2000.0, status=TicketStatus.PENDING_CUSTOMER,
                                   first_response_at=2000.0)  # fmt: skip
    assert replied.status is TicketStatus.PENDING_CUSTOMER and replied.updated_at == 2000.0
    await store.close()

    store, tickets = await open_stores(tmp_path / "tandem.sqlite")
    again = await tickets.get(ticket.id)
    assert again == replied
    assert [(e.kind, e.text) for e in await tickets.events(ticket.id)] == [
        ("created", "Where is my new card?"),
        ("reply", "It left today."),
    ]
    assert await tickets.open_for_conversation(conversation.id) == replied
    assert [t.id for t in await tickets.search(TicketFilter(statuses=(TicketStatus.PENDING_CUSTOMER,)))] == [
        ticket.id
    ]
    assert await tickets.search(TicketFilter(statuses=(TicketStatus.OPEN,))) == []
    assert await tickets.search(TicketFilter(queue="payments")) == []
    await tickets.record(again, "status", "closed", 3000.0, status=TicketStatus.CLOSED)
    assert await tickets.open_for_conversation(conversation.id) is None  # a closed ticket takes no replies
    await store.close()


async def test_the_callback_number_is_where_the_customer_called_from(tmp_path: Path) -> None:
    store, _ = await open_stores(tmp_path / "tandem.sqlite")
    caller = await store.customer_for_identity("phone", "+447700900123")
    call = await store.start_conversation(caller, "phone")
    chat = await store.start_conversation(await store.customer_for_identity("web", "visitor-2"), "web")
    assert await phone_number_of(store.engine, call.id) == "+447700900123"
    assert await phone_number_of(store.engine, chat.id) is None  # nobody knows this visitor's number
    await store.close()
