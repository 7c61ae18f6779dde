"""The escalation policy as tables: a conversation's signals in, the reason (or none) out.

RULES mirrors config.yml's thresholds but gives every reason its own priority, so a priority shows
which reason it came from.
"""

from __future__ import annotations

import pytest

from handoff.policy import CustomerTurn, Reason, Signals, decide, urgent_reasons
from tandem.config import EscalationSettings, load_settings

MASKED = "[security details hidden]"
RULES = EscalationSettings(
    sentiment_floor=-0.6,
    average_threshold=-0.4,
    sentiment_window=3,
    falling_drop=0.8,
    complaint_sentiment_max=-0.05,
    distress_sentiment_max=0.5,
    max_failed_turns=2,
    low_confidence=0.45,
    fallback_intents=frozenset({"nlu_fallback", "out_of_scope"}),
    priorities={
        "fraud": 80,
        "vulnerable": 90,
        "threat_to_leave": 100,
        "customer_request": 10,
        "complaint": 20,
        "negative_sentiment": 30,
        "sentiment_falling": 40,
        "repeated_failure": 50,
        "flow_failed": 60,
        "bot_down": 70,
    },
    vip_priority_boost=5,
)


def turn(
    text: str = "ok", intent: str | None = "inform", confidence: float | None = 0.9, sentiment: float = 0.0
) -> CustomerTurn:
    return CustomerTurn(text=text, intent=intent, confidence=confidence, sentiment=sentiment)


def moods(*sentiments: float) -> list[CustomerTurn]:
    """Understood messages (intent inform, confidence 0.9) with these sentiments."""
    return [turn(f"message {i}", sentiment=value) for i, value in enumerate(sentiments)]


def fallback(text: str = "asdfgh") -> CustomerTurn:
    return turn(text, intent="nlu_fallback", confidence=0.3)


def signals(
    *turns: CustomerTurn,
    requested: bool = False,
    flow_failed: bool = False,
    bot_down: bool = False,
    tier: str = "standard",
) -> Signals:
    return Signals(
        turns=tuple(turns), handoff_requested=requested, flow_failed=flow_failed, bot_down=bot_down, tier=tier
    )


FURIOUS = turn("This is absolutely useless, I'm furious", sentiment=-0.79)
ASKS_FOR_PERSON = turn("I want to speak to a person", intent="request_human", confidence=0.97)
ANGRY_COMPLAINT = turn("I want to complain, this is a disgrace", intent="complaint", sentiment=-0.5)
CALM_COMPLAINT = turn("I would like to raise a complaint about a fee", intent="complaint", sentiment=0.08)
# Exasperated or sarcastic complaints that VADER reads as calm or even happy.
REPEATED_COMPLAINT = turn("Third time I've asked. I want to complain", intent="complaint", sentiment=0.0)
SARCASTIC_COMPLAINT = turn("Oh brilliant, another fee. I want to complain", intent="complaint", sentiment=0.7)
# Distress said politely.
BEREAVED = turn("I'm sorry to bother you, my mother has passed away", intent="nlu_fallback", sentiment=0.05)
# The panicking customer: money gone, said as a plea (the NLU read it as a dispute).
MONEY_GONE = turn(
    "someone has taken 3000 pounds out of my account and I don't know who, please help me, I'm panicking",
    intent="dispute_transaction",
    sentiment=-0.44,
)
LEAVING = turn("sort this out or I'm moving my money to another bank", intent="nlu_fallback", sentiment=0.0)
# Each full window of three: 0.7, 0.43, 0.13, -0.2: a fall of 0.9 that stays above the average threshold.
FALLING = moods(0.7, 0.7, 0.7, -0.1, -0.2, -0.3)

TRIGGERS = [
    pytest.param(signals(ASKS_FOR_PERSON), Reason.CUSTOMER_REQUEST, id="request-intent-without-flag"),
    pytest.param(
        signals(turn("hello"), requested=True), Reason.CUSTOMER_REQUEST, id="request-flagged-by-bot"
    ),
    pytest.param(signals(requested=True), Reason.CUSTOMER_REQUEST, id="keypad-0-before-speaking"),
    pytest.param(signals(ANGRY_COMPLAINT), Reason.COMPLAINT, id="angry-complaint"),
    pytest.param(
        signals(turn("complaint", intent="complaint", sentiment=-0.05)),
        Reason.COMPLAINT,
        id="complaint-at-limit",
    ),
    pytest.param(
        signals(*moods(-0.3, -0.3), CALM_COMPLAINT), Reason.COMPLAINT, id="calm-words-after-negative-stretch"
    ),
    pytest.param(signals(REPEATED_COMPLAINT), Reason.COMPLAINT, id="exasperated-complaint"),
    pytest.param(signals(SARCASTIC_COMPLAINT), Reason.COMPLAINT, id="sarcastic-complaint"),
    pytest.param(signals(BEREAVED), Reason.VULNERABLE, id="bereavement-said-politely"),
    pytest.param(
        signals(turn("I can't afford my rent, please help", intent="nlu_fallback", sentiment=0.5)),
        Reason.VULNERABLE,
        id="hardship-at-limit",
    ),
    pytest.param(
        signals(turn("hi", intent="greet"), turn("my son is in hospital and my card is blocked")),
        Reason.VULNERABLE,
        id="health-in-latest-turn",
    ),
    pytest.param(signals(MONEY_GONE), Reason.FRAUD, id="money-gone"),
    pytest.param(
        signals(turn("I think I've been scammed", intent="dispute_transaction", sentiment=-0.1)),
        Reason.FRAUD,
        id="fraud-victim",
    ),
    pytest.param(
        signals(turn("my account has been hacked", intent="nlu_fallback", sentiment=0.0)),
        Reason.FRAUD,
        id="account-taken-over",
    ),
    pytest.param(
        signals(CustomerTurn(MASKED, "report_fraud", 0.97, 0.0, masked=True)),
        Reason.FRAUD,
        id="fraud-intent-when-the-words-are-masked",
    ),
    pytest.param(
        signals(CustomerTurn(MASKED, None, None, 0.0, masked=True, hidden_cues=frozenset({"vulnerable"}))),
        Reason.VULNERABLE,
        id="vulnerable-cue-read-before-masking",
    ),
    pytest.param(
        signals(
            CustomerTurn(MASKED, None, None, 0.0, masked=True, hidden_cues=frozenset({"threat_to_leave"}))
        ),
        Reason.THREAT_TO_LEAVE,
        id="leaving-cue-read-before-masking",
    ),
    pytest.param(
        signals(turn("hi", intent="greet"), turn("what's my balance", intent="check_balance"), LEAVING),
        Reason.THREAT_TO_LEAVE,
        id="threat-to-leave-any-intent",
    ),
    pytest.param(
        signals(turn("this is useless", sentiment=-0.72)), Reason.NEGATIVE_SENTIMENT, id="below-floor"
    ),
    pytest.param(signals(*moods(-0.5, -0.5, -0.5)), Reason.NEGATIVE_SENTIMENT, id="average-below-threshold"),
    pytest.param(
        signals(*moods(0.0, 0.0, -0.5, -0.5, -0.5)), Reason.NEGATIVE_SENTIMENT, id="average-of-latest-window"
    ),
    pytest.param(signals(*FALLING), Reason.SENTIMENT_FALLING, id="falling"),
    pytest.param(signals(fallback(), fallback()), Reason.REPEATED_FAILURE, id="two-fallbacks"),
    pytest.param(
        signals(
            turn("hi", intent="greet"),
            turn("out of scope", intent="out_of_scope", confidence=0.99),
            fallback(),
        ),
        Reason.REPEATED_FAILURE,
        id="out-of-scope-then-fallback",
    ),
    pytest.param(
        signals(turn("erm", confidence=0.3), turn("well", intent="greet", confidence=0.44)),
        Reason.REPEATED_FAILURE,
        id="two-low-confidence",
    ),
    pytest.param(signals(turn("hello"), flow_failed=True), Reason.FLOW_FAILED, id="flow-failed"),
    pytest.param(signals(turn("hello"), bot_down=True), Reason.BOT_DOWN, id="bot-down"),
    pytest.param(signals(bot_down=True), Reason.BOT_DOWN, id="bot-down-before-speaking"),
]

NON_TRIGGERS = [
    pytest.param(signals(), id="no-messages"),
    pytest.param(
        signals(
            turn("hi", intent="greet"), turn("how are you?", intent="greet"), turn("thanks", sentiment=0.44)
        ),
        id="neutral-chit-chat",
    ),
    pytest.param(signals(CALM_COMPLAINT), id="calm-complaint"),
    pytest.param(
        signals(turn("how do I make a complaint?", intent="complaint", sentiment=0.0)),
        id="complaint-process-question",
    ),
    pytest.param(
        signals(turn("ugh, my transfer is still pending", intent="transfer_pending", sentiment=-0.42)),
        id="exasperation-without-complaint",
    ),
    pytest.param(
        signals(turn("thank you so much, the funeral payment went through", intent="thanks", sentiment=0.8)),
        id="distress-words-but-content",
    ),
    pytest.param(signals(turn("my phone died, how do I log in", intent="nlu_fallback")), id="phone-died"),
    pytest.param(signals(turn("hi", intent="greet"), turn("erm", confidence=0.3)), id="one-low-confidence"),
    pytest.param(signals(fallback()), id="one-fallback"),
    pytest.param(
        signals(turn("erm", confidence=0.3), turn("Yes", intent=None, confidence=None, sentiment=0.4)),
        id="button-breaks-failure-run",
    ),
    pytest.param(signals(fallback(), turn("my balance", confidence=0.45)), id="confidence-at-threshold"),
    pytest.param(signals(turn("I am not happy", sentiment=-0.46)), id="mildly-negative"),
    pytest.param(signals(turn("this is bad", sentiment=-0.6)), id="at-floor"),
    pytest.param(signals(*moods(-0.5, -0.5)), id="negative-but-window-not-full"),
    pytest.param(signals(*moods(0.9, 0.9, 0.9, 0.0, 0.0, 0.1)), id="fall-still-positive"),
    pytest.param(
        signals(
            turn("my dob", sentiment=0.2),
            turn(MASKED, intent=None, confidence=None),
            turn(MASKED, None, None),
        ),
        id="masked-turns",
    ),
    pytest.param(signals(turn("hello"), tier="vip"), id="vip-alone"),
    pytest.param(
        signals(turn("how do I close my account?", intent="close_account")), id="closing-question-not-threat"
    ),
    pytest.param(
        signals(turn("there's a payment I don't recognise", intent="dispute_transaction")),
        id="unrecognised-payment-is-a-dispute",
    ),
    pytest.param(
        signals(turn("how can I tell if a text is a scam?", intent="report_fraud")),
        id="fraud-intent-alone-when-the-words-say-otherwise",
    ),
    pytest.param(
        signals(turn("thanks so much, the scammed money is back", intent="thanks", sentiment=0.8)),
        id="fraud-words-but-content",
    ),
]

PRECEDENCE = [
    pytest.param(
        signals(turn("my husband died and someone has emptied our account", sentiment=-0.7)),
        Reason.FRAUD,
        id="fraud-over-vulnerable",
    ),
    pytest.param(
        signals(turn("I lost my job and I'm switching banks, this is a disgrace", sentiment=-0.7)),
        Reason.VULNERABLE,
        id="vulnerable-over-leaving",
    ),
    pytest.param(
        signals(
            turn(
                "I want to complain, this is a disgrace, I'm leaving banks",
                intent="complaint",
                sentiment=-0.5,
            )
        ),
        Reason.THREAT_TO_LEAVE,
        id="leaving-over-complaint",
    ),
    pytest.param(
        signals(ANGRY_COMPLAINT, requested=True, flow_failed=True, bot_down=True),
        Reason.COMPLAINT,
        id="complaint-over-everything-else",
    ),
    pytest.param(
        signals(turn("get me a human, this is useless", intent="request_human", sentiment=-0.7)),
        Reason.NEGATIVE_SENTIMENT,
        id="sentiment-over-request",
    ),
    pytest.param(
        signals(FURIOUS, flow_failed=True), Reason.NEGATIVE_SENTIMENT, id="sentiment-over-flow-failed"
    ),
    pytest.param(signals(FURIOUS, bot_down=True), Reason.NEGATIVE_SENTIMENT, id="sentiment-over-bot-down"),
    pytest.param(
        signals(*moods(0.7, 0.7, 0.7, -0.5, -0.6, -0.5)),
        Reason.NEGATIVE_SENTIMENT,
        id="sentiment-over-falling",
    ),
    pytest.param(
        signals(turn("hello"), requested=True, flow_failed=True),
        Reason.FLOW_FAILED,
        id="flow-failed-over-request",
    ),
    pytest.param(
        signals(CALM_COMPLAINT, requested=True), Reason.CUSTOMER_REQUEST, id="calm-complaint-flagged-by-bot"
    ),
    pytest.param(
        signals(turn("I lost my husband and I want to complain, nobody has replied", intent="complaint")),
        Reason.VULNERABLE,
        id="vulnerable-over-complaint",
    ),
    pytest.param(
        signals(turn("can I speak to your bereavement team", intent="request_human"), requested=True),
        Reason.VULNERABLE,
        id="vulnerable-over-request",
    ),
    pytest.param(signals(BEREAVED, flow_failed=True), Reason.VULNERABLE, id="vulnerable-over-flow-failed"),
    pytest.param(
        signals(
            turn("what's my balance", intent="check_balance"), MONEY_GONE, flow_failed=True, bot_down=True
        ),
        Reason.FRAUD,
        id="fraud-over-everything",
    ),
    pytest.param(
        signals(fallback(), fallback(), requested=True), Reason.CUSTOMER_REQUEST, id="request-over-failures"
    ),
    pytest.param(
        signals(*FALLING[:-2], fallback(), turn("??", intent="nlu_fallback", confidence=0.2, sentiment=-0.3)),
        Reason.SENTIMENT_FALLING,
        id="falling-over-failures",
    ),
    pytest.param(
        signals(fallback(), fallback(), bot_down=True), Reason.REPEATED_FAILURE, id="failures-over-bot-down"
    ),
]


@pytest.mark.parametrize(("given", "reason"), TRIGGERS + PRECEDENCE)
def test_escalates(given: Signals, reason: Reason) -> None:
    decision = decide(given, RULES)
    assert (decision.escalate, decision.reason) == (True, reason), decision.explanation
    assert decision.priority == RULES.priorities[reason]
    assert decision.explanation


@pytest.mark.parametrize("given", NON_TRIGGERS)
def test_does_not_escalate(given: Signals) -> None:
    decision = decide(given, RULES)
    assert (decision.escalate, decision.reason, decision.priority) == (False, None, 0), decision.explanation
    assert decision.explanation.startswith("no trigger: ")


@pytest.mark.parametrize(
    ("tier", "boost"),
    [
        pytest.param("standard", 0, id="standard"),
        pytest.param("vip", 5, id="vip"),
        pytest.param("gold", 0, id="unknown"),
    ],
)
@pytest.mark.parametrize("reason", [Reason.NEGATIVE_SENTIMENT, Reason.BOT_DOWN], ids=str)
def test_vip_raises_priority(tier: str, boost: int, reason: Reason) -> None:
    given = (
        signals(FURIOUS, tier=tier)
        if reason is Reason.NEGATIVE_SENTIMENT
        else signals(bot_down=True, tier=tier)
    )
    decision = decide(given, RULES)
    assert (decision.reason, decision.priority) == (reason, RULES.priorities[reason] + boost)


@pytest.mark.parametrize(
    ("given", "explanation"),
    [
        pytest.param(
            signals(turn("this is useless", sentiment=-0.72)),
            "sentiment -0.72 below floor -0.60 on 'this is useless'",
            id="floor",
        ),
        pytest.param(
            signals(*moods(-0.5, -0.5, -0.5)),
            "average sentiment -0.50 over the last 3 messages below -0.40",
            id="average",
        ),
        pytest.param(
            signals(*FALLING),
            "average sentiment fell from 0.70 to -0.20 (a drop of 0.80 escalates)",
            id="falling",
        ),
        pytest.param(
            signals(fallback("qwerty"), turn("hmm", confidence=0.3)),
            "the last 2 customer messages were not understood: "
            "'qwerty' (intent nlu_fallback), 'hmm' (confidence 0.30 below 0.45)",
            id="failures",
        ),
        pytest.param(
            signals(
                turn("get me a human, this is useless", intent="request_human", sentiment=-0.7), bot_down=True
            ),
            "sentiment -0.70 below floor -0.60 on 'get me a human, this is useless'; "
            "also customer_request, bot_down",
            id="others-named",
        ),
        pytest.param(
            signals(turn("I   want\na person " + "please " * 20, intent="request_human")),
            "customer asked for a person: 'I want a person please please please please please please p…'",
            id="long-text-cut",
        ),
        pytest.param(
            signals(REPEATED_COMPLAINT),
            "complaint with repeated contact 'Third time' on 'Third time I've asked. I want to complain'",
            id="exasperated-complaint",
        ),
        pytest.param(
            signals(SARCASTIC_COMPLAINT),
            "complaint with sarcasm 'Oh brilliant' on 'Oh brilliant, another fee. I want to complain'",
            id="sarcastic-complaint",
        ),
        pytest.param(
            signals(BEREAVED),
            "bereavement 'passed away' on 'I'm sorry to bother you, my mother has passed away'",
            id="vulnerable",
        ),
        pytest.param(
            signals(MONEY_GONE),
            "money gone 'someone has taken 3000 pounds out of my account' on "
            "'someone has taken 3000 pounds out of my account and I don't…'",
            id="fraud",
        ),
        pytest.param(
            signals(LEAVING),
            "threat to leave 'I'm moving my money' on 'sort this out or I'm moving my money to another bank'",
            id="threat-to-leave",
        ),
        pytest.param(
            signals(CALM_COMPLAINT),
            "no trigger: complaint with sentiment 0.08 on 'I would like to raise a complaint about a fee', "
            "average sentiment not yet (1 of 3 messages)",
            id="calm-complaint",
        ),
    ],
)
def test_explanation(given: Signals, explanation: str) -> None:
    assert decide(given, RULES).explanation == explanation


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        pytest.param("31846207", set(), id="account-number"),
        pytest.param("14/03/1985", set(), id="date-of-birth"),
        pytest.param("my husband died, it's his card", {"vulnerable"}, id="bereavement"),
        pytest.param("someone has emptied my account", {"fraud"}, id="money-gone"),
        pytest.param("I'm switching banks after this", {"threat_to_leave"}, id="leaving"),
        pytest.param(
            "I've been scammed and lost my job, I'm moving my money elsewhere",
            {"fraud", "vulnerable", "threat_to_leave"},
            id="all-three",
        ),
    ],
)
def test_urgent_reasons_kept_of_a_masked_message(text: str, reasons: set[str]) -> None:
    assert urgent_reasons(text) == reasons


def test_config_yml_rules() -> None:
    rules = load_settings().handoff.escalation
    assert set(rules.priorities) == {reason.value for reason in Reason}, "every reason needs a priority"
    furious = decide(signals(turn("hi", intent="greet"), FURIOUS, tier="vip"), rules)
    assert furious.reason is Reason.NEGATIVE_SENTIMENT
    assert furious.priority == rules.priorities["negative_sentiment"] + rules.vip_priority_boost
    assert not decide(signals(turn("hi", intent="greet"), turn("thanks", sentiment=0.44)), rules).escalate
    assert decide(signals(BEREAVED), rules).reason is Reason.VULNERABLE
    # The cues a bank must not miss outrank every other reason.
    urgent = [rules.priorities[r] for r in (Reason.FRAUD, Reason.VULNERABLE, Reason.THREAT_TO_LEAVE)]
    others = [
        p
        for reason, p in rules.priorities.items()
        if reason not in {"fraud", "vulnerable", "threat_to_leave"}
    ]
    assert min(urgent) > max(others)
    assert decide(signals(MONEY_GONE), rules).priority == max(rules.priorities.values())
    assert not decide(signals(turn("how do I make a complaint?", intent="complaint")), rules).escalate
