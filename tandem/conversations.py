"""The conversation core: every channel hands customer messages here, and this decides who answers.

A message is stored before anything else happens, so nothing a customer said is lost when the bot
is down or slow; such messages stay "pending" and are replayed, in order, when the bot returns.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from tandem.bot_client import BotClient, BotReply, BotTurn, BotUnavailable
from tandem.events import EventHub
from tandem.logs import conversation_id_var
from tandem.metrics import Metrics
from tandem.secret_answers import MASKED_TEXT
from tandem.store import Conversation, ConversationStatus, Delivery, Message, Sender, Store
from tandem.turn_metadata import turn_metadata
from tandem.validation import InputError

log = logging.getLogger(__name__)

BOT_UNAVAILABLE_TEXT = (
    "Sorry, our assistant is unavailable right now. Your message is saved, "
    "and you will get a reply here as soon as it is back."
)


def typed_for_bot(text: str) -> str:
    """Typed text as the bot may read it: Rasa takes a message starting with "/" as an intent with
    entities ("/inform{...}"), which only a button the bot offered may send."""
    unprefixed = text.lstrip().lstrip("/").lstrip()
    return text if unprefixed == text.lstrip() else (unprefixed or "?")


def bot_input(message: Message) -> str:
    """What the bot is given: a clicked button's payload, else what the customer typed."""
    payload = (message.data or {}).get("payload")
    return payload if isinstance(payload, str) else typed_for_bot(message.text)


class HumanSide(Protocol):
    """What the conversation core asks of the human handoff (handoff.service.HandoffService)."""

    def message_data(self, text: str, secret: bool) -> dict[str, Any] | None: ...

    async def after_bot_turn(self, conversation: Conversation, turn: BotTurn | None) -> None: ...

    async def customer_message(self, conversation: Conversation, message: Message) -> None: ...

    def customer_typing(self, conversation_id: str, on: bool) -> None: ...

    async def conversation_closed(self, conversation: Conversation) -> None: ...

    async def bridge_failed(self, conversation_id: str, detail: str) -> None: ...

    async def tap_status(self, conversation_id: str, state: str, detail: str) -> None: ...


# The customer's goodbye, answered by the bot: the phone ends the call on it (after its survey).
FAREWELL_INTENT = "goodbye"


@dataclass(frozen=True, slots=True)
class TurnResult:
    message: Message
    replies: list[BotReply]
    bot_available: bool
    # The bot said goodbye to a customer who said it, and nobody else has the conversation.
    farewell: bool = False


class ConversationService:
    def __init__(
        self,
        store: Store,
        bot: BotClient,
        events: EventHub,
        metrics: Metrics,
        secret_slots: frozenset[str],
        standing_payloads: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self._store = store
        self._secret_slots = secret_slots
        # Payloads a channel may send at any time without a button on offer (the phone's keypad menu).
        self._standing_payloads = standing_payloads or {}
        self._bot = bot
        self.events = events
        self._metrics = metrics
        # A lock lives only while a turn holds or awaits it, so the map does not grow with every
        # conversation ever seen.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.bot_available = True
        self._metrics.bot_up.set(1)
        self.human: HumanSide | None = None
        # With several gateways (tandem/cluster.py), a conversation's turn also holds this lock, shared
        # by all of them: taken after the process's own, so one process never queues twice on it.
        self.shared_lock: Callable[[str], AbstractAsyncContextManager[None]] | None = None

    @asynccontextmanager
    async def _lock(self, conversation_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        async with lock:
            if self.shared_lock is None:
                yield
            else:
                async with self.shared_lock(conversation_id):
                    yield

    async def open(self, channel: str, external_id: str | None) -> Conversation:
        """A new conversation of the customer behind `external_id`; None (a withheld caller ID) is
        nobody known: a customer of their own, until verification says who they are."""
        customer_id = await (
            self._store.customer_for_identity(channel, external_id)
            if external_id is not None
            else self._store.new_customer()
        )
        if channel == "web" and (waiting := await self._store.awaiting_team(customer_id, channel)):
            return waiting  # a visitor back, whose earlier chat waits on the team's answer: that one
        conversation = await self._store.start_conversation(customer_id, channel)
        self._metrics.conversations.labels(channel).inc()
        log.info("conversation started", extra={"conversation_id": conversation.id, "channel": channel})
        return conversation

    async def get(self, conversation_id: str) -> Conversation | None:
        return await self._store.get_conversation(conversation_id)

    async def status(self, conversation_id: str) -> str | None:
        return await self._store.status(conversation_id)

    async def outcome(self, conversation_id: str) -> dict[str, Any] | None:
        return await self._store.outcome(conversation_id)

    async def transcript(self, conversation_id: str, after_id: int = 0) -> list[Message]:
        return await self._store.transcript(conversation_id, after_id)

    async def customer_message(
        self, conversation: Conversation, text: str, payload: str | None = None
    ) -> TurnResult:
        """Store what the customer said (a button's title, with its payload for the bot) and answer it:
        the bot, or nobody yet when a person has the conversation or it waits for one."""
        conversation_id_var.set(conversation.id)
        async with self._lock(conversation.id):
            status = await self._store.status(conversation.id)
            if status == ConversationStatus.CLOSED:
                raise InputError("conversation_closed", "This conversation has ended; start a new one.", 409)
            if payload is not None and not await self._on_offer(conversation, payload):
                raise InputError(
                    "button_not_offered",
                    "That choice is no longer on offer; please choose again or type your answer.",
                )
            answering = (
                await self._store.awaiting_slot(conversation.id) if status == ConversationStatus.BOT else None
            )
            # A clicked button is never a secret; typed text answering a secret slot is. The human side
            # still reads a secret before it is masked, and keeps nothing of its words (see message_data).
            secret = payload is None and answering in self._secret_slots
            data: dict[str, Any] = (
                self.human.message_data(text, secret) if self.human and payload is None else None
            ) or {}
            if payload:
                data["payload"] = payload
            if secret:
                data["masked"] = True
            if answering:
                data["answering"] = answering
            with_bot = status == ConversationStatus.BOT
            message = await self._store.add_message(
                conversation.id,
                conversation.channel,
                Sender.CUSTOMER,
                MASKED_TEXT if secret else text,
                bot_delivery=Delivery.PENDING if with_bot else Delivery.TO_AGENT,
                data=data or None,
            )
            self._metrics.messages.labels(conversation.channel, Sender.CUSTOMER).inc()
            if "sentiment" in data:
                self._metrics.customer_sentiment.observe(data["sentiment"])
            self.events.publish(conversation.id, {"type": "message", "message": message.to_json()})
            if not with_bot:
                if self.human:
                    await self.human.customer_message(conversation, message)
                return TurnResult(message, [], self.bot_available)
            if self.bot_available or await self._probe_bot():
                # Older messages the bot missed go first, so it sees the conversation in order.
                for earlier in await self._store.pending_messages(conversation.id):
                    if earlier.id != message.id and not await self._deliver(
                        conversation, earlier, replay=True
                    ):
                        break
                else:
                    turn = await self._deliver(conversation, message, payload or typed_for_bot(text))
                    if turn is not None:
                        if self.human:
                            await self.human.after_bot_turn(conversation, turn)
                        farewell = turn.intent == FAREWELL_INTENT and bool(turn.replies)
                        if farewell:  # unless the handoff took the conversation on that turn
                            farewell = await self._store.status(conversation.id) == ConversationStatus.BOT
                        return TurnResult(message, turn.replies, True, farewell)
            if secret:
                await self._store.withhold(message)
            await self._say(conversation, Sender.SYSTEM, BOT_UNAVAILABLE_TEXT)
            if self.human:
                await self.human.after_bot_turn(conversation, None)
            return TurnResult(message, [BotReply(BOT_UNAVAILABLE_TEXT)], False)

    async def _on_offer(self, conversation: Conversation, payload: str) -> bool:
        """A payload is accepted only from the buttons offered last, so a forged or replayed one cannot
        set intents and entities the bot never asked for."""
        if payload in self._standing_payloads.get(conversation.channel, frozenset()):
            return True
        return payload in await self._store.offered_payloads(conversation.id)

    async def _deliver(
        self, conversation: Conversation, message: Message, text: str | None = None, *, replay: bool = False
    ) -> BotTurn | None:
        """Send one stored customer message (or `text`, its unmasked form) to the bot; None when the
        bot could not take it. A replayed message may have reached the bot before its answer was stored:
        the bot then answers from its tracker rather than take the message twice (bot/replayed_turns.py)."""
        self.events.publish(conversation.id, {"type": "typing", "on": True})
        started = time.perf_counter()
        metadata = turn_metadata(conversation.channel, message.id, replay)
        try:
            turn = await self._bot.send(conversation.id, text or bot_input(message), metadata)
        except BotUnavailable as exc:
            self._metrics.bot_errors.labels("unavailable").inc()
            self._set_available(False)
            log.warning("bot unavailable; message kept pending", extra={"error": str(exc)})
            self.events.publish(conversation.id, {"type": "typing", "on": False})
            return None
        self._metrics.bot_turn_seconds.observe(time.perf_counter() - started)
        if turn.secret_answer and not (message.data or {}).get("masked"):
            # Typed at another question (a PIN at "date of birth or PIN?"), but the form took it as one.
            message = await self._store.mask_message(message, MASKED_TEXT)
            log.info("security answer masked", extra={"message_id": message.id})
        # What the NLU pulled out of a masked message (an account number, a date) is as secret as the text.
        entities = [] if (message.data or {}).get("masked") else turn.entities
        replies = [(r.text, {"buttons": r.buttons} if r.buttons else None) for r in turn.replies]
        stored = await self._store.record_bot_turn(
            message, (turn.intent, turn.confidence, entities), turn.requested_slot, replies, turn.knowledge
        )
        for reply in stored:
            self._announce(conversation, reply)
        self.events.publish(conversation.id, {"type": "typing", "on": False})
        return turn

    def customer_typing(self, conversation: Conversation, on: bool) -> None:
        """The customer is (or stopped) typing: only an agent on the conversation is told."""
        if self.human:
            self.human.customer_typing(conversation.id, on)

    async def note(self, conversation: Conversation, sender: Sender, text: str) -> None:
        """Record something said outside the bot's turns (a call's spoken greeting or reprompt)."""
        async with self._lock(conversation.id):
            await self._say(conversation, sender, text)

    async def close(self, conversation: Conversation, outcome: dict[str, Any]) -> None:
        async with self._lock(conversation.id):
            if await self._store.status(conversation.id) == ConversationStatus.CLOSED:
                if "recording" in outcome:  # a call closed from the desk still ends with its recording
                    await self._store.set_outcome_field(conversation.id, "recording", outcome["recording"])
                return
            await self._store.close_conversation(conversation.id, outcome)
            self.events.publish(conversation.id, {"type": "closed", "outcome": outcome})
            if self.human:
                await self.human.conversation_closed(conversation)
        log.info("conversation closed", extra={"reason": outcome.get("reason")})

    async def say(
        self, conversation: Conversation, sender: Sender, text: str, data: dict[str, Any] | None = None
    ) -> None:
        """Record and publish a message outside the bot's turns (agents, the queue's notices). It takes
        no lock: its order against a bot turn does not matter, and the handoff must never wait on one."""
        await self._say(conversation, sender, text, data)

    async def _say(
        self, conversation: Conversation, sender: Sender, text: str, data: dict[str, Any] | None = None
    ) -> None:
        self._announce(
            conversation,
            await self._store.add_message(conversation.id, conversation.channel, sender, text, data=data),
        )

    def _announce(self, conversation: Conversation, message: Message) -> None:
        """A stored message, counted and sent to everyone following the conversation."""
        self._metrics.messages.labels(conversation.channel, message.sender).inc()
        self.events.publish(conversation.id, {"type": "message", "message": message.to_json()})

    async def _probe_bot(self) -> bool:
        """Ask Rasa directly rather than trust a flag up to one probe interval old."""
        try:
            await self._bot.status()
        except BotUnavailable:
            self._set_available(False)
            return False
        self._set_available(True)
        return True

    def _set_available(self, available: bool) -> None:
        if available != self.bot_available:
            log.warning("bot is %s", "back" if available else "down")
        self.bot_available = available
        self._metrics.bot_up.set(1 if available else 0)

    async def replay_pending(self) -> int:
        """Deliver every pending customer message, oldest first; returns how many the bot took."""
        delivered = 0
        for message in await self._store.pending_messages():
            conversation = await self._store.get_conversation(message.conversation_id)
            if conversation is None:
                continue
            conversation_id_var.set(conversation.id)
            async with self._lock(conversation.id):
                # The customer's own turn may have delivered it while we waited for the lock.
                if not await self._store.is_pending(message.id):
                    continue
                if await self._deliver(conversation, message, replay=True) is None:
                    break
            delivered += 1
        self._metrics.pending.set(await self._store.count_pending())
        return delivered

    async def watch_bot(self, interval_s: float) -> None:
        """Probe Rasa forever; when it comes back, replay what it missed."""
        while True:
            try:
                if await self._probe_bot() and await self._store.count_pending():
                    replayed = await self.replay_pending()
                    log.info("replayed pending messages", extra={"count": replayed})
                self._metrics.pending.set(await self._store.count_pending())
            except Exception:  # The watcher must outlive any one failure, or recovery stops for good.
                log.exception("bot watcher failed; retrying")
            await asyncio.sleep(interval_s)
