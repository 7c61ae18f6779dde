"""dispute_form: which payment (buttons, or matched from amount/date/merchant), why, then open a case."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions.bank_access import UsesBank, off_loop
from bot.actions.dialogue import entity_values, is_answer_to, last_message_with_intent, latest_intent
from bot.actions.formatting import payment_label
from bot.actions.parsing import parse_amount_minor, parse_date
from bot.actions.slots import (
    ANSWER_INTENTS,
    DISPUTE_REASON,
    DISPUTE_TRANSACTION_ID,
    DISPUTE_TRANSACTION_LABEL,
    REQUESTED_SLOT,
)
from bot.bank.models import Transaction
from bot.bank.repository import DisputeNotAllowed, check_disputable, disputable_payments, open_dispute

TRIGGER_INTENTS = {"dispute_transaction"}
PAYMENT_BUTTONS = 6
NOT_LISTED_BUTTON = {"title": "It's not listed: talk to a person", "payload": "/request_human"}
# Reason codes offered as buttons, and words that give them away when customers write their own.
REASON_KEYWORDS = {
    "not_recognised": r"recogni[sz]e|don'?t know|didn'?t make|not me|wasn'?t me|fraud|never made|stolen",
    "duplicate": r"twice|double|duplicate|two times|charged again",
    "not_received": r"never (arrived|came|got)|didn'?t (arrive|come|get|receive)|not (received|delivered)",
    "refund_missing": r"refund",
    "wrong_amount": r"wrong amount|too much|overcharged|more than|different amount",
}
MAX_DESCRIPTION_CHARS = 500


def _today() -> date:
    return datetime.now(UTC).date()


def reason_code(value: str) -> tuple[str, str | None]:
    """(code, the customer's own words or None): a button gives a code, free text is kept as told."""
    if value in REASON_KEYWORDS:
        return value, None
    lowered = value.lower()
    code = next((c for c, pattern in REASON_KEYWORDS.items() if re.search(pattern, lowered)), "other")
    return code, value[:MAX_DESCRIPTION_CHARS]


def _merchant_mentioned(merchant: str, text: str) -> bool:
    words = set(re.findall(r"[a-z0-9']+", text.lower()))
    return any(len(token) >= 4 and token in words for token in re.findall(r"[a-z0-9']+", merchant.lower()))


def matching_payments(payments: list[Transaction], message: dict[str, Any]) -> list[Transaction]:
    """The payments the message describes by amount, date, currency or merchant; [] if it names none."""
    amounts = {a for v in entity_values(message, "amount") if (a := parse_amount_minor(v)) is not None}
    dates = {d for v in entity_values(message, "date") if (d := parse_date(v, _today())) is not None}
    currencies = {c.upper() for c in entity_values(message, "currency")}
    text = message.get("text", "")
    by_merchant = [p for p in payments if _merchant_mentioned(p.merchant, text)]
    if not (amounts or dates or currencies or by_merchant):
        return []
    return [
        p
        for p in by_merchant or payments
        if (not amounts or abs(p.amount_minor) in amounts)
        and (not dates or p.booked_on in dates)
        and (not currencies or p.currency in currencies)
    ]


def payment_button(payment: Transaction) -> dict[str, str]:
    return {
        "title": payment_label(payment),
        "payload": "/inform" + json.dumps({"transaction_ref": str(payment.id)}),
    }


class ActionAskDisputeTransactionId(UsesBank, Action):
    def name(self) -> str:
        return "action_ask_dispute_transaction_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = await self.verified_customer(tracker)
        payments = await off_loop(disputable_payments, self.db, customer) if customer else []
        # Narrow the list to what the customer described, now or when they raised the dispute.
        trigger = last_message_with_intent(tracker, TRIGGER_INTENTS) or {}
        shown = (
            matching_payments(payments, tracker.latest_message)
            or matching_payments(payments, trigger)
            or payments
        )
        buttons = [payment_button(p) for p in shown[:PAYMENT_BUTTONS]] + [NOT_LISTED_BUTTON]
        dispatcher.utter_message(response="utter_ask_dispute_transaction_id", buttons=buttons)
        return []


class ValidateDisputeForm(UsesBank, FormValidationAction):
    def name(self) -> str:
        return "validate_dispute_form"

    async def _payments(self, tracker: Tracker) -> list[Transaction]:
        customer = await self.verified_customer(tracker)
        return await off_loop(disputable_payments, self.db, customer) if customer else []

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Nothing that could be disputed: the form ends and action_create_dispute explains.
        return domain_slots if await self._payments(tracker) else []

    async def extract_dispute_transaction_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        starting = (
            tracker.get_slot(REQUESTED_SLOT) is None and tracker.get_slot(DISPUTE_TRANSACTION_ID) is None
        )
        if starting:
            # "I don't recognise a £89.99 payment from yesterday" may already say which one.
            message = last_message_with_intent(tracker, TRIGGER_INTENTS) or {}
        elif is_answer_to(tracker, DISPUTE_TRANSACTION_ID):
            message = tracker.latest_message
        else:
            return {}
        if chosen := entity_values(message, "transaction_ref"):
            return {DISPUTE_TRANSACTION_ID: chosen[0]}
        matches = matching_payments(await self._payments(tracker), message)
        if len(matches) == 1:
            return {DISPUTE_TRANSACTION_ID: str(matches[0].id)}
        if not starting and (matches or latest_intent(tracker) in ANSWER_INTENTS | TRIGGER_INTENTS):
            # A description that fits several payments or none: validation says so, then the
            # question is asked again with the payments that fit.
            return {DISPUTE_TRANSACTION_ID: message.get("text", "")}
        return {}

    async def validate_dispute_transaction_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        customer = await self.verified_customer(tracker)
        if customer is None or not str(value).isdigit():
            if not matching_payments(await self._payments(tracker), tracker.latest_message):
                dispatcher.utter_message(response="utter_transaction_not_found")
            return {DISPUTE_TRANSACTION_ID: None}
        try:
            payment = await off_loop(check_disputable, self.db, customer, int(value))
        except DisputeNotAllowed as refusal:
            dispatcher.utter_message(**_refusal_message(refusal))
            return {DISPUTE_TRANSACTION_ID: None}
        return {DISPUTE_TRANSACTION_ID: str(payment.id), DISPUTE_TRANSACTION_LABEL: payment_label(payment)}

    async def extract_dispute_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not is_answer_to(tracker, DISPUTE_REASON):
            return {}
        if chosen := entity_values(tracker.latest_message, "dispute_reason"):
            return {DISPUTE_REASON: chosen[0]}
        text = tracker.latest_message.get("text", "").strip()
        # Free text is a reason unless it is a button payload or a question the rules should answer.
        if text and not text.startswith("/") and latest_intent(tracker) in ANSWER_INTENTS | TRIGGER_INTENTS:
            return {DISPUTE_REASON: text}
        return {}

    async def validate_dispute_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value).strip()
        return {DISPUTE_REASON: text[:MAX_DESCRIPTION_CHARS] or None}


def _refusal_message(refusal: DisputeNotAllowed) -> dict[str, Any]:
    """The response (and its variables) that explains why a payment cannot be disputed."""
    match refusal.reason:
        case "not_a_payment":
            return {"response": "utter_dispute_not_a_payment"}
        case "too_old":
            return {"response": "utter_dispute_too_old"}
        case "already_open":
            return {"response": "utter_dispute_already_open", "reference": refusal.existing_reference}
        case _:
            return {"response": "utter_transaction_not_found"}


class ActionCreateDispute(UsesBank, Action):
    """Runs when dispute_form ends: opens the case and tells the customer what happens next."""

    def name(self) -> str:
        return "action_create_dispute"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [
            SlotSet(DISPUTE_TRANSACTION_ID, None),
            SlotSet(DISPUTE_TRANSACTION_LABEL, None),
            SlotSet(DISPUTE_REASON, None),
        ]
        customer = await self.verified_customer(tracker)
        transaction_id = tracker.get_slot(DISPUTE_TRANSACTION_ID)
        if customer is None:
            dispatcher.utter_message(response="utter_verification_failed")
            return reset
        if transaction_id is None:
            dispatcher.utter_message(response="utter_no_recent_payments")
            return reset
        code, description = reason_code(tracker.get_slot(DISPUTE_REASON) or "other")
        try:
            case = await off_loop(open_dispute, self.db, customer, int(transaction_id), code, description)
        except DisputeNotAllowed as refusal:
            # Changed since the form checked it, e.g. a case opened from another chat.
            dispatcher.utter_message(**_refusal_message(refusal))
            return reset
        dispatcher.utter_message(
            response="utter_dispute_created",
            payment=payment_label(case.transaction),
            reference=case.reference,
        )
        if code == "not_recognised":
            dispatcher.utter_message(response="utter_dispute_card_tip")
        return reset
