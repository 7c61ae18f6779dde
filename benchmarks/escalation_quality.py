"""Escalation policy quality on hand-labelled conversations, with real NLU and sentiment signals.

Run from the repository root: .venv/bin/python -m benchmarks.escalation_quality [--model PATH] [--data PATH]

The labels (benchmarks/data/escalation_conversations.yml) were written apart from the policy and say
what a good contact centre would do. The policy is fed what it gets live, never the labels:
1. Rasa's interpreter (Python 3.10) runs this module with `parse`: it loads the trained model (the one
   for the current sources, trained first if missing, as `make train` does) and writes the intent and
   confidence of every distinct customer turn to a temporary file outside the repository;
2. the gateway's interpreter scores each turn with VADER (handoff.sentiment), builds the Signals the
   gateway builds, and calls handoff.policy.decide with config.yml's handoff.escalation.
The main figure decides after every turn, as live, and counts the conversation as escalated at the first
turn whose decision escalates. Deciding only after the last turn is reported next to it.
By default two sets are scored, each with its own keys in benchmarks/results.json, and a Markdown block
for RESULTS.md is printed for each:
- benchmarks/data/escalation_cues.yml, the cues a bank must not miss (fraud, vulnerability, leaving,
  sarcasm): escalation_precision, escalation_recall, ...;
- benchmarks/data/escalation_conversations.yml, the held-out evaluation set of every reason:
  escalation_heldout_precision, escalation_heldout_recall, ...

--data scores another set in the same format instead, such as the tuning set
(benchmarks/data/escalation_tuning.yml) the policy is developed on: its figures are printed only, so
results.json keeps the scored sets'.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # gateway-only modules; Rasa's venv imports this file for the parse step
    from handoff.policy import Decision, Signals
    from tandem.config import EscalationSettings

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data" / "escalation_conversations.yml"
CUES = REPO / "benchmarks" / "data" / "escalation_cues.yml"
# The sets whose figures go to results.json, with their keys' prefix.
RESULT_PREFIX = {CUES: "escalation", DATA: "escalation_heldout"}
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"
COMMAND = ".venv/bin/python -m benchmarks.escalation_quality"
REASONS = frozenset(
    {
        "fraud",
        "vulnerable",
        "threat_to_leave",
        "customer_request",
        "complaint",
        "negative_sentiment",
        "sentiment_falling",
        "repeated_failure",
        "flow_failed",
        "bot_down",
    }
)
# The bot sets the handoff_requested slot on these intents (keypad 0 sends the payload /request_human;
# report_fraud brings in a person at once, training_data/stories/rules_handoff.yml).
REQUEST_INTENTS = frozenset({"request_human", "report_fraud"})
# Reported aside: the bot's rules running action_request_human on a complaint as well.
BOT_RULE_REQUEST_INTENTS = REQUEST_INTENTS | {"complaint"}
GOAL_PRECISION = GOAL_RECALL = 0.9
# rasa_env bounds TensorFlow and OpenMP to one thread; BLAS too, since the machine's cores are shared.
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# intent name and confidence as Rasa's latest_message reports them (nlu_fallback included)
Parse = tuple[str | None, float | None]


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[str, ...]
    escalate: bool
    reason: str
    tier: str
    bot_down: bool
    flow_failed: bool


@dataclass(frozen=True)
class Outcome:
    """The policy's verdict on one conversation: the first escalating decision, or the last one."""

    conversation: Conversation
    decision: Decision
    turn: int  # 1-based turn the decision was taken after


# --- step 1, in Rasa's venv ------------------------------------------------------------------------


async def parse_texts(model: Path, texts: list[str]) -> dict[str, list[Any]]:
    """Each text parsed on its own, as a customer's message reaches the live bot."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged at debug level
    agent = Agent.load(str(model))
    parsed = {}
    for text in texts:
        intent = (await agent.parse_message(text)).get("intent") or {}
        parsed[text] = [intent.get("name"), intent.get("confidence")]
    return parsed


def parse_step(model: Path, texts_path: Path, out_path: Path) -> None:
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    out_path.write_text(json.dumps(asyncio.run(parse_texts(model, texts))), encoding="utf-8")


# --- step 2, in the gateway's venv -----------------------------------------------------------------


def load_conversations(path: Path = DATA) -> list[Conversation]:
    import yaml

    conversations = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
        reason = raw["reason"]
        if (reason != "none" and reason not in REASONS) or (reason == "none") == raw["escalate"]:
            raise ValueError(f"{raw['id']}: reason {reason!r} does not fit escalate={raw['escalate']}")
        conversations.append(
            Conversation(
                id=raw["id"],
                turns=tuple(raw["turns"]),
                escalate=raw["escalate"],
                reason=reason,
                tier=raw.get("tier", "standard"),
                bot_down=raw.get("bot_down", False),
                flow_failed=raw.get("flow_failed", False),
            )
        )
    return conversations


def parse_in_rasa(model: Path, texts: list[str]) -> dict[str, Parse]:
    """Runs step 1 in a subprocess with Rasa's interpreter; the files live in a temporary directory."""
    from tandem.training import rasa_env

    with tempfile.TemporaryDirectory(prefix="escalation_quality_") as tmp:
        texts_path, out_path = Path(tmp) / "texts.json", Path(tmp) / "parsed.json"
        texts_path.write_text(json.dumps(texts), encoding="utf-8")
        command = [str(RASA_PYTHON), "-m", "benchmarks.escalation_quality", "parse"]
        command += [str(model), str(texts_path), str(out_path)]
        subprocess.run(command, cwd=REPO, env={**rasa_env(threads=1), **THREAD_ENV}, check=True)
        parsed = json.loads(out_path.read_text(encoding="utf-8"))
    return {text: (name, confidence) for text, (name, confidence) in parsed.items()}


def signals(
    conversation: Conversation,
    upto: int,
    parses: dict[str, Parse],
    sentiments: dict[str, float],
    request_intents: frozenset[str],
) -> Signals:
    """What the gateway knows after turn `upto`: the bot reports a failed flow or goes down at the last
    turn, and handoff_requested stays set once the bot has set it."""
    from handoff.policy import CustomerTurn, Signals

    turns = tuple(
        CustomerTurn(text, parses[text][0], parses[text][1], sentiments[text])
        for text in conversation.turns[:upto]
    )
    last = upto == len(conversation.turns)
    return Signals(
        turns=turns,
        handoff_requested=any(turn.intent in request_intents for turn in turns),
        flow_failed=conversation.flow_failed and last,
        bot_down=conversation.bot_down and last,
        tier=conversation.tier,
    )


def run_policy(
    conversation: Conversation,
    parses: dict[str, Parse],
    sentiments: dict[str, float],
    rules: EscalationSettings,
    per_turn: bool,
    request_intents: frozenset[str] = REQUEST_INTENTS,
) -> Outcome:
    """Per turn: the first escalating decision (live, that turn hands off); otherwise the last one."""
    from handoff.policy import decide

    total = len(conversation.turns)
    for upto in range(1 if per_turn else total, total + 1):
        decision = decide(signals(conversation, upto, parses, sentiments, request_intents), rules)
        if decision.escalate:
            break
    return Outcome(conversation, decision, upto)


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int
    tn: int
    reason_agreement: float  # on true positives

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def reason_of(decision: Decision) -> str:
    return decision.reason.value if decision.reason is not None else "none"


def score(outcomes: list[Outcome]) -> Scores:
    def count(gold: bool, predicted: bool) -> int:
        return sum(o.conversation.escalate == gold and o.decision.escalate == predicted for o in outcomes)

    hits = [o for o in outcomes if o.conversation.escalate and o.decision.escalate]
    agreed = sum(reason_of(o.decision) == o.conversation.reason for o in hits)
    return Scores(
        tp=len(hits),
        fp=count(False, True),
        fn=count(True, False),
        tn=count(False, False),
        reason_agreement=agreed / len(hits) if hits else 0.0,
    )


def by_reason_rows(outcomes: list[Outcome]) -> list[str]:
    """Per labelled reason: how many the policy escalated, and with the same reason."""
    rows = ["| labelled reason | conversations | escalated | same reason |", "|---|---:|---:|---:|"]
    for reason in [*sorted(REASONS), "none"]:
        group = [o for o in outcomes if o.conversation.reason == reason]
        escalated = [o for o in group if o.decision.escalate]
        same = sum(reason_of(o.decision) == reason for o in escalated)
        rows.append(f"| {reason} | {len(group)} | {len(escalated)} | {same if reason != 'none' else ''} |")
    return rows


def turn_trace(conversation: Conversation, parses: dict[str, Parse], sentiments: dict[str, float]) -> str:
    """The signals of each turn, to see why the policy went wrong."""
    parts = []
    for text in conversation.turns:
        name, confidence = parses[text]
        parts.append(f"{text!r} [{name} {confidence or 0:.2f}, sentiment {sentiments[text]:+.2f}]")
    return " / ".join(parts)


def error_lines(outcomes: list[Outcome], parses: dict[str, Parse], sentiments: dict[str, float]) -> list[str]:
    lines = []
    for o in outcomes:
        c = o.conversation
        if c.escalate == o.decision.escalate:
            continue
        kind = "missed" if c.escalate else "false alarm"
        verdict = f"{reason_of(o.decision)} after turn {o.turn}" if o.decision.escalate else "no escalation"
        lines.append(f"- {c.id} ({kind}; labelled {c.reason}; policy: {verdict}): {o.decision.explanation}")
        lines.append(f"  turns: {turn_trace(c, parses, sentiments)}")
    return lines


def nproc() -> str:
    # nproc honours OMP_NUM_THREADS, which may be set to 1 here: ask it without the OMP variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}
    return subprocess.run(["nproc"], capture_output=True, text=True, check=True, env=env).stdout.strip()


def shown(path: Path) -> Path:
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def data_description(path: Path) -> str:
    if path == DATA:
        return f"{shown(path)}, labelled apart from the policy"
    if path == CUES:
        return f"{shown(path)}, written from scratch for the cues a bank must not miss"
    return f"{shown(path)}, a tuning set: the policy was developed on it"


def markdown(
    model: Path,
    data: Path,
    conversations: list[Conversation],
    live: Scores,
    last_turn: Scores,
    bot_rules: Scores,
    rows: list[str],
) -> str:
    from benchmarks.results import header

    met = live.precision >= GOAL_PRECISION and live.recall >= GOAL_RECALL
    positives = sum(c.escalate for c in conversations)
    return "\n".join(
        [
            f"### Escalation policy on {shown(data).name}",
            "",
            header(COMMAND if data in RESULT_PREFIX else f"{COMMAND} --data {shown(data)}")
            + f"  \nnproc: {nproc()}",
            f"- data: {len(conversations)} conversations ({positives} to escalate), {data_description(data)}",
            f"- signals: intent and confidence from the trained Rasa model `{model.name}`, sentiment from "
            "VADER (handoff.sentiment), rules from config.yml handoff.escalation; handoff_requested set "
            "by a request_human or report_fraud turn",
            "",
            "| decision taken | precision | recall | F1 | TP | FP | FN | TN | same reason (TP) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            table_row("after every turn (live; main figure)", live),
            table_row("after the last turn only", last_turn),
            table_row("after every turn, complaint also sets handoff_requested (bot's rules)", bot_rules),
            "",
            f"Goal: precision and recall >= {GOAL_PRECISION:.2f} after every turn: "
            f"**{'met' if met else 'not met'}**.",
            "",
            *rows,
        ]
    )


def table_row(label: str, s: Scores) -> str:
    return (
        f"| {label} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.tp} | {s.fp} | {s.fn} | "
        f"{s.tn} | {s.reason_agreement:.1%} |"
    )


def model_for_current_sources() -> Path:
    """The model `make train` would use, trained first if the sources changed since the last one."""
    from tandem.config import config_path, settings
    from tandem.training import ensure_model

    cfg = settings()
    return ensure_model(config_path(), cfg.resolve(cfg.data_dir) / "logs" / "train.log")


def evaluate(model: Path, sets: list[Path]) -> int:
    from handoff.sentiment import SentimentScorer
    from tandem.config import load_settings

    conversations = {data: load_conversations(data) for data in sets}
    texts = sorted({text for group in conversations.values() for c in group for text in c.turns})
    parses = parse_in_rasa(model, texts)
    scorer = SentimentScorer()
    sentiments = {text: scorer.score(text) for text in texts}
    rules = load_settings().handoff.escalation
    for data, group in conversations.items():
        report(model, data, group, parses, sentiments, rules)
    return 0


def report(
    model: Path,
    data: Path,
    conversations: list[Conversation],
    parses: dict[str, Parse],
    sentiments: dict[str, float],
    rules: EscalationSettings,
) -> None:
    from benchmarks.results import merge_results

    def outcomes(per_turn: bool, request_intents: frozenset[str] = REQUEST_INTENTS) -> list[Outcome]:
        return [run_policy(c, parses, sentiments, rules, per_turn, request_intents) for c in conversations]

    live = outcomes(per_turn=True)
    live_scores = score(live)
    last_turn_scores = score(outcomes(per_turn=False))
    bot_rule_scores = score(outcomes(per_turn=True, request_intents=BOT_RULE_REQUEST_INTENTS))
    if (prefix := RESULT_PREFIX.get(data)) is not None:  # a tuning set's figures must not stand in
        merge_results(
            {
                f"{prefix}_precision": round(live_scores.precision, 4),
                f"{prefix}_recall": round(live_scores.recall, 4),
                f"{prefix}_f1": round(live_scores.f1, 4),
                f"{prefix}_reason_agreement": round(live_scores.reason_agreement, 4),
                f"{prefix}_last_turn_precision": round(last_turn_scores.precision, 4),
                f"{prefix}_last_turn_recall": round(last_turn_scores.recall, 4),
            }
        )
    print(f"Misclassified in {shown(data)} (decided after every turn):")
    print("\n".join(error_lines(live, parses, sentiments)) or "none")
    print()
    print(
        markdown(
            model, data, conversations, live_scores, last_turn_scores, bot_rule_scores, by_reason_rows(live)
        )
    )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step")
    parse = sub.add_parser("parse", help="internal: step 1, run by Rasa's interpreter")
    parse.add_argument("model", type=Path)
    parse.add_argument("texts", type=Path)
    parse.add_argument("out", type=Path)
    parser.add_argument(
        "--model", type=Path, help="Rasa model to use (default: the one for the current sources)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="labelled conversations to score (default: the cue set and the held-out evaluation set; no "
        "other set's figures go to results.json)",
    )
    args = parser.parse_args()
    if args.step == "parse":
        parse_step(args.model, args.texts, args.out)
        return 0
    sets = [args.data.resolve()] if args.data else list(RESULT_PREFIX)
    return evaluate(args.model or model_for_current_sources(), sets)


if __name__ == "__main__":
    sys.exit(main())
