"""Custom actions, run as the action server runs them: a Tracker as Rasa sends it, a CollectingDispatcher,
the real domain, and a real (temporary) bank store."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.balance import ActionCheckBalance
from bot.actions.bank_access import UsesBank, configured_limits
from bot.actions.block_card import ActionAskBlockCardLastFour, ActionBlockCard, ValidateBlockCardForm
from bot.actions.dispute import (
    ActionAskDisputeTransactionId,
    ActionCreateDispute,
    ValidateDisputeForm,
    reason_code,
)
from bot.actions.handoff import ActionRequestHuman
from bot.actions.knowledge import ActionAnswerFromKnowledge, ActionReadStep, KnowledgeSource, next_step_index
from bot.actions.verification import ValidateIdentityVerificationForm
from bot.bank import seed
from bot.bank.repository import VerificationOutcome, verified_customer, verify_identity
from tandem.config import REPO_ROOT
from tandem.knowledge_outcome import knowledge_marker

IDENTITY_FORM = "identity_verification_form"
ALICE = {"verification_status": "verified", "verified_customer_id": "1", "customer_first_name": "Alice"}
BEN = {"verification_status": "verified", "verified_customer_id": "2"}
CHLOE = {"verification_status": "verified", "verified_customer_id": "3"}
DANIEL = {"verification_status": "verified", "verified_customer_id": "4"}
# customer id -> (conversation, account number, date of birth): the db fixture passes verification in
# that conversation as that customer, and tracker() sends a verified customer's slots from it.
VERIFIED_CONVERSATIONS = {
    "1": ("chat-alice", "31846207", date(1985, 3, 14)),
    "2": ("chat-ben", "52019384", date(1979, 11, 2)),
    "3": ("chat-chloe", "67254019", date(1997, 7, 23)),
    "4": ("chat-daniel", "80417365", date(1962, 1, 30)),
}


def load_domain() -> dict[str, Any]:
    """bot/domain/*.yml merged the way Rasa merges a domain folder (enough for rasa-sdk's needs)."""
    domain: dict[str, Any] = {"forms": {}, "slots": {}, "responses": {}}
    for path in sorted((REPO_ROOT / "bot" / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in domain:
            domain[key].update(part.get(key) or {})
    return domain


DOMAIN = load_domain()
SECURITY = pytest.mark.security


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "bank.sqlite"
    seed(path)
    for conversation, account, born in VERIFIED_CONVERSATIONS.values():
        result = verify_identity(path, account, conversation, configured_limits(), date_of_birth=born)
        assert result.outcome is VerificationOutcome.VERIFIED
    return path


def parse(text: str, intent: str, entities: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }


def user(
    text: str, intent: str, entities: dict[str, str] | None = None, channel: str = "web"
) -> dict[str, Any]:
    # The gateway marks every message with its channel (tandem/conversations.py).
    parse_data = {**parse(text, intent, entities), "metadata": {"channel": channel}}
    return {"event": "user", "text": text, "parse_data": parse_data}


def tracker(
    slots: dict[str, Any] | None = None,
    *,
    events: list[dict[str, Any]] | None = None,
    form: str | None = None,
    sender: str | None = None,
) -> Tracker:
    """A tracker whose latest message is the last user event in `events`, sent from `sender`, by default
    the conversation that verified as the slots' customer."""
    events = events or []
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    customer = (slots or {}).get("verified_customer_id")
    return Tracker(
        sender_id=sender or (VERIFIED_CONVERSATIONS[customer][0] if customer else "test"),
        slots={"kb_articles_shown": [], **(slots or {})},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name=None,
    )


def form_answer(
    form: str,
    requested: str | None,
    text: str,
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Tracker:
    """The tracker Rasa sends to a form's validation action right after the customer answered."""
    events = [
        *(history or []),
        {"event": "action", "name": "action_listen"},
        user(text, intent, entities),
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": form},
    ]
    return tracker({**(slots or {}), "requested_slot": requested}, events=events, form=form)


@dataclass
class Outcome:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    # Custom payloads for the gateway, not said to the customer (the secret-answer marker).
    markers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages]


async def run(action: Action, db: Path | None, t: Tracker) -> Outcome:
    if isinstance(action, UsesBank):
        action.db_path = db
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, DOMAIN)
    said = [m for m in dispatcher.messages if not m.get("custom")]
    return Outcome(events, said, [m["custom"] for m in dispatcher.messages if m.get("custom")])


def card_status(db: Path, last_four: str) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT status FROM cards WHERE last_four = ?", (last_four,)).fetchone()[0]


# --- identity verification -------------------------------------------------------------------------


async def test_verification_with_pin_never_keeps_or_repeats_the_pin(db: Path) -> None:
    validate = ValidateIdentityVerificationForm()
    step1 = await run(validate, db, form_answer(IDENTITY_FORM, "verify_account_number", "31846207"))
    assert step1.slots["verify_account_number"] == "31846207"

    step2 = await run(
        validate,
        db,
        form_answer(
            IDENTITY_FORM,
            "verify_secret",
            "482913",
            slots={"verify_account_number": "31846207", "verification_method": "pin"},
        ),
    )
    assert step2.slots["verification_status"] == "verified"
    assert step2.slots["verified_customer_id"] == "1"
    assert step2.slots["customer_tier"] == "standard"
    assert step2.slots["verify_secret"] is None
    assert step2.slots["verify_account_number"] is None
    assert step2.slots["requested_slot"] is None  # nothing left to ask: the form ends
    assert step2.responses == ["utter_verified"] and step2.messages[0]["first_name"] == "Alice"
    assert "482913" not in json.dumps([step2.events, step2.messages])
    # The bank records who this conversation is: that, not the slots, is what later actions trust.
    assert verified_customer(db, "test", configured_limits()) == 1


async def test_account_number_and_date_of_birth_in_one_message(db: Path) -> None:
    outcome = await run(
        ValidateIdentityVerificationForm(),
        db,
        form_answer(
            IDENTITY_FORM, "verify_account_number", "it's 52019384 and I was born on 2 November 1979"
        ),
    )
    assert outcome.slots["verification_status"] == "verified"
    assert outcome.slots["verified_customer_id"] == "2"
    assert outcome.slots["customer_tier"] == "vip"


async def test_three_wrong_answers_lock_verification(db: Path) -> None:
    validate = ValidateIdentityVerificationForm()
    known = {"verify_account_number": "31846207", "verification_method": "date_of_birth"}
    first = await run(validate, db, form_answer(IDENTITY_FORM, "verify_secret", "15/03/1985", slots=known))
    assert first.slots["verification_attempts"] == 1
    assert first.slots["verify_account_number"] is None  # both details are asked again
    assert first.responses == ["utter_verification_mismatch"] and first.messages[0]["attempts_left"] == 2
    assert "verification_status" not in first.slots

    third = await run(
        validate,
        db,
        form_answer(
            IDENTITY_FORM, "verify_secret", "1 Jan 1990", slots={**known, "verification_attempts": 2}
        ),
    )
    assert third.slots["verification_status"] == "locked"
    assert third.slots["requested_slot"] is None
    assert third.responses == []  # the rule after the form offers a person


@pytest.mark.parametrize(
    ("requested", "text", "slots", "response"),
    [
        ("verify_account_number", "1234", {}, "utter_invalid_account_number"),
        ("verify_secret", "4829", {"verification_method": "pin"}, "utter_invalid_security_pin"),
        (
            "verify_secret",
            "the fourteenth",
            {"verification_method": "date_of_birth"},
            "utter_invalid_date_of_birth",
        ),
    ],
)
async def test_badly_formatted_answers_get_a_hint_and_cost_no_attempt(
    db: Path, requested: str, text: str, slots: dict[str, Any], response: str
) -> None:
    outcome = await run(
        ValidateIdentityVerificationForm(),
        db,
        form_answer(IDENTITY_FORM, requested, text, slots={"verify_account_number": "31846207", **slots}),
    )
    assert outcome.responses == [response]
    assert "verification_attempts" not in outcome.slots


async def test_a_date_typed_at_the_pin_question_switches_the_method(db: Path) -> None:
    outcome = await run(
        ValidateIdentityVerificationForm(),
        db,
        form_answer(
            IDENTITY_FORM,
            "verify_secret",
            "23/07/1997",
            slots={"verify_account_number": "67254019", "verification_method": "pin"},
        ),
    )
    assert outcome.slots["verification_method"] == "date_of_birth"
    assert outcome.slots["verification_status"] == "verified"


async def test_the_method_button(db: Path) -> None:
    outcome = await run(
        ValidateIdentityVerificationForm(),
        db,
        form_answer(
            IDENTITY_FORM,
            "verification_method",
            '/inform{"verification_method":"pin"}',
            entities={"verification_method": "pin"},
            slots={"verify_account_number": "31846207"},
        ),
    )
    assert outcome.slots == {"verification_method": "pin"}


@pytest.mark.parametrize(
    "t",
    [
        # The customer asks for a person instead of answering: nothing is taken, Rasa's rules apply.
        form_answer(
            IDENTITY_FORM, "verify_account_number", "31846207 no actually get me a human", "request_human"
        ),
        # A question mid-form: "today" is a date, but not a date of birth, and the question is no answer.
        form_answer(IDENTITY_FORM, "verify_account_number", "what time do you close today?", "opening_hours"),
        form_answer(
            IDENTITY_FORM,
            "verify_secret",
            "is my 31846207 account free?",
            "account_fees",
            slots={"verification_method": "pin"},
        ),
        # The form resumes after an FAQ answer: the old question must not be read as an answer.
        tracker(
            {"requested_slot": "verify_account_number"},
            events=[
                user("what is 31846207", "opening_hours"),
                {"event": "action", "name": "action_answer_from_knowledge"},
                {"event": "bot", "text": "We open at 9:00."},
                {"event": "slot", "name": "requested_slot", "value": "verify_account_number"},
                {"event": "action", "name": IDENTITY_FORM},
            ],
            form=IDENTITY_FORM,
        ),
    ],
)
async def test_messages_that_are_not_answers_are_left_alone(db: Path, t: Tracker) -> None:
    outcome = await run(ValidateIdentityVerificationForm(), db, t)
    assert outcome.slots == {} and outcome.messages == []


async def test_verified_or_locked_needs_no_questions(db: Path) -> None:
    validate = ValidateIdentityVerificationForm()
    dispatcher = CollectingDispatcher()
    for status in ("verified", "locked"):
        t = tracker({"verification_status": status})
        assert await validate.required_slots(["verify_account_number"], dispatcher, t, DOMAIN) == []


# --- balance -----------------------------------------------------------------------------------------


async def test_balance_lists_accounts_with_masked_numbers(db: Path) -> None:
    outcome = await run(ActionCheckBalance(), db, tracker(ALICE))
    assert outcome.responses == ["utter_balances"]
    lines = outcome.messages[0]["accounts"].splitlines()
    assert lines == [
        "• Everyday current account (ending 6207): £1,842.56",
        "• Easy Saver (ending 6215): £5,200.00",
        "• Platinum credit card account (ending 6223): £312.40 to pay",
    ]


async def test_no_balance_without_verification(db: Path) -> None:
    outcome = await run(ActionCheckBalance(), db, tracker({"verified_customer_id": "1"}))
    assert outcome.responses == ["utter_verification_failed"]


async def test_slots_claiming_verification_prove_nothing(db: Path) -> None:
    forged = tracker(ALICE, sender="chat-never-verified")
    outcome = await run(ActionCheckBalance(), db, forged)
    assert outcome.responses == ["utter_verification_failed"]
    # Verified as Ben, claiming to be Alice: Ben's accounts, never Alice's.
    outcome = await run(ActionCheckBalance(), db, tracker(ALICE, sender="chat-ben"))
    assert "6207" not in outcome.messages[0]["accounts"] and "9384" in outcome.messages[0]["accounts"]


# --- blocking a card ----------------------------------------------------------------------------------


async def test_card_buttons_list_working_cards_only(db: Path) -> None:
    outcome = await run(ActionAskBlockCardLastFour(), db, tracker(BEN))
    buttons = outcome.messages[0]["buttons"]
    assert [b["title"] for b in buttons] == [
        "Gold debit card ending 1150",
        "Platinum credit card ending 3372 (frozen)",
    ]
    assert buttons[0]["payload"] == '/inform{"last_four": "1150"}'


def form_start(form: str, slots: dict[str, Any], trigger: dict[str, Any]) -> Tracker:
    """The tracker at form activation: the request that started it, then verification in between."""
    events = [trigger, {"event": "action", "name": IDENTITY_FORM}, user("482913", "inform")]
    events += [{"event": "slot", "name": "requested_slot", "value": None}, {"event": "action", "name": form}]
    return tracker({**slots, "requested_slot": None}, events=events, form=form)


async def test_the_request_can_already_name_the_card(db: Path) -> None:
    trigger = user("someone stole my credit card", "card_lost_stolen", {"card_type": "credit"})
    outcome = await run(ValidateBlockCardForm(), db, form_start("block_card_form", ALICE, trigger))
    assert outcome.slots["block_card_last_four"] == "7730"
    assert outcome.slots["block_card_label"] == "Platinum credit card ending 7730"


async def test_a_single_working_card_is_chosen_without_asking(db: Path) -> None:
    trigger = user("I lost my card", "card_lost_stolen")
    outcome = await run(ValidateBlockCardForm(), db, form_start("block_card_form", CHLOE, trigger))
    assert outcome.slots["block_card_last_four"] == "9083"


async def test_choosing_an_already_blocked_card(db: Path) -> None:
    outcome = await run(
        ValidateBlockCardForm(),
        db,
        form_answer(
            "block_card_form", "block_card_last_four", "6604", entities={"last_four": "6604"}, slots=BEN
        ),
    )
    assert outcome.slots["block_card_last_four"] is None
    assert outcome.responses == ["utter_card_already_blocked"]


async def test_no_working_card_ends_the_form_at_once(db: Path) -> None:
    dispatcher = CollectingDispatcher()
    validate = ValidateBlockCardForm()
    validate.db_path = db
    assert await validate.required_slots(["block_card_last_four"], dispatcher, tracker(DANIEL), DOMAIN) == []
    outcome = await run(ActionBlockCard(), db, tracker(DANIEL))
    assert outcome.responses == ["utter_no_blockable_card"]


async def test_confirmed_block_is_stored_with_a_reference_and_the_fee_rule(db: Path) -> None:
    first = await run(
        ActionBlockCard(),
        db,
        tracker({**ALICE, "block_card_last_four": "4821", "block_card_confirmed": True}),
    )
    assert first.responses == ["utter_card_blocked", "utter_replacement_free"]
    assert re.fullmatch(r"BLK-\d{6}", first.messages[0]["reference"])
    assert first.messages[0]["card_label"] == "Classic debit card ending 4821"
    assert card_status(db, "4821") == "blocked"
    assert first.slots == {
        "block_card_last_four": None,
        "block_card_label": None,
        "block_card_confirmed": None,
    }

    second = await run(
        ActionBlockCard(),
        db,
        tracker({**ALICE, "block_card_last_four": "7730", "block_card_confirmed": True}),
    )
    assert second.responses == ["utter_card_blocked", "utter_replacement_charged"]
    assert second.messages[1]["fee"] == "£5.00"


async def test_declined_block_changes_nothing(db: Path) -> None:
    outcome = await run(
        ActionBlockCard(),
        db,
        tracker({**ALICE, "block_card_last_four": "4821", "block_card_confirmed": False}),
    )
    assert outcome.responses == ["utter_block_not_confirmed"]
    assert card_status(db, "4821") == "active"


# --- disputes ---------------------------------------------------------------------------------------


async def test_payment_buttons_are_recent_payments_out_then_not_listed(db: Path) -> None:
    outcome = await run(ActionAskDisputeTransactionId(), db, tracker(ALICE, events=[user("hi", "greet")]))
    buttons = outcome.messages[0]["buttons"]
    assert len(buttons) == 7  # six payments and "not listed"
    assert buttons[0]["title"].startswith("£12.45 to Tesco Express on ")
    assert all("salary" not in b["title"] and "Currys" not in b["title"] for b in buttons)
    assert buttons[-1] == {"title": "It's not listed: talk to a person", "payload": "/request_human"}


async def test_the_payment_described_in_the_request_is_taken(db: Path) -> None:
    trigger = user("I don't recognise a £89.99 payment", "dispute_transaction", {"amount": "£89.99"})
    outcome = await run(ValidateDisputeForm(), db, form_start("dispute_form", ALICE, trigger))
    assert outcome.slots["dispute_transaction_id"] == "3"
    assert outcome.slots["dispute_transaction_label"].startswith("£89.99 to QPAY*DIGITAL SERVICES on ")


async def test_a_description_matching_two_payments_narrows_the_buttons(db: Path) -> None:
    # Chloe was charged £31.87 twice at Sainsbury's on the same day.
    answer = form_answer("dispute_form", "dispute_transaction_id", "the sainsbury's one", slots=CHLOE)
    validation = await run(ValidateDisputeForm(), db, answer)
    assert validation.slots["dispute_transaction_id"] is None
    asked = await run(ActionAskDisputeTransactionId(), db, answer)
    titles = [b["title"] for b in asked.messages[0]["buttons"]]
    assert len(titles) == 3 and all("Sainsbury's" in t for t in titles[:2])


async def test_a_payment_already_in_dispute_is_refused_with_its_reference(db: Path) -> None:
    create = await run(
        ActionCreateDispute(),
        db,
        tracker({**ALICE, "dispute_transaction_id": "3", "dispute_reason": "duplicate"}),
    )
    reference = create.messages[0]["reference"]
    outcome = await run(
        ValidateDisputeForm(),
        db,
        form_answer(
            "dispute_form",
            "dispute_transaction_id",
            "/inform",
            entities={"transaction_ref": "3"},
            slots=ALICE,
        ),
    )
    assert outcome.slots["dispute_transaction_id"] is None
    assert outcome.responses == ["utter_dispute_already_open"]
    assert outcome.messages[0]["reference"] == reference


async def test_dispute_is_opened_with_the_reason_and_a_card_tip(db: Path) -> None:
    outcome = await run(
        ActionCreateDispute(),
        db,
        tracker({**ALICE, "dispute_transaction_id": "3", "dispute_reason": "not_recognised"}),
    )
    assert outcome.responses == ["utter_dispute_created", "utter_dispute_card_tip"]
    assert re.fullmatch(r"DSP-\d{6}", outcome.messages[0]["reference"])
    assert outcome.messages[0]["payment"].startswith("£89.99 to QPAY*DIGITAL SERVICES")
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT transaction_id, reason FROM dispute_cases").fetchall() == [
            (3, "not_recognised")
        ]


def test_reasons_in_the_customers_own_words() -> None:
    assert reason_code("duplicate") == ("duplicate", None)
    assert reason_code("I was charged twice for one coffee") == (
        "duplicate",
        "I was charged twice for one coffee",
    )
    assert reason_code("it just looks odd") == ("other", "it just looks odd")


async def test_free_text_reason_is_taken_as_the_answer(db: Path) -> None:
    outcome = await run(
        ValidateDisputeForm(),
        db,
        form_answer(
            "dispute_form",
            "dispute_reason",
            "I cancelled that subscription months ago",
            slots={**ALICE, "dispute_transaction_id": "6"},
        ),
    )
    assert outcome.slots["dispute_reason"] == "I cancelled that subscription months ago"


async def test_nothing_to_dispute(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM transactions WHERE account_id = 301")
    dispatcher = CollectingDispatcher()
    validate = ValidateDisputeForm()
    validate.db_path = db
    assert await validate.required_slots(["dispute_reason"], dispatcher, tracker(CHLOE), DOMAIN) == []
    outcome = await run(ActionCreateDispute(), db, tracker(CHLOE))
    assert outcome.responses == ["utter_no_recent_payments"]


# --- knowledge answers -----------------------------------------------------------------------------


@dataclass
class FakeHit:
    score: float
    article: str
    title: str
    section: str
    snippet: str


class FakeIndex:
    def __init__(self, hits: list[FakeHit]) -> None:
        self.hits = hits
        self.queries: list[tuple[str, int]] = []

    def search(self, query: str, k: int) -> list[FakeHit]:
        self.queries.append((query, k))
        return self.hits[:k]

    def section_scores(self, query: str, article: str) -> dict[str, float]:
        return SECTION_SCORES.get(article, {})


# Scores are fused scores plus the lead (knowledge_index.fusion), above the 0.93 threshold.
HOURS = FakeHit(1.12, "branch-opening-hours", "Branch opening hours", "Saturday hours", "Our larger…")
# Measured with the real index for "how do I activate my new card": the old-card section scores best.
SECTION_SCORES = {
    "card-activation": {
        "": 0.654,
        "Activate your card in the app": 0.669,
        "Your first chip-and-PIN payment": 0.607,
        "Replacing an old card": 0.686,
        "Problems activating": 0.652,
    },
}
ACTIVATION = FakeHit(1.05, "card-activation", "Activating your new card", "Replacing an old card", "If your…")


def knowledge_action(index: FakeIndex | None, loads: list[int] | None = None) -> ActionAnswerFromKnowledge:
    def loader() -> FakeIndex | None:
        if loads is not None:
            loads.append(1)
        return index

    action = ActionAnswerFromKnowledge()
    action.source = KnowledgeSource(loader)
    return action


async def test_a_good_hit_is_answered_and_cited_and_recorded() -> None:
    index = FakeIndex([HOURS, FakeHit(0.5, "contact-us", "Contact us", "", "Call us.")])
    action = knowledge_action(index)
    t = tracker(
        {"kb_articles_shown": [{"slug": "contact-us", "title": "Contact us"}]},
        events=[user("when do branches open on saturday?", "opening_hours")],
    )
    outcome = await run(action, None, t)
    assert index.queries == [("when do branches open on saturday?", 3)]
    assert outcome.responses == ["utter_knowledge_answer"]
    # The whole section, in its order, list kept as Markdown: never a snippet cut mid-sentence.
    assert outcome.messages[0]["answer"] == (
        "Our larger branches are also open:\n"
        "- **Saturday:** 9:00 to 13:00\n"
        "Smaller branches are closed on Saturdays. To check whether your local branch opens on Saturday, use "
        "the branch locator in the app under **Help > Find a branch** and tap the branch for its details. The "
        "opening times shown there are always the most accurate for that branch."
    )
    assert outcome.messages[0]["title"] == "Branch opening hours"
    assert outcome.messages[0]["link"] == "/help/branch-opening-hours"
    assert outcome.slots["kb_articles_shown"] == [
        {"slug": "contact-us", "title": "Contact us"},
        {"slug": "branch-opening-hours", "title": "Branch opening hours"},
    ]
    assert outcome.slots["kb_unanswered_query"] is None
    # For the designer's knowledge gaps: the article and its score, never the question.
    assert outcome.markers == [knowledge_marker(True, "branch-opening-hours", 1.12)]

    again = await run(action, None, tracker(outcome.slots, events=[user("and sundays?", "opening_hours")]))
    assert len(again.slots["kb_articles_shown"]) == 2  # shown twice, recorded once


@pytest.mark.parametrize(
    ("index", "nearest"),
    [
        (FakeIndex([FakeHit(0.2, "a", "A", "", "x")]), ("a", 0.2)),
        (FakeIndex([]), (None, None)),
        (None, (None, None)),
    ],
)
async def test_a_weak_or_missing_answer_asks_to_rephrase(
    index: FakeIndex | None, nearest: tuple[str | None, float | None]
) -> None:
    outcome = await run(knowledge_action(index), None, tracker(events=[user("zxqv blorp", "nlu_fallback")]))
    assert outcome.responses == ["utter_knowledge_miss"]
    assert outcome.markers == [knowledge_marker(False, *nearest)]
    assert outcome.slots == {"kb_unanswered_query": "zxqv blorp", "kb_steps_offered": False}


async def test_the_index_is_loaded_once_and_payloads_are_searched_by_intent() -> None:
    loads: list[int] = []
    index = FakeIndex([HOURS])
    action = knowledge_action(index, loads)
    await run(action, None, tracker(events=[user("/opening_hours", "opening_hours")]))
    await run(action, None, tracker(events=[user("branch hours", "opening_hours")]))
    assert loads == [1]
    assert [q for q, _ in index.queries] == ["opening hours", "branch hours"]


async def test_the_section_that_answers_is_chosen_not_the_best_chunk() -> None:
    # The search's best chunk was the old-card paragraph; the question names activation.
    t = tracker(events=[user("how do I activate my new card", "card_activation")])
    outcome = await run(knowledge_action(FakeIndex([ACTIVATION])), None, t)
    answer = outcome.messages[0]["answer"]
    assert answer.startswith("1. Open the Northwind app and tap **Cards**.\n2. Select the new card.")
    assert "Cut the old card" not in answer


async def test_the_phone_gets_a_short_spoken_form_and_the_steps_on_request() -> None:
    t = tracker(events=[user("how do I activate my new card", "card_activation", channel="phone")])
    outcome = await run(knowledge_action(FakeIndex([ACTIVATION])), None, t)
    spoken = outcome.messages[0]["text"]
    assert spoken == "Activate your card in the app: there are 4 steps. Would you like the steps?"
    assert len(spoken.split()) <= 35
    assert outcome.slots["kb_steps_offered"] is True
    assert outcome.slots["kb_steps"][0] == "Open the Northwind app and tap Cards."  # no Markdown for speech
    assert len(outcome.slots["kb_steps"]) == 4

    said: list[str] = []
    slots = outcome.slots
    for text, intent in [
        ("yes", "affirm"),
        ("next", "step_next"),
        ("repeat", "step_repeat"),
        ("next", "step_next"),
    ]:
        step = await run(ActionReadStep(), None, tracker(slots, events=[user(text, intent, channel="phone")]))
        said.append(step.messages[0]["text"])
        slots = {**slots, **step.slots}
    assert said[0].startswith("Step 1 of 4: Open the Northwind app and tap Cards.")
    assert said[1].startswith("Step 2 of 4: Select the new card.")
    assert said[2] == said[1]
    assert said[3].startswith("Step 3 of 4: Tap Activate card")
    last = await run(
        ActionReadStep(), None, tracker(slots, events=[user("next", "step_next", channel="phone")])
    )
    assert last.messages[0]["text"].endswith("That was the last step.")
    assert last.slots["kb_steps_offered"] is False
    done = await run(
        ActionReadStep(), None, tracker({**slots, **last.slots}, events=[user("next", "step_next")])
    )
    assert done.responses == ["utter_steps_done"]


@pytest.mark.parametrize(
    ("current", "intent", "count", "expected"),
    [
        (None, "affirm", 3, 0),
        (None, "step_next", 3, 0),
        (None, "step_repeat", 3, 0),
        (0, "step_next", 3, 1),
        (1, "step_repeat", 3, 1),
        (2, "step_next", 3, None),
        (2, "step_repeat", 3, 2),
        (None, "affirm", 0, None),
    ],
)
def test_which_step_is_read(current: int | None, intent: str, count: int, expected: int | None) -> None:
    assert next_step_index(current, intent, count) == expected


# --- asking for a person -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slots", "events", "reason"),
    [
        (
            {"verification_status": "locked"},
            [user("a person please", "request_human")],
            "verification_failed",
        ),
        (
            {"kb_unanswered_query": "zxqv"},
            [
                user("zxqv", "nlu_fallback"),
                {"event": "action", "name": "action_answer_from_knowledge"},
                {"event": "action", "name": "action_listen"},
                user("/request_human", "request_human"),
            ],
            "unanswered_question",
        ),
        ({}, [user("agent", "request_human")], "customer_request"),
    ],
)
async def test_handoff_is_flagged_with_a_reason(
    slots: dict[str, Any], events: list[dict[str, Any]], reason: str
) -> None:
    outcome = await run(ActionRequestHuman(), None, tracker(slots, events=events))
    assert outcome.slots == {"handoff_requested": True, "handoff_reason": reason}


async def test_the_index_preloaded_at_start_is_the_one_used() -> None:
    loads: list[int] = []
    action = knowledge_action(FakeIndex([HOURS]), loads)
    assert not action.source.settled  # the action server's /health says "loading" meanwhile
    action.source.preload()
    action.source.preload()  # once only
    t = tracker(events=[user("when do branches open?", "opening_hours")])
    outcome = await run(action, None, t)
    assert outcome.responses == ["utter_knowledge_answer"]
    assert loads == [1]
    assert action.source.settled


@pytest.mark.parametrize(
    ("requested", "text", "slots", "marked"),
    [
        pytest.param("verify_account_number", "31846207", {}, True, marks=SECURITY),
        # A wrong answer to a secret question is one too.
        pytest.param("verify_account_number", "1234", {}, True, marks=SECURITY),
        # A PIN or date typed at "date of birth or PIN?", before choosing.
        pytest.param("verification_method", "482913", {"verify_account_number": "31846207"}, True, marks=SECURITY),
        pytest.param("verification_method", "14/03/1985", {"verify_account_number": "31846207"}, True, marks=SECURITY),
        ("verification_method", "Security PIN", {"verify_account_number": "31846207"}, False),
        pytest.param(
            "verify_secret", "482913", {"verify_account_number": "31846207", "verification_method": "pin"}, True,
            marks=SECURITY,
        ),
    ],
)  # fmt: skip
async def test_a_message_the_form_takes_a_secret_from_is_marked_whatever_was_asked(
    db: Path, requested: str, text: str, slots: dict[str, Any], marked: bool
) -> None:
    t = form_answer(IDENTITY_FORM, requested, text, slots=slots)
    t.latest_message["message_id"] = "rasa-msg-1"
    outcome = await run(ValidateIdentityVerificationForm(), db, t)
    assert outcome.markers == ([{"secret_answer": "rasa-msg-1"}] if marked else [])
    assert text not in json.dumps(outcome.markers)
