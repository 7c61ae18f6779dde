"""Slot, intent and action names shared with bot/domain, so a typo fails at import, not in a chat."""

from __future__ import annotations

REQUESTED_SLOT = "requested_slot"

# Identity verification
VERIFICATION_STATUS = "verification_status"
VERIFIED = "verified"
LOCKED = "locked"
VERIFIED_CUSTOMER_ID = "verified_customer_id"
CUSTOMER_FIRST_NAME = "customer_first_name"
CUSTOMER_TIER = "customer_tier"
VERIFY_ACCOUNT_NUMBER = "verify_account_number"
VERIFICATION_METHOD = "verification_method"
VERIFY_SECRET = "verify_secret"
VERIFICATION_ATTEMPTS = "verification_attempts"
METHOD_DATE_OF_BIRTH = "date_of_birth"
METHOD_PIN = "pin"
MAX_ATTEMPTS = 3

# Blocking a card
BLOCK_CARD_LAST_FOUR = "block_card_last_four"
BLOCK_CARD_LABEL = "block_card_label"
BLOCK_CARD_CONFIRMED = "block_card_confirmed"

# Disputes
DISPUTE_TRANSACTION_ID = "dispute_transaction_id"
DISPUTE_TRANSACTION_LABEL = "dispute_transaction_label"
DISPUTE_REASON = "dispute_reason"

# Knowledge and handoff
KB_ARTICLES_SHOWN = "kb_articles_shown"
KB_UNANSWERED_QUERY = "kb_unanswered_query"
KB_STEPS = "kb_steps"
KB_STEP = "kb_step"
KB_STEPS_OFFERED = "kb_steps_offered"
STEP_NEXT = "step_next"
STEP_REPEAT = "step_repeat"
HANDOFF_REQUESTED = "handoff_requested"
HANDOFF_REASON = "handoff_reason"

# Intents that mean "stop this and do something else" while a form is asking: forms never take
# such a message as an answer, so the rules for leaving the form apply.
LEAVE_FORM_INTENTS = frozenset({"request_human", "complaint", "cancel"})
# Intents under which a message that fails a format check is still meant as an answer, so the
# customer gets a format hint instead of the form being interrupted.
ANSWER_INTENTS = frozenset({"inform", "nlu_fallback"})

ACTION_ANSWER_FROM_KNOWLEDGE = "action_answer_from_knowledge"
