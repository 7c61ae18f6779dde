"""When the bot hands a conversation to a person, and why: a pure function of the conversation so far.

Every trigger is checked; when several fire, the first in this order is the reason (the others are
named at the end of the explanation):

1. fraud               fraud in progress or money gone: every minute costs the customer money
2. vulnerable          bereavement, illness, hardship, abuse: a person, however calm the words
3. threat_to_leave     the customer says they are leaving the bank
4. complaint           a complaint said in anger (or exasperation, or sarcasm): regulated handling,
                       the complaints team first
5. negative_sentiment  the customer is upset now, whatever they asked
6. flow_failed         a concrete cause the agent must pick up (e.g. verification locked)
7. customer_request    asked for a person, reason unknown
8. sentiment_falling   a trend, weaker evidence than the above
9. repeated_failure    the bot does not understand, but the customer is not (yet) upset
10. bot_down           says nothing about the customer, so any other reason tells the agent more

The customer's state comes first because the reason also picks the queue and the priority: with
config.yml's priorities this order never gives a customer a lower priority than another trigger
that fired would have. The first three are the cues a bank must not miss: they hand over at the turn
they appear, in the middle of a form too, since the policy runs after every bot turn.

Words alone decide what a score cannot: fraud, vulnerability and leaving said politely
(handoff.sentiment.fraud_cue, vulnerability_cue, leaving_cue), and a complaint that reads calm to VADER
but repeats, waits, threatens or is sarcastic (handoff.sentiment.exasperation_cue).

The moving average exists only once sentiment_window customer messages do: over fewer it is one
or two messages' mood, which the single-message floor already judges, and an early "thanks!"
would otherwise set a best that makes every later neutral stretch look like a fall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from handoff.sentiment import Cue, exasperation_cue, fraud_cue, leaving_cue, moving_average, vulnerability_cue
from tandem.config import EscalationSettings

REQUEST_HUMAN_INTENT = "request_human"
# The bot's own reading of money gone (training_data/nlu/escalation.yml). It counts only when the words
# cannot be read: a message typed while a verification question waits is masked before the policy sees
# it. Otherwise the words decide (fraud_cue): the NLU also reads "is this text a scam?" as report_fraud.
REPORT_FRAUD_INTENT = "report_fraud"
COMPLAINT_INTENT = "complaint"
VIP_TIER = "vip"
# Explanations quote the customer; the whole message is in the transcript.
QUOTE_CHARS = 60


class Reason(StrEnum):
    FRAUD = "fraud"  # fraud in progress or money gone (handoff.sentiment.fraud_cue)
    VULNERABLE = "vulnerable"  # bereavement, health, life event, hardship, abuse (vulnerability_cue)
    THREAT_TO_LEAVE = "threat_to_leave"  # says they are leaving the bank (leaving_cue)
    CUSTOMER_REQUEST = (
        "customer_request"  # explicit request for a person (intent request_human, or keypad 0 on a call)
    )
    COMPLAINT = "complaint"  # complaint intent together with negative sentiment or exasperation
    NEGATIVE_SENTIMENT = "negative_sentiment"  # a message below the floor, or the average below its threshold
    SENTIMENT_FALLING = (
        "sentiment_falling"  # moving average fell by falling_drop from its best in this conversation
    )
    REPEATED_FAILURE = (
        "repeated_failure"  # max_failed_turns fallback / low-confidence customer turns in a row
    )
    FLOW_FAILED = "flow_failed"  # the bot could not finish a flow (e.g. verification locked)
    BOT_DOWN = "bot_down"  # the bot engine is unreachable


@dataclass(frozen=True, slots=True)
class CustomerTurn:
    text: str
    intent: str | None
    confidence: float | None
    sentiment: float  # VADER compound of text
    masked: bool = False  # typed in answer to a secret question: text is a placeholder, not the words
    # For a masked turn: the urgent reasons (urgent_reasons) its words showed before they were masked.
    hidden_cues: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Signals:
    turns: tuple[CustomerTurn, ...]  # the customer's turns so far, oldest first, latest last
    handoff_requested: bool  # the bot flagged an explicit request for a person
    flow_failed: bool
    bot_down: bool
    tier: str = "standard"  # "standard" or "vip"


@dataclass(frozen=True, slots=True)
class Decision:
    escalate: bool
    reason: Reason | None
    priority: int  # higher is served sooner: rules.priorities[reason] (+ vip_priority_boost for a VIP); 0 when not escalating
    explanation: str  # always set, human-readable; also when not escalating


# A check returns why its trigger fired, or None.
Check = Callable[[Signals, EscalationSettings], str | None]


def decide(signals: Signals, rules: EscalationSettings) -> Decision:
    fired = [(reason, why) for reason, check in _CHECKS if (why := check(signals, rules)) is not None]
    if not fired:
        return Decision(escalate=False, reason=None, priority=0, explanation=_no_trigger(signals, rules))
    (reason, explanation), others = fired[0], fired[1:]
    if others:
        explanation += "; also " + ", ".join(other for other, _ in others)
    # A VIP is served sooner once escalated, never escalated for being one.
    boost = rules.vip_priority_boost if signals.tier == VIP_TIER else 0
    return Decision(
        escalate=True, reason=reason, priority=rules.priorities[reason] + boost, explanation=explanation
    )


def _complaint(signals: Signals, rules: EscalationSettings) -> str | None:
    latest = _latest(signals)
    if latest is None or latest.intent != COMPLAINT_INTENT:
        return None
    limit = rules.complaint_sentiment_max
    if latest.sentiment <= limit:
        return f"complaint with sentiment {latest.sentiment:.2f} at or below {limit:.2f} on {_quote(latest.text)}"
    # Exasperation counts whatever the score: sarcasm even scores positive.
    if (cue := exasperation_cue(latest.text)) is not None:
        return f"complaint with {cue} on {_quote(latest.text)}"
    average = _current_average(signals, rules)
    if average is not None and average <= limit:
        return (
            f"complaint with average sentiment {average:.2f} over the last {rules.sentiment_window} "
            f"messages at or below {limit:.2f}"
        )
    return None


def urgent_reasons(text: str) -> frozenset[str]:
    """The reasons among fraud, vulnerable and threat_to_leave that the words show: what is kept of a
    message that will be masked (its words never are)."""
    found = {
        Reason.FRAUD: fraud_cue,
        Reason.VULNERABLE: vulnerability_cue,
        Reason.THREAT_TO_LEAVE: leaving_cue,
    }
    return frozenset(reason.value for reason, cue in found.items() if cue(text) is not None)


def _hidden(signals: Signals, reason: Reason) -> str | None:
    latest = _latest(signals)
    if latest is not None and latest.masked and reason.value in latest.hidden_cues:
        return f"{reason.value} cue in a message masked as a security answer"
    return None


def _fraud(signals: Signals, rules: EscalationSettings) -> str | None:
    latest = _latest(signals)
    if latest is not None and latest.masked and latest.intent == REPORT_FRAUD_INTENT:
        return f"intent {REPORT_FRAUD_INTENT} on a masked message"
    return _hidden(signals, Reason.FRAUD) or _distress(signals, rules, fraud_cue)


def _vulnerable(signals: Signals, rules: EscalationSettings) -> str | None:
    return _hidden(signals, Reason.VULNERABLE) or _distress(signals, rules, vulnerability_cue)


def _threat_to_leave(signals: Signals, rules: EscalationSettings) -> str | None:
    latest = _latest(signals)
    if latest is None:
        return None
    if (cue := leaving_cue(latest.text)) is None:
        return _hidden(signals, Reason.THREAT_TO_LEAVE)
    return f"{cue} on {_quote(latest.text)}"


def _negative_sentiment(signals: Signals, rules: EscalationSettings) -> str | None:
    latest = _latest(signals)
    if latest is None:
        return None
    if latest.sentiment < rules.sentiment_floor:
        return f"sentiment {latest.sentiment:.2f} below floor {rules.sentiment_floor:.2f} on {_quote(latest.text)}"
    average = _current_average(signals, rules)
    if average is not None and average < rules.average_threshold:
        return (
            f"average sentiment {average:.2f} over the last {rules.sentiment_window} messages "
            f"below {rules.average_threshold:.2f}"
        )
    return None


def _distress(signals: Signals, rules: EscalationSettings, find: Callable[[str], Cue | None]) -> str | None:
    """The latest message's cue, unless the customer sounds content (thanking us once it was sorted)."""
    latest = _latest(signals)
    if latest is None or latest.sentiment > rules.distress_sentiment_max:
        return None
    cue = find(latest.text)
    return f"{cue} on {_quote(latest.text)}" if cue is not None else None


def _flow_failed(signals: Signals, rules: EscalationSettings) -> str | None:
    return "the bot could not finish a flow" if signals.flow_failed else None


def _customer_request(signals: Signals, rules: EscalationSettings) -> str | None:
    latest = _latest(signals)
    # The intent counts on its own: the flag may lag behind the message that asked.
    if latest is not None and latest.intent == REQUEST_HUMAN_INTENT:
        return f"customer asked for a person: {_quote(latest.text)}"
    return "the bot flagged a request for a person" if signals.handoff_requested else None


def _sentiment_falling(signals: Signals, rules: EscalationSettings) -> str | None:
    averages = _window_averages(signals, rules)
    if not averages:
        return None
    best, now = max(averages), averages[-1]
    # A fall that is still positive is a happy customer becoming less so, not a reason for a person.
    if now < 0 and best - now >= rules.falling_drop:
        return f"average sentiment fell from {best:.2f} to {now:.2f} (a drop of {rules.falling_drop:.2f} escalates)"
    return None


def _repeated_failure(signals: Signals, rules: EscalationSettings) -> str | None:
    recent = signals.turns[-rules.max_failed_turns :]
    if len(recent) < rules.max_failed_turns:
        return None
    failures = [(turn, _failure(turn, rules)) for turn in recent]
    if not all(why for _, why in failures):
        return None
    listed = ", ".join(f"{_quote(turn.text)} ({why})" for turn, why in failures)
    return f"the last {len(recent)} customer messages were not understood: {listed}"


def _bot_down(signals: Signals, rules: EscalationSettings) -> str | None:
    return "the bot engine is unreachable" if signals.bot_down else None


_CHECKS: tuple[tuple[Reason, Check], ...] = (
    (Reason.FRAUD, _fraud),
    (Reason.VULNERABLE, _vulnerable),
    (Reason.THREAT_TO_LEAVE, _threat_to_leave),
    (Reason.COMPLAINT, _complaint),
    (Reason.NEGATIVE_SENTIMENT, _negative_sentiment),
    (Reason.FLOW_FAILED, _flow_failed),
    (Reason.CUSTOMER_REQUEST, _customer_request),
    (Reason.SENTIMENT_FALLING, _sentiment_falling),
    (Reason.REPEATED_FAILURE, _repeated_failure),
    (Reason.BOT_DOWN, _bot_down),
)


def _failure(turn: CustomerTurn, rules: EscalationSettings) -> str | None:
    """Why the bot did not understand this message, or None; no confidence (a button) is understood."""
    if turn.intent in rules.fallback_intents:
        return f"intent {turn.intent}"
    if turn.confidence is not None and turn.confidence < rules.low_confidence:
        return f"confidence {turn.confidence:.2f} below {rules.low_confidence:.2f}"
    return None


def _latest(signals: Signals) -> CustomerTurn | None:
    return signals.turns[-1] if signals.turns else None


def _window_averages(signals: Signals, rules: EscalationSettings) -> list[float]:
    """The moving average at each turn that completes a full window, oldest first."""
    window = rules.sentiment_window
    return moving_average([turn.sentiment for turn in signals.turns], window)[window - 1 :]


def _current_average(signals: Signals, rules: EscalationSettings) -> float | None:
    averages = _window_averages(signals, rules)
    return averages[-1] if averages else None


def _no_trigger(signals: Signals, rules: EscalationSettings) -> str:
    latest = _latest(signals)
    if latest is None:
        return "no trigger: no customer messages yet"
    average = _current_average(signals, rules)
    shown = (
        f"{average:.2f}"
        if average is not None
        else f"not yet ({len(signals.turns)} of {rules.sentiment_window} messages)"
    )
    return (
        f"no trigger: {latest.intent or 'no intent'} with sentiment {latest.sentiment:.2f} "
        f"on {_quote(latest.text)}, average sentiment {shown}"
    )


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return f"'{flat}'" if len(flat) <= QUOTE_CHARS else f"'{flat[: QUOTE_CHARS - 1]}…'"
