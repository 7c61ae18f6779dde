"""identity_verification_form: account number plus date of birth or security PIN, at most 3 tries.

The date of birth or PIN is checked against the bank store the moment it is typed and is never kept
in a slot: verify_secret is only ever set back to None. What stays for the session is
verification_status ("verified" or "locked") and, once verified, the customer's id, first name and
tier. The slots drive the dialogue only: the bank store records which customer the conversation
verified as, and the actions that touch a customer's money read that record (UsesBank.verified_customer).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions.bank_access import UsesBank, off_loop
from bot.actions.dialogue import answered_just_now, entity_values, latest_intent, latest_text
from bot.actions.parsing import (
    parse_account_number,
    parse_birth_date,
    parse_security_pin,
    parse_verification_method,
)
from bot.actions.slots import (
    ANSWER_INTENTS,
    CUSTOMER_FIRST_NAME,
    CUSTOMER_TIER,
    LEAVE_FORM_INTENTS,
    LOCKED,
    MAX_ATTEMPTS,
    METHOD_DATE_OF_BIRTH,
    METHOD_PIN,
    REQUESTED_SLOT,
    VERIFICATION_ATTEMPTS,
    VERIFICATION_METHOD,
    VERIFICATION_STATUS,
    VERIFIED,
    VERIFIED_CUSTOMER_ID,
    VERIFY_ACCOUNT_NUMBER,
    VERIFY_SECRET,
)
from bot.bank.repository import VerificationOutcome, verify_identity
from tandem.secret_answers import secret_answer_marker

FORM_SLOTS = (VERIFY_ACCOUNT_NUMBER, VERIFICATION_METHOD, VERIFY_SECRET)
# Slots whose value is a security answer: the message it came from must be masked wherever it is kept.
SECRET_SLOTS = frozenset({VERIFY_ACCOUNT_NUMBER, VERIFY_SECRET})
METHODS = (METHOD_DATE_OF_BIRTH, METHOD_PIN)


def _birth_date(text: str) -> date | None:
    return parse_birth_date(text, datetime.now(UTC).date())


def _reading_answer(tracker: Tracker) -> bool:
    """The latest message answers this form, so every detail in it may be taken.

    Customers often give more than was asked ("31846207, born 14/3/85"), so each extractor looks
    at any answer to the form, not only at answers to its own question.
    """
    return (
        tracker.get_slot(REQUESTED_SLOT) in FORM_SLOTS
        and answered_just_now(tracker)
        and latest_intent(tracker) not in LEAVE_FORM_INTENTS
    )


def _may_take(tracker: Tracker, slot: str) -> bool:
    """A well-formed detail is taken when it was asked for, or when the whole message is meant as an
    answer: a question such as "are you open today?" must reach the rules, not fill the form."""
    return tracker.get_slot(REQUESTED_SLOT) == slot or latest_intent(tracker) in ANSWER_INTENTS


def _asked_for(tracker: Tracker, slot: str) -> bool:
    """A message that fails the format check is taken (and refused with a hint) only if it was
    meant as the answer to this very question."""
    return tracker.get_slot(REQUESTED_SLOT) == slot and latest_intent(tracker) in ANSWER_INTENTS


class ValidateIdentityVerificationForm(UsesBank, FormValidationAction):
    def name(self) -> str:
        return "validate_identity_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Verified or locked: nothing left to ask, which ends the form.
        if tracker.get_slot(VERIFICATION_STATUS) in (VERIFIED, LOCKED):
            return []
        return domain_slots

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        # Whatever question was asked, a message this form took a secret from is marked, so the
        # gateway and the tracker store mask it (tandem/secret_answers.py).
        if any(e.get("name") in SECRET_SLOTS and e.get("value") is not None for e in events):
            dispatcher.utter_message(
                json_message=secret_answer_marker(tracker.latest_message.get("message_id"))
            )
        return events

    async def extract_verify_account_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not _reading_answer(tracker):
            return {}
        text = latest_text(tracker)
        if (number := parse_account_number(text)) and _may_take(tracker, VERIFY_ACCOUNT_NUMBER):
            return {VERIFY_ACCOUNT_NUMBER: number}
        return {VERIFY_ACCOUNT_NUMBER: text} if _asked_for(tracker, VERIFY_ACCOUNT_NUMBER) else {}

    async def extract_verification_method(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not _reading_answer(tracker):
            return {}
        text = latest_text(tracker)
        chosen = next(iter(entity_values(tracker.latest_message, VERIFICATION_METHOD)), None)
        if chosen is None and tracker.get_slot(REQUESTED_SLOT) == VERIFICATION_METHOD:
            chosen = parse_verification_method(text)
        # Typing the secret straight away says which method it is. A date is unambiguous; six digits
        # are taken as a PIN only if the customer did not choose the date of birth (e.g. "140385").
        if chosen is None and _may_take(tracker, VERIFY_SECRET):
            if _birth_date(text):
                chosen = METHOD_DATE_OF_BIRTH
            elif parse_security_pin(text) and tracker.get_slot(VERIFICATION_METHOD) != METHOD_DATE_OF_BIRTH:
                chosen = METHOD_PIN
        if chosen is not None:
            return {VERIFICATION_METHOD: chosen}
        return {VERIFICATION_METHOD: text} if _asked_for(tracker, VERIFICATION_METHOD) else {}

    async def extract_verify_secret(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not _reading_answer(tracker):
            return {}
        text = latest_text(tracker)
        method = tracker.get_slot(VERIFICATION_METHOD)
        if _may_take(tracker, VERIFY_SECRET):
            if method == METHOD_PIN and (pin := parse_security_pin(text)):
                return {VERIFY_SECRET: pin}
            if method == METHOD_DATE_OF_BIRTH and (born := _birth_date(text)):
                return {VERIFY_SECRET: born.isoformat()}
        return {VERIFY_SECRET: text} if _asked_for(tracker, VERIFY_SECRET) else {}

    async def validate_verify_account_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = parse_account_number(str(value))
        if number is None:
            dispatcher.utter_message(response="utter_invalid_account_number")
        return {VERIFY_ACCOUNT_NUMBER: number}

    async def validate_verification_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # Anything else is simply asked again; the question comes with buttons.
        return {VERIFICATION_METHOD: value if value in METHODS else None}

    async def validate_verify_secret(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        cleared: dict[str, Any] = {VERIFY_SECRET: None}
        account_number = tracker.get_slot(VERIFY_ACCOUNT_NUMBER)
        method = tracker.get_slot(VERIFICATION_METHOD)
        if not account_number or method not in METHODS:
            # The account number or method in the same message was refused; they are asked first.
            return cleared
        if method == METHOD_PIN:
            pin = parse_security_pin(str(value))
            if pin is None:
                dispatcher.utter_message(response="utter_invalid_security_pin")
                return cleared
            result = await off_loop(
                verify_identity, self.db, account_number, tracker.sender_id, self.limits, pin=pin
            )
        else:
            born = _birth_date(str(value))
            if born is None:
                dispatcher.utter_message(response="utter_invalid_date_of_birth")
                return cleared
            result = await off_loop(
                verify_identity, self.db, account_number, tracker.sender_id, self.limits, date_of_birth=born
            )

        # The account number is not kept either way: after success the customer id stands for it.
        cleared[VERIFY_ACCOUNT_NUMBER] = None
        if result.outcome is VerificationOutcome.VERIFIED and result.customer is not None:
            dispatcher.utter_message(response="utter_verified", first_name=result.customer.first_name)
            return {
                **cleared,
                VERIFICATION_STATUS: VERIFIED,
                VERIFIED_CUSTOMER_ID: str(result.customer.id),
                CUSTOMER_FIRST_NAME: result.customer.first_name,
                CUSTOMER_TIER: result.customer.tier.value,
                VERIFICATION_ATTEMPTS: 0,
            }
        attempts = int(tracker.get_slot(VERIFICATION_ATTEMPTS) or 0) + 1
        if result.outcome is VerificationOutcome.LOCKED or attempts >= MAX_ATTEMPTS:
            # The rule that follows the form tells the customer and offers a person.
            return {**cleared, VERIFICATION_STATUS: LOCKED, VERIFICATION_ATTEMPTS: attempts}
        dispatcher.utter_message(
            response="utter_verification_mismatch", attempts_left=MAX_ATTEMPTS - attempts
        )
        return {**cleared, VERIFICATION_ATTEMPTS: attempts}
