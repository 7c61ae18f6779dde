"""block_card_form: which card (buttons of the customer's working cards), confirm, then block it."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions.bank_access import UsesBank, off_loop
from bot.actions.dialogue import entity_values, is_answer_to, last_message_with_intent, latest_intent
from bot.actions.formatting import card_label, money
from bot.actions.parsing import parse_last_four
from bot.actions.slots import (
    ANSWER_INTENTS,
    BLOCK_CARD_CONFIRMED,
    BLOCK_CARD_LABEL,
    BLOCK_CARD_LAST_FOUR,
    REQUESTED_SLOT,
)
from bot.bank.models import Card
from bot.bank.policy import BLOCKABLE_CARD_STATUSES
from bot.bank.repository import CardNotBlockable, block_card, list_cards

TRIGGER_INTENTS = {"card_lost_stolen"}
BLOCK_REASON = "lost_or_stolen"


def choose_card(cards: list[Card], message: dict[str, Any]) -> str | None:
    """The last four digits of the card the customer means: digits they gave, or a card type
    ("my credit card") that fits exactly one of their cards."""
    if given := entity_values(message, "last_four"):
        return given[0]
    if typed := parse_last_four(message.get("text", "")):
        return typed
    kinds = entity_values(message, "card_type")
    matching = [card for card in cards if any(card.is_kind(kind) for kind in kinds)]
    return matching[0].last_four if len(matching) == 1 else None


def card_button(card: Card) -> dict[str, str]:
    title = card_label(card) + (" (frozen)" if card.status == "frozen" else "")
    return {"title": title, "payload": "/inform" + json.dumps({"last_four": card.last_four})}


class ActionAskBlockCardLastFour(UsesBank, Action):
    def name(self) -> str:
        return "action_ask_block_card_last_four"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = await self.verified_customer(tracker)
        cards = await off_loop(list_cards, self.db, customer, blockable_only=True) if customer else []
        dispatcher.utter_message(
            response="utter_ask_block_card_last_four", buttons=[card_button(c) for c in cards]
        )
        return []


class ValidateBlockCardForm(UsesBank, FormValidationAction):
    def name(self) -> str:
        return "validate_block_card_form"

    async def _working_cards(self, tracker: Tracker) -> list[Card]:
        customer = await self.verified_customer(tracker)
        return await off_loop(list_cards, self.db, customer, blockable_only=True) if customer else []

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # No working card (or, defensively, no verified customer): nothing to ask, the form ends and
        # action_block_card explains.
        return domain_slots if await self._working_cards(tracker) else []

    async def extract_block_card_last_four(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        starting = tracker.get_slot(REQUESTED_SLOT) is None and tracker.get_slot(BLOCK_CARD_LAST_FOUR) is None
        if starting:
            # The request may already name the card: "I lost my credit card", "card ending 4821".
            message = last_message_with_intent(tracker, TRIGGER_INTENTS) or {}
        elif is_answer_to(tracker, BLOCK_CARD_LAST_FOUR):
            message = tracker.latest_message
        else:
            return {}
        cards = await self._working_cards(tracker)
        if choice := choose_card(cards, message):
            return {BLOCK_CARD_LAST_FOUR: choice}
        if starting and len(cards) == 1:
            return {BLOCK_CARD_LAST_FOUR: cards[0].last_four}
        if not starting and latest_intent(tracker) in ANSWER_INTENTS:
            return {BLOCK_CARD_LAST_FOUR: message.get("text", "")}
        return {}

    async def validate_block_card_last_four(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        customer = await self.verified_customer(tracker)
        cards = await off_loop(list_cards, self.db, customer) if customer else []
        digits = parse_last_four(str(value))
        card = next((c for c in cards if c.last_four == digits), None)
        if card is None:
            dispatcher.utter_message(response="utter_card_not_found")
            return {BLOCK_CARD_LAST_FOUR: None}
        if card.status not in BLOCKABLE_CARD_STATUSES:
            dispatcher.utter_message(response="utter_card_already_blocked", card_label=card_label(card))
            return {BLOCK_CARD_LAST_FOUR: None}
        return {BLOCK_CARD_LAST_FOUR: card.last_four, BLOCK_CARD_LABEL: card_label(card)}

    async def validate_block_card_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The from_intent mappings already give True or False; rasa-sdk logs a warning for every
        # form slot without a validate_ method.
        return {BLOCK_CARD_CONFIRMED: bool(value)}


class ActionBlockCard(UsesBank, Action):
    """Runs when block_card_form ends: blocks the chosen card if the customer confirmed."""

    def name(self) -> str:
        return "action_block_card"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Whatever happens, the form's slots are emptied so that another card can be blocked later.
        reset: list[EventType] = [
            SlotSet(BLOCK_CARD_LAST_FOUR, None),
            SlotSet(BLOCK_CARD_LABEL, None),
            SlotSet(BLOCK_CARD_CONFIRMED, None),
        ]
        customer = await self.verified_customer(tracker)
        last_four = tracker.get_slot(BLOCK_CARD_LAST_FOUR)
        if customer is None:
            dispatcher.utter_message(response="utter_verification_failed")
        elif last_four is None:
            dispatcher.utter_message(response="utter_no_blockable_card")
        elif not tracker.get_slot(BLOCK_CARD_CONFIRMED):
            dispatcher.utter_message(response="utter_block_not_confirmed")
        else:
            try:
                block = await off_loop(block_card, self.db, customer, last_four, BLOCK_REASON)
            except CardNotBlockable:
                # Blocked in the meantime, e.g. by the customer in the app.
                dispatcher.utter_message(
                    response="utter_card_already_blocked", card_label=tracker.get_slot(BLOCK_CARD_LABEL)
                )
                return reset
            dispatcher.utter_message(
                response="utter_card_blocked", card_label=card_label(block.card), reference=block.reference
            )
            if block.replacement_fee_minor:
                dispatcher.utter_message(
                    response="utter_replacement_charged", fee=money(block.replacement_fee_minor)
                )
            else:
                dispatcher.utter_message(response="utter_replacement_free")
        return reset
