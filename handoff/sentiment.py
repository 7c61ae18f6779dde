"""How the customer feels, message by message: VADER's compound score, -1 (angry) to 1 (happy), with
VADER's general-English lexicon adapted to a bank's customer service; and the cues a score cannot carry.

Why adapt VADER: its lexicon was built from social-media text, where "fraud", "stolen" or "complaint"
are things to be upset about. In a bank's chat they are the topic: "my card was stolen, please block
it" and "how do I make a complaint?" are calm, and scoring them as angry sent calm customers to the
complaints queue. The other way round, VADER misses British anger ("shambles", "fed up") and reads the
politeness of a request ("please help", "I'd like to") as happiness, which hid upset customers.
LEXICON and IDIOMS below are the whole adaptation; each group says why.

Why cues as well: distress often comes politely ("I'm sorry to bother you, my mother has passed away"),
money gone in panic reads as a request ("someone has taken 3000 pounds out of my account, please help"),
and an angry complaint can use no negative word at all ("I'm complaining again, three weeks and still no
refund"); no valence per word separates those from routine messages, so handoff.policy reads them as
named cues (fraud_cue, vulnerability_cue, leaving_cue, exasperation_cue) next to the score. Sarcasm
(sarcasm_cue) is the one cue that changes the score itself: its praise words are meant the other way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import fsum

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Topic words: the problem or process a customer names to get help with it, not how they feel. VADER
# scored "complaint" -1.2, "fraud" -2.8, "stolen" -2.2, "failed" -2.3, while "interest" (rate) +2.0,
# "credit" +1.6 and "security" +1.4 made account talk look cheerful.
TOPIC_WORDS: tuple[str, ...] = (
    # processes the bot explains or runs
    *("complain", "complained", "complaining", "complaint", "complaints", "dispute", "disputed", "disputes"),
    # what happened to a card or a payment
    *("fraud", "fraudulent", "scam", "scams", "suspicious", "stolen", "lost", "loss", "missing"),
    *("block", "blocked", "cancel", "cancelled", "charged", "charges", "failed", "fail", "rejected"),
    *("denied", "delay", "delayed", "error", "problem", "wrong"),
    # products and features
    *("interest", "credit", "security", "secure", "free", "save", "benefit", "benefits"),
)

# Valences on VADER's scale (-4..4), replacing or adding to its lexicon.
LEXICON: dict[str, float] = {
    **dict.fromkeys(TOPIC_WORDS, 0.0),
    # Request and politeness words: asking for help is not being happy ("please, I'm desperate",
    # "nobody is helping"). "helpful" stays: it is praise.
    **dict.fromkeys(["please", "help", "helping", "helps", "like", "honestly"], 0.0),
    # Anger and contempt in British usage that VADER lacks or reads as positive ("a joke" +1.2).
    "shambles": -2.5,
    "rubbish": -2.0,
    "disgraceful": -2.5,
    "diabolical": -2.5,
    "atrocious": -2.5,
    "nightmare": -2.5,
    "gutted": -2.5,
    "joke": -1.5,
    "joking": -1.5,
    "kidding": -1.5,
    "unbelievable": -1.5,
    # Being defrauded is distress; VADER knows "scam" but not the victim's words.
    "scammed": -2.5,
    "conned": -2.5,
    "swindled": -2.5,
    "defrauded": -2.5,
    # Swearing as an intensifier ("why the hell was my card declined") is annoyance, not distress:
    # VADER's "hell" (-3.6) alone put a routine question below the floor.
    "hell": -1.2,
    "bloody": -0.8,
    "damn": -0.8,
    "crap": -1.0,
}

# Idioms VADER cannot see, since it scores single words: rewritten to a word with their valence, so
# VADER's own rules (negation, "really", capitals) still apply around them.
IDIOMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b{pattern}\b", re.IGNORECASE), word)
    for pattern, word in [
        (r"fed up", "frustrated"),
        (r"had enough", "frustrated"),
        (r"(?:lose|losing|lost) (?:my )?patience", "frustrated"),
        (r"(?:pissed|hacked|cheesed) off", "angry"),
        (r"ripped off", "cheated"),
        (r"(?:thanks|cheers) for nothing", "contempt"),
        (r"(?:at )?(?:my wits'? end|the end of my tether)", "desperate"),
    ]
)


def _any(*alternatives: str) -> str:
    """A regex matching any of the alternatives (regexes themselves) as whole words."""
    return rf"\b(?:{'|'.join(alternatives)})\b"


def _cues(named: Iterable[tuple[str, str]]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in named)


# Cues a bank must not miss: each hands the conversation to a person at once (handoff.policy), however
# calm the words. The vulnerability kinds follow the FCA's drivers of vulnerability (FG21/1: health, life
# events, resilience); the words are each driver's general vocabulary, not phrases of particular
# conversations.
_RELATIVE = _any(
    "mum", "mother", "mom", "dad", "father", "husband", "wife", "partner", "son", "daughter", "child",
    "baby", "brother", "sister", "nan", "gran", "grandma", "grandmother", "grandad", "grandfather",
    "grandson", "granddaughter", "aunt", "uncle", "friend",
)  # fmt: skip
# "died" alone is also a phone's battery: only with a person in the same sentence.
_BEREAVEMENT = (
    _any(r"passed away", r"bereave\w*", "funeral", r"widow(?:ed|er)?", "probate", "deceased")
    + rf"|{_RELATIVE}[^.!?]*\bdied\b|\blost (?:my|our) {_RELATIVE}"
)
_FRAUD_VICTIM = _any(
    "scammed", r"scammers?", "conned", "swindled", "defrauded", r"fraudsters?", "tricked", "duped",
    r"impersonat\w*", r"pretend(?:ed|ing) to be", r"safe account",
)  # fmt: skip
# Money gone: someone else took it, or the account was emptied. "A payment I don't recognise" alone is a
# dispute the bot can take; these are the words of a customer who has lost control of their money.
_MONEY = r"(?:money|savings|funds|cash|wages|salary|pension|balance|£ ?\d[\d,.]*k?|\d[\d,.]*k? ?(?:pounds|quid|gbp))"
_MONEY_GONE = (
    r"\b(?:someone|somebody|some ?one|a stranger|they|he|she)\b[^.!?]{0,40}?"
    r"\b(?:has |have |had |just )?(?:taken|took|stolen|stole|withdrawn|withdrew|emptied|drained|cleared|wiped|"
    r"transferred|moved|spent|used)\b[^.!?]{0,40}?\b(?:my|our|all)\b[^.!?]{0,12}?\b(?:account|money|savings|card|cash)"
    # "my money has gone into the wrong account" is a misdirected payment, not a theft
    rf"|(?<!\w)(?:all )?(?:(?:my|our|the) )?{_MONEY} (?:has |have |is |are |just )?(?:gone|disappeared|vanished)\b"
    r"(?! (?:in)?to\b)"
    r"|\b(?:emptied|drained|cleared out|wiped out)\b[^.!?]{0,20}\b(?:my|our) (?:\w+ )?(?:account|savings)"
    r"|\b(?:my|our) (?:\w+ )?(?:account|savings)(?:'s| has| have)? (?:been|was|were|is|got|just got) "
    r"(?:emptied|drained|cleared out|wiped out)"
)
# "hacked off" is an idiom for angry (see IDIOMS).
_TAKEOVER = (
    r"\bhacked\b(?! off)|\bhackers?\b"
    r"|\b(?:someone|somebody)(?:'s| is| has been| keeps?) (?:using|spending on|logging into|getting into) (?:my|our)"
    r"|\b(?:payments|transactions|money) (?:i|we) (?:didn'?t|did not|never) make (?:are |is )?(?:still |keep )?"
    r"(?:coming|going) out"
)
_HEALTH = _any(
    r"hospital\w*", "intensive care", "ambulance", "stroke", "heart attack", "cancer", r"chemo\w*",
    r"terminal(?:ly)?", r"(?:seriously|critically) ill", r"diagnos\w*", "dementia", r"alzheimer'?s",
    r"disab(?:led|ility)", "mental health", "mentally", "depression", "nervous breakdown", r"suicid\w*",
    r"self[- ]harm", r"addict\w*", "gambling", r"(?:can'?t|cannot|struggling to) cope",
)  # fmt: skip
_LIFE_EVENT = _any(
    r"redundan\w*", "lost my job", "laid off", "sacked", r"divorc\w*", "split up",
    r"leav(?:e|ing) (?:him|her)", "stranded", r"(?:it's|it is|this is) an emergency",
)  # fmt: skip
_HARDSHIP = _any(
    r"(?:can'?t|cannot|couldn'?t|unable to) afford",
    r"(?:can'?t|cannot|unable to) pay (?:my|the|our) (?:rent|mortgage|bills?|loan|debts?)",
    r"struggling (?:to pay|financially|with (?:money|bills|debts?|payments))",
    r"behind (?:on|with) (?:my |the |our )?(?:\w+ ){0,2}(?:payments|repayments|rent|mortgage|bills)",
    "arrears", r"bailiffs?", r"debt collectors?", "CCJ", r"evict\w*", r"repossess\w*", r"food ?banks?",
    "no income", r"no money (?:left|for|to)", "nothing left", "desperate", "skint",
)  # fmt: skip
_ABUSE = _any(
    r"abus\w*", r"coerc\w*", "controlling", "pressured", "frightened", r"threaten\w*",
    r"scared of (?:him|her|them|my)",
    # "won't let me" is also an app's login screen: only when a person does it
    r"(?:he|she) won'?t let me",
)  # fmt: skip
FRAUD_CUES = _cues(
    [("fraud victim", _FRAUD_VICTIM), ("money gone", _MONEY_GONE), ("account taken over", _TAKEOVER)]
)
VULNERABILITY_CUES = _cues(
    [
        ("bereavement", _BEREAVEMENT),
        ("health", _HEALTH),
        ("life event", _LIFE_EVENT),
        ("financial hardship", _HARDSHIP),
        ("abuse or coercion", _ABUSE),
    ]
)
# Leaving, said as intent ("I'm moving my money elsewhere"); "how do I close my account?" is a question
# the help centre answers.
_SUBJECT = r"(?:i'?m|i am|i'?ll|i will|i'?ve|i have|we'?re|we are|we'?ll|we will)"
_LEAVING = _any(
    rf"{_SUBJECT} (?:\w+ ){{0,3}}?(?:moving|move|switching|switch|leaving|leave|closing|close|taking|take|pulling|pull) "
    r"(?:all )?(?:my|our) (?:\w+ )?(?:accounts?|money|savings|business|custom|mortgage)",
    r"take my (?:business|money|custom|savings) (?:elsewhere|somewhere else)",
    r"(?:switch|switching|move|moving|go|going) (?:\w+ )?to (?:another|a different|a new|a better|a proper) bank",
    r"(?:switch|switching|move|moving|leave|leaving) banks?",
    r"thinking (?:of|about) (?:moving|switching|leaving|closing)",
    r"(?:done|finished) with (?:you|this bank|northwind)", "last straw", r"never (?:bank|banking) with you",
)  # fmt: skip
LEAVING_CUES = _cues([("threat to leave", _LEAVING)])

# Exasperation in a complaint, which VADER scores neutral or, for sarcasm, positive.
_NUMBER = r"(?:\d+|a few|several|many|so many|countless|two|three|four|five|six|seven|eight|nine|ten)"
# Not a bare "again": "I've lost my card again" is a routine request.
_REPEATED = _any(
    "still", "yet again", "again and again", r"every (?:single )?time",
    r"keeps? (?:happening|asking|calling|telling|sending|saying)", rf"{_NUMBER} times",
    r"(?:second|third|fourth|fifth|umpteenth|\d+(?:st|nd|rd|th)) time", "nobody", r"no[- ]one",
)  # fmt: skip
_LONG_WAIT = _any(rf"{_NUMBER} (?:hours|days|weeks|months)", "on hold", "ages")
# "Can I take a complaint to the ombudsman?" is a question; "I'm going to the ombudsman" a threat.
_THREAT = _any(
    r"(?:going|go|take (?:this|it)) to the (?:financial )?ombudsman",
    r"report (?:you|this) to", "solicitor", "legal action",
)  # fmt: skip
_PRAISE = r"(?:great|brilliant|wonderful|lovely|fantastic|perfect|marvellous|super|amazing|excellent)"
_SARCASM = (
    _any(
        "thanks a lot",
        "thanks a bunch",
        r"as (?:always|usual)",
        "well done",
        "yeah right",
        r"love (?:that|this) for me",
        rf"(?:that's|thats|this is) just {_PRAISE}",
    )
    + rf"|^\W*(?:oh|well|wow),? (?:just |how |really )?{_PRAISE}\b"
    + rf"|^\W*{_PRAISE}[,.!]+ (?:another|more|now|so|just|even)\b"
    # "exactly what I needed" is sincere after a fix, ironic as an opener
    + r"|^\W*(?:just|exactly) what i (?:needed|wanted)"
)
EXASPERATION_CUES = _cues(
    [
        ("repeated contact", _REPEATED),
        ("long wait", _LONG_WAIT),
        ("threat", _THREAT),
        ("threat to leave", _LEAVING),
        ("disbelief", _any(r"(?:can'?t|cannot) believe", "how dare you")),
        ("sarcasm", _SARCASM),
    ]
)
SARCASM_CUES = _cues([("sarcasm", _SARCASM)])
# Sarcasm's score: VADER reads its praise words literally ("oh great" +0.6). The irony says which way the
# customer feels, not how strongly: mildly annoyed, so one wry remark stays above the policy's floor while
# a run of them brings the average down.
SARCASM_SCORE = -0.5
# A message this long in capitals is shouted; shorter ones ("ATM", "PIN") are not.
SHOUTING_MIN_LETTERS = 12
SHOUTING_UPPER_SHARE = 0.7


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str  # e.g. "bereavement", "repeated contact"
    words: str  # what in the message showed it; empty when it is the whole message (capitals)

    def __str__(self) -> str:
        return f"{self.kind} '{self.words}'" if self.words else self.kind


class SentimentScorer:
    """One analyser for the process: building it reads VADER's lexicon from disk."""

    def __init__(self, neutral_texts: Iterable[str] = ()) -> None:
        # Placeholders such as the masked "[security details hidden]" are not the customer's words,
        # so they score as neutral whatever VADER's lexicon says about them.
        self._neutral_texts = frozenset(neutral_texts)
        self._analyzer = SentimentIntensityAnalyzer()
        self._analyzer.lexicon.update(LEXICON)

    def score(self, text: str) -> float:
        if not text.strip() or text in self._neutral_texts:
            return 0.0
        compound = float(self._analyzer.polarity_scores(rewrite_idioms(text))["compound"])
        # Sarcasm that VADER already reads as negative keeps its score ("thanks a lot, you useless lot").
        return min(compound, SARCASM_SCORE) if sarcasm_cue(text) is not None else compound


def rewrite_idioms(text: str) -> str:
    for pattern, word in IDIOMS:
        text = pattern.sub(word, text)
    return text


def fraud_cue(text: str) -> Cue | None:
    """The first sign of fraud in progress or money gone, or None."""
    return _first_cue(FRAUD_CUES, text)


def vulnerability_cue(text: str) -> Cue | None:
    """The first sign of a vulnerable customer (bereavement, health, hardship...), or None."""
    return _first_cue(VULNERABILITY_CUES, text)


def leaving_cue(text: str) -> Cue | None:
    """A threat to leave the bank, or None."""
    return _first_cue(LEAVING_CUES, text)


def sarcasm_cue(text: str) -> Cue | None:
    return _first_cue(SARCASM_CUES, text)


def exasperation_cue(text: str) -> Cue | None:
    """The first sign of exasperation in the text (shouting included), or None."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    if len(letters) >= SHOUTING_MIN_LETTERS and upper >= SHOUTING_UPPER_SHARE * len(letters):
        return Cue("shouting in capitals", "")
    return _first_cue(EXASPERATION_CUES, text)


def _first_cue(cues: Sequence[tuple[str, re.Pattern[str]]], text: str) -> Cue | None:
    for kind, pattern in cues:
        if found := pattern.search(text):
            return Cue(kind, found.group(0))
    return None


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """The trailing mean at each position; the first window - 1 positions average what there is so far."""
    if window < 1:
        raise ValueError(f"window must be at least 1, not {window}")
    return [fsum(values[max(0, end - window) : end]) / min(end, window) for end in range(1, len(values) + 1)]
