"""The conversation store: customers with identities per channel, conversations, and messages.

SQLAlchemy Core over an async driver, so the embedded SQLite default and PostgreSQL (asyncpg)
differ only in `store_url`. Chat, voice and human handoff all write to the same conversations.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tandem.schema import migrate

metadata = sa.MetaData()

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("display_name", sa.String(200)),
    sa.Column("tier", sa.String(20), nullable=False, server_default="standard"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

identities = sa.Table(
    "identities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("customer_id", sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.UniqueConstraint("channel", "external_id"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("customer_id", sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    # The form slot the bot last asked for; decides whether the next customer message is a secret.
    sa.Column("awaiting_slot", sa.String(100)),
    # How it ended and what it left behind (close reason, call recording path).
    sa.Column("outcome", sa.JSON),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("sender", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(100)),
    sa.Column("confidence", sa.Float),
    # Customer messages only: whether the bot has seen it. "pending" ones are replayed when the bot returns.
    sa.Column("bot_delivery", sa.String(20)),
    sa.Column("data", sa.JSON),
    sa.Index("ix_messages_conversation", "conversation_id", "id"),
    sa.Index("ix_messages_bot_delivery", "bot_delivery"),
)


class Sender(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Delivery(StrEnum):
    DELIVERED = "delivered"
    PENDING = "pending"
    # A secret (PIN, date of birth) the bot could not take: only its mask is stored, so it is never replayed.
    WITHHELD = "withheld"
    # Said while a person has the conversation (or queued for one): for the agent, never the bot.
    TO_AGENT = "agent"


class ConversationStatus(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    # Waiting on the team's written answer to a ticket (handoff/ticket_service.py): still open to the customer.
    TICKET = "ticket"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    customer_id: str
    channel: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: str
    created_at: datetime
    channel: str
    sender: str
    text: str
    intent: str | None
    confidence: float | None
    bot_delivery: str | None
    data: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "channel": self.channel,
            "sender": self.sender,
            "text": self.text,
            "intent": self.intent,
            "confidence": self.confidence,
            "data": self.data,
        }


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _message(row: sa.Row[Any]) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        created_at=_aware(row.created_at),
        channel=row.channel,
        sender=row.sender,
        text=row.text,
        intent=row.intent,
        confidence=row.confidence,
        bot_delivery=row.bot_delivery,
        data=row.data,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (health, dashboards) run beside the writer; NORMAL is durable across app crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, url: str) -> Store:
        engine = create_async_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        return cls(engine)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def close(self) -> None:
        await self._engine.dispose()

    async def ping(self) -> int:
        """Cheap liveness check that also proves the schema is there; returns the conversation count."""
        async with self._engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(conversations)) or 0)

    async def new_customer(self) -> str:
        """A customer known by nothing yet (a caller with a withheld number)."""
        customer_id = uuid.uuid4().hex
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(customers).values(id=customer_id, created_at=utcnow()))
        return customer_id

    async def customer_for_identity(self, channel: str, external_id: str) -> str:
        """The customer behind a channel identity, created on first contact."""
        async with self._engine.begin() as conn:
            found = await conn.scalar(
                sa.select(identities.c.customer_id).where(
                    identities.c.channel == channel, identities.c.external_id == external_id
                )
            )
            if found:
                return str(found)
            customer_id = uuid.uuid4().hex
            await conn.execute(sa.insert(customers).values(id=customer_id, created_at=utcnow()))
            await conn.execute(
                sa.insert(identities).values(
                    customer_id=customer_id, channel=channel, external_id=external_id
                )
            )
            return customer_id

    async def link_customer(
        self,
        conversation_id: str,
        channel: str,
        external_id: str,
        display_name: str | None,
        tier: str | None,
    ) -> str:
        """Attach a verified identity (the bank's customer number) to the conversation's customer.

        A caller is first known by their number and a web visitor by their browser; once either proves
        who they are, both become the same customer, so each sees the other channel's history. A number
        or a browser proves nothing, though: a customer already verified as someone else is never merged.
        The conversation then moves, alone, to the verified customer (a fresh one on first contact).
        Returns the customer the conversation now belongs to.
        """
        async with self._engine.begin() as conn:
            current = str(
                await conn.scalar(
                    sa.select(conversations.c.customer_id).where(conversations.c.id == conversation_id)
                )
            )
            owner = await conn.scalar(
                sa.select(identities.c.customer_id).where(
                    identities.c.channel == channel, identities.c.external_id == external_id
                )
            )
            verified_as_other = await conn.scalar(
                sa.select(identities.c.id).where(
                    identities.c.customer_id == current,
                    identities.c.channel == channel,
                    identities.c.external_id != external_id,
                )
            )
            survivor = str(owner) if owner else current
            if verified_as_other is not None and owner is None:
                survivor = uuid.uuid4().hex
                await conn.execute(sa.insert(customers).values(id=survivor, created_at=utcnow()))
            if owner is None:
                await conn.execute(
                    sa.insert(identities).values(
                        customer_id=survivor, channel=channel, external_id=external_id
                    )
                )
            if verified_as_other is not None:
                await conn.execute(
                    sa.update(conversations)
                    .where(conversations.c.id == conversation_id)
                    .values(customer_id=survivor)
                )
            elif survivor != current:
                for table in (identities, conversations):
                    await conn.execute(
                        sa.update(table).where(table.c.customer_id == current).values(customer_id=survivor)
                    )
                await conn.execute(sa.delete(customers).where(customers.c.id == current))
            profile = {k: v for k, v in {"display_name": display_name, "tier": tier}.items() if v}
            if profile:
                await conn.execute(sa.update(customers).where(customers.c.id == survivor).values(**profile))
        return survivor

    async def customer_tier(self, customer_id: str) -> str:
        async with self._engine.connect() as conn:
            tier = await conn.scalar(sa.select(customers.c.tier).where(customers.c.id == customer_id))
        return str(tier or "standard")

    async def customer_profile(self, customer_id: str) -> dict[str, Any]:
        """Who the customer is, every identity they have used, and their conversations, newest first."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(customers).where(customers.c.id == customer_id))).first()
            ids = await conn.execute(
                sa.select(identities.c.channel, identities.c.external_id).where(
                    identities.c.customer_id == customer_id
                )
            )
            history = await conn.execute(
                sa.select(conversations)
                .where(conversations.c.customer_id == customer_id)
                .order_by(conversations.c.created_at.desc())
                .limit(50)
            )
            return {
                "id": customer_id,
                "display_name": row.display_name if row else None,
                "tier": row.tier if row else "standard",
                "identities": [{"channel": c, "external_id": e} for c, e in ids],
                "history": [
                    {
                        "conversation_id": h.id,
                        "channel": h.channel,
                        "created_at": _aware(h.created_at).isoformat(),
                        "status": h.status,
                        "outcome": h.outcome,
                    }
                    for h in history
                ],
            }

    async def status(self, conversation_id: str) -> str | None:
        async with self._engine.connect() as conn:
            return await conn.scalar(
                sa.select(conversations.c.status).where(conversations.c.id == conversation_id)
            )

    async def set_status(self, conversation_id: str, status: ConversationStatus) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(conversations).where(conversations.c.id == conversation_id).values(status=status)
            )

    async def start_conversation(self, customer_id: str, channel: str) -> Conversation:
        now = utcnow()
        conversation = Conversation(uuid.uuid4().hex, customer_id, channel, ConversationStatus.BOT, now)
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(conversations).values(
                    id=conversation.id,
                    customer_id=customer_id,
                    channel=channel,
                    status=conversation.status,
                    created_at=now,
                    updated_at=now,
                )
            )
        return conversation

    async def conversation_customer(self, conversation_id: str) -> str:
        async with self._engine.connect() as conn:
            return str(
                await conn.scalar(
                    sa.select(conversations.c.customer_id).where(conversations.c.id == conversation_id)
                )
            )

    async def awaiting_team(self, customer_id: str, channel: str) -> Conversation | None:
        """The customer's latest conversation on that channel still waiting on the team's answer."""
        query = (
            sa.select(conversations.c.id)
            .where(
                conversations.c.customer_id == customer_id,
                conversations.c.channel == channel,
                conversations.c.status == ConversationStatus.TICKET,
            )
            .order_by(conversations.c.created_at.desc())
            .limit(1)
        )
        async with self._engine.connect() as conn:
            found = await conn.scalar(query)
        return await self.get_conversation(str(found)) if found else None

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(sa.select(conversations).where(conversations.c.id == conversation_id))
            ).first()
        if row is None:
            return None
        return Conversation(row.id, row.customer_id, row.channel, row.status, _aware(row.created_at))

    async def add_message(
        self,
        conversation_id: str,
        channel: str,
        sender: Sender,
        text: str,
        *,
        bot_delivery: Delivery | None = None,
        data: dict[str, Any] | None = None,
    ) -> Message:
        now = utcnow()
        async with self._engine.begin() as conn:
            message = await _insert_message(
                conn, conversation_id, now, channel, sender, text, bot_delivery=bot_delivery, data=data
            )
            await conn.execute(
                sa.update(conversations).where(conversations.c.id == conversation_id).values(updated_at=now)
            )
        return message

    async def record_bot_turn(
        self,
        message: Message,
        turn: tuple[str | None, float | None, list[Any]],
        awaiting_slot: str | None,
        replies: Sequence[tuple[str, dict[str, Any] | None]],
        knowledge: dict[str, Any] | None = None,
    ) -> list[Message]:
        """The bot's answer to a message, in one transaction: the message delivered (turn: intent,
        confidence, entities; knowledge: what the help centre gave for it), the slot the bot now asks
        for, and its replies. A gateway that dies midway leaves the message pending, to be answered
        again in full, never half answered."""
        now = utcnow()
        async with self._engine.begin() as conn:
            await conn.execute(_delivered(message, *turn, knowledge=knowledge))
            await conn.execute(
                sa.update(conversations)
                .where(conversations.c.id == message.conversation_id)
                .values(awaiting_slot=awaiting_slot, updated_at=now)
            )
            stored = [
                await _insert_message(
                    conn, message.conversation_id, now, message.channel, Sender.BOT, text, data=data
                )
                for text, data in replies
            ]
        return stored

    async def mask_message(self, message: Message, masked_text: str) -> Message:
        """Replace a customer message found to be a security answer by its mask; nothing derived from
        its text (sentiment, entities) is kept either."""
        kept = {k: v for k, v in (message.data or {}).items() if k in ("payload", "answering")}
        masked = replace(message, text=masked_text, data={**kept, "masked": True})
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(messages)
                .where(messages.c.id == message.id)
                .values(text=masked.text, data=masked.data)
            )
        return masked

    async def close_conversation(self, conversation_id: str, outcome: dict[str, Any]) -> None:
        now = utcnow()
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(status=ConversationStatus.CLOSED, closed_at=now, updated_at=now, outcome=outcome)
            )

    async def reopen(self, conversation_id: str, status: ConversationStatus) -> None:
        """A closed conversation taken up again (the team answered the ticket it left): its outcome stays."""
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(status=status, closed_at=None, updated_at=utcnow())
            )

    async def set_outcome_field(self, conversation_id: str, key: str, value: Any) -> None:
        async with self._engine.begin() as conn:
            outcome = await conn.scalar(
                sa.select(conversations.c.outcome).where(conversations.c.id == conversation_id)
            )
            await conn.execute(
                sa.update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(outcome={**(outcome or {}), key: value})
            )

    async def outcome(self, conversation_id: str) -> dict[str, Any] | None:
        async with self._engine.connect() as conn:
            return await conn.scalar(
                sa.select(conversations.c.outcome).where(conversations.c.id == conversation_id)
            )

    async def awaiting_slot(self, conversation_id: str) -> str | None:
        async with self._engine.connect() as conn:
            return await conn.scalar(
                sa.select(conversations.c.awaiting_slot).where(conversations.c.id == conversation_id)
            )

    async def withhold(self, message: Message) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.update(messages).where(messages.c.id == message.id).values(bot_delivery=Delivery.WITHHELD)
            )

    async def transcript(self, conversation_id: str, after_id: int = 0) -> list[Message]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(messages)
                .where(messages.c.conversation_id == conversation_id, messages.c.id > after_id)
                .order_by(messages.c.id)
            )
            return [_message(row) for row in rows]

    async def offered_payloads(self, conversation_id: str, lookback: int = 20) -> frozenset[str]:
        """The payloads of the buttons offered last in the conversation (by the bot or the queue)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(messages.c.data)
                .where(messages.c.conversation_id == conversation_id, messages.c.sender != Sender.CUSTOMER)
                .order_by(messages.c.id.desc())
                .limit(lookback)
            )
            for (data,) in rows:
                buttons = (data or {}).get("buttons")
                if buttons:
                    return frozenset(str(b.get("payload")) for b in buttons if isinstance(b, dict))
        return frozenset()

    async def pending_messages(self, conversation_id: str | None = None) -> Sequence[Message]:
        """Customer messages the bot never saw, oldest first, in open conversations."""
        query = sa.select(messages).where(_replayable()).order_by(messages.c.id)
        if conversation_id is not None:
            query = query.where(messages.c.conversation_id == conversation_id)
        async with self._engine.connect() as conn:
            return [_message(row) for row in await conn.execute(query)]

    async def is_pending(self, message_id: int) -> bool:
        async with self._engine.connect() as conn:
            delivery = await conn.scalar(
                sa.select(messages.c.bot_delivery).where(messages.c.id == message_id)
            )
        return delivery == Delivery.PENDING

    async def count_pending(self) -> int:
        """As many as pending_messages() replays: a closed conversation's are never sent."""
        async with self._engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).where(_replayable())) or 0)


async def _insert_message(
    conn: AsyncConnection,
    conversation_id: str,
    now: datetime,
    channel: str,
    sender: Sender,
    text: str,
    *,
    bot_delivery: Delivery | None = None,
    data: dict[str, Any] | None = None,
) -> Message:
    result = await conn.execute(
        sa.insert(messages).values(
            conversation_id=conversation_id,
            created_at=now,
            channel=channel,
            sender=sender,
            text=text,
            bot_delivery=bot_delivery,
            data=data,
        )
    )
    message_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return Message(message_id, conversation_id, now, channel, sender, text, None, None, bot_delivery, data)


def _delivered(
    message: Message,
    intent: str | None,
    confidence: float | None,
    entities: list[Any],
    knowledge: dict[str, Any] | None = None,
) -> sa.Update:
    added: dict[str, Any] = {"entities": entities} if entities else {}
    if knowledge is not None:
        added["knowledge"] = knowledge
    data = {**(message.data or {}), **added} if added else message.data
    return (
        sa.update(messages)
        .where(messages.c.id == message.id)
        .values(bot_delivery=Delivery.DELIVERED, intent=intent, confidence=confidence, data=data)
    )


def _replayable() -> sa.ColumnElement[bool]:
    """Pending customer messages of conversations in the bot's hands: what the bot replays."""
    return sa.and_(
        messages.c.bot_delivery == Delivery.PENDING,
        messages.c.conversation_id.in_(
            sa.select(conversations.c.id).where(conversations.c.status == ConversationStatus.BOT)
        ),
    )
