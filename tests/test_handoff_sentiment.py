"""VADER, adapted to a bank, on real customer sentences; the distress and exasperation cues; the neutral
placeholders; and the trailing moving average."""

from __future__ import annotations

import pytest

from handoff.sentiment import (
    SentimentScorer,
    exasperation_cue,
    fraud_cue,
    leaving_cue,
    moving_average,
    rewrite_idioms,
    sarcasm_cue,
    vulnerability_cue,
)
from tandem.conversations import MASKED_TEXT


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    return SentimentScorer(neutral_texts=[MASKED_TEXT])


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        pytest.param("This is absolutely useless, I'm furious", -1.0, -0.5, id="furious"),
        # "stolen" is the topic, "helping" a request word: the disgrace alone is the customer's mood.
        pytest.param(
            "My card was stolen and nobody is helping, this is a disgrace", -0.6, -0.4, id="disgrace"
        ),
        pytest.param("I am not happy", -0.6, -0.05, id="mildly-negative"),
        pytest.param("What time do you open on Saturday?", -0.05, 0.05, id="question-neutral"),
        pytest.param("Can you tell me how to order a new card?", -0.05, 0.05, id="request-neutral"),
        pytest.param("thanks, that's great", 0.5, 1.0, id="thanks"),
        pytest.param("Brilliant, thank you so much for your help!", 0.5, 1.0, id="delighted"),
        # the bank's topic words are not emotion
        pytest.param("how do I make a complaint?", -0.05, 0.05, id="complaint-question"),
        pytest.param("My card was stolen yesterday, please block it", -0.05, 0.05, id="stolen-card"),
        pytest.param("I want to dispute a fraudulent charge", -0.05, 0.1, id="dispute"),
        pytest.param("what's the interest rate on my credit card", -0.05, 0.05, id="product-words"),
        # anger VADER lacked or misread
        pytest.param("I'm furious and I want to complain", -1.0, -0.5, id="furious-complaint"),
        pytest.param("This bank is a shambles", -1.0, -0.5, id="shambles"),
        pytest.param("Your service is a joke", -1.0, -0.3, id="a-joke"),
        pytest.param("Honestly, I'm fed up with this", -1.0, -0.5, id="fed-up-idiom"),
        pytest.param("I'm not fed up at all", 0.05, 1.0, id="negated-idiom"),
        pytest.param("I've been scammed", -1.0, -0.5, id="scammed"),
        # swearing as an intensifier stays above the floor (-0.6)
        pytest.param("why the hell was my card declined", -0.5, -0.05, id="mild-swearing"),
        pytest.param("Please, I'm desperate, can you help", -1.0, -0.3, id="politeness-not-happiness"),
        # sarcasm: praise words meant the other way
        pytest.param("oh great, exactly what I needed", -0.5, -0.5, id="sarcasm-oh-great"),
        pytest.param("Brilliant. Another fee. Just what I need today", -1.0, -0.3, id="sarcasm-just-what"),
        pytest.param("well that's just fantastic", -1.0, -0.3, id="sarcasm-thats-just"),
        pytest.param("great, thanks, that sorted it", 0.5, 1.0, id="sincere-great"),
    ],
)
def test_real_sentences(scorer: SentimentScorer, text: str, low: float, high: float) -> None:
    assert low <= scorer.score(text) <= high


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MASKED_TEXT, id="masked"),
        pytest.param("", id="empty"),
        pytest.param("  \n ", id="whitespace"),
    ],
)
def test_placeholders_and_empty_text_are_neutral(scorer: SentimentScorer, text: str) -> None:
    assert scorer.score(text) == 0.0


def test_placeholders_need_naming_as_neutral() -> None:
    # A placeholder's words are not the customer's: unnamed, this one would lift the average.
    placeholder = "[photo attached: happy birthday card]"
    assert SentimentScorer().score(placeholder) > 0.05
    assert SentimentScorer(neutral_texts=[placeholder]).score(placeholder) == 0.0


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        pytest.param("I'm fed up", "I'm frustrated", id="fed-up"),
        pytest.param("Thanks for NOTHING", "contempt", id="case-insensitive"),
        pytest.param("I've HAD ENOUGH of waiting", "I've frustrated of waiting", id="had-enough"),
        pytest.param("feed up the meter", "feed up the meter", id="not-a-word-inside"),
    ],
)
def test_idioms_become_words_vader_knows(text: str, rewritten: str) -> None:
    assert rewrite_idioms(text) == rewritten


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("My dad passed away last week", "bereavement", id="passed-away"),
        pytest.param("my husband died on Sunday", "bereavement", id="relative-died"),
        pytest.param("I recently lost my wife", "bereavement", id="lost-relative"),
        pytest.param("I think I've been scammed", "fraud victim", id="scammed"),
        pytest.param(
            "a man pretending to be from the police took my cash", "fraud victim", id="impersonation"
        ),
        pytest.param("my daughter is in hospital abroad", "health", id="hospital"),
        pytest.param("my mum has dementia", "health", id="dementia"),
        pytest.param("I've been made redundant", "life event", id="redundancy"),
        pytest.param("I can't afford my loan repayments", "financial hardship", id="cant-afford"),
        pytest.param("I'm behind on my council tax payments", "financial hardship", id="behind-on"),
        pytest.param("my partner is controlling all my money", "abuse or coercion", id="controlling"),
        pytest.param("he won't let me see my wages", "abuse or coercion", id="person-prevents"),
        pytest.param("my phone died, how do I log in", None, id="phone-died"),
        pytest.param("the app won't let me log in", None, id="app-prevents"),
        pytest.param("I've lost my card", None, id="lost-card"),
        pytest.param("how can I tell if a call is a scam?", None, id="scam-question"),
        pytest.param("can I make a domestic transfer", None, id="domestic-payment"),
        pytest.param("is there an emergency number to block my card", None, id="emergency-number"),
        pytest.param(
            "someone has taken 3000 pounds out of my account and I don't know who",
            "money gone",
            id="taken-out",
        ),
        pytest.param("all my savings have gone", "money gone", id="savings-gone"),
        pytest.param("£2,000 has disappeared from my account overnight", "money gone", id="sum-disappeared"),
        pytest.param("my account's been emptied, there's nothing in it", "money gone", id="emptied"),
        pytest.param("somebody is using my card right now", "account taken over", id="in-progress"),
        pytest.param("I think my online banking has been hacked", "account taken over", id="hacked"),
        pytest.param("I'm hacked off with your app", None, id="hacked-off-idiom"),
        pytest.param("someone sent me money, where is it", None, id="money-received"),
        pytest.param("I took £200 out of my account at an ATM", None, id="own-withdrawal"),
        pytest.param("my money has gone into the wrong account", None, id="wrong-recipient-is-routine"),
    ],
)
def test_distress_cue(text: str, kind: str | None) -> None:
    cue = fraud_cue(text) or vulnerability_cue(text)
    assert (cue.kind if cue else None) == kind, cue


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("three weeks and still no refund", "repeated contact", id="still"),
        pytest.param("this is the third time I've asked", "repeated contact", id="nth-time"),
        pytest.param("I've emailed four times", "repeated contact", id="n-times"),
        pytest.param("I was on hold all morning", "long wait", id="on-hold"),
        pytest.param("waiting six weeks for my ISA transfer", "long wait", id="weeks"),
        pytest.param("I'm going to the ombudsman", "threat", id="ombudsman-threat"),
        pytest.param("I'm seriously thinking of switching", "threat to leave", id="switching"),
        pytest.param("I can't believe you froze my account", "disbelief", id="disbelief"),
        pytest.param("Oh brilliant, another fee", "sarcasm", id="oh-brilliant"),
        pytest.param("Great service as usual", "sarcasm", id="as-usual"),
        pytest.param("I WANT TO COMPLAIN ABOUT THIS", "shouting in capitals", id="capitals"),
        pytest.param("how do I make a complaint?", None, id="calm-question"),
        pytest.param("can I take a complaint to the ombudsman?", None, id="ombudsman-question"),
        pytest.param("I've lost my card again", None, id="bare-again"),
        pytest.param("my PIN for the ATM", None, id="short-capitals"),
    ],
)
def test_exasperation_cue(text: str, kind: str | None) -> None:
    cue = exasperation_cue(text)
    assert (cue.kind if cue else None) == kind, cue


@pytest.mark.parametrize(
    ("text", "leaving"),
    [
        pytest.param("I'm moving my money to another bank", True, id="moving-money"),
        pytest.param("if this isn't fixed I'll be closing my account", True, id="closing-as-threat"),
        pytest.param("I'm seriously thinking of switching", True, id="thinking-of-switching"),
        pytest.param("I'll take my business elsewhere", True, id="business-elsewhere"),
        pytest.param("this is the last straw", True, id="last-straw"),
        pytest.param("we're done with you, never banking with you again", True, id="done-with-you"),
        pytest.param("how do I close my account?", False, id="closing-question"),
        pytest.param("I want to move money to my savings account", False, id="own-transfer"),
        pytest.param("can I switch my account to a joint account", False, id="switch-product"),
        pytest.param("I'm leaving the country next week, will my card work", False, id="travel"),
    ],
)
def test_leaving_cue(text: str, leaving: bool) -> None:
    assert (leaving_cue(text) is not None) == leaving, leaving_cue(text)


@pytest.mark.parametrize(
    ("text", "sarcastic"),
    [
        pytest.param("oh great, exactly what I needed", True, id="oh-great"),
        pytest.param("Fantastic, now my card's declined too", True, id="fantastic-now"),
        pytest.param("thanks a lot for that", True, id="thanks-a-lot"),
        pytest.param("yeah right, 3 to 5 days", True, id="yeah-right"),
        pytest.param("great, thank you!", False, id="sincere-thanks"),
        pytest.param("that was great service", False, id="sincere-praise"),
        pytest.param("the new card is exactly what I wanted, thanks", False, id="sincere-exactly"),
    ],
)
def test_sarcasm_cue(text: str, sarcastic: bool) -> None:
    assert (sarcasm_cue(text) is not None) == sarcastic, sarcasm_cue(text)


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        pytest.param([], 3, [], id="empty"),
        pytest.param([0.5], 3, [0.5], id="one-value"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 1, [1.0, 2.0, 3.0, 4.0], id="window-1-is-identity"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 2, [1.0, 1.5, 2.5, 3.5], id="window-2"),
        pytest.param([0.6, 0.0, -0.6, -0.9], 3, [0.6, 0.3, 0.0, -0.5], id="window-3-partial-start"),
        pytest.param([1.0, -1.0], 5, [1.0, 0.0], id="window-longer-than-values"),
    ],
)
def test_moving_average(values: list[float], window: int, expected: list[float]) -> None:
    assert moving_average(values, window) == pytest.approx(expected)


def test_moving_average_rejects_empty_window() -> None:
    with pytest.raises(ValueError, match="window"):
        moving_average([1.0], 0)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("My mother has passed away", "bereavement 'passed away'", id="words"),
        pytest.param("WHERE IS MY MONEY GONE", "shouting in capitals", id="whole-message"),
    ],
)
def test_cue_shows_its_words(text: str, shown: str) -> None:
    assert str(vulnerability_cue(text) or exasperation_cue(text)) == shown
