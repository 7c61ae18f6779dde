"""Out-of-scope recall with in-scope accuracy, on a labelled set, through the trained Rasa model.

Run from the repository root: .venv/bin/python -m benchmarks.oos_quality [--model PATH]

benchmarks/data/oos_questions.yml holds out-of-scope messages and in-scope ones labelled with their
intent. Each is parsed on its own by the trained model (the one for the current sources, trained first
if missing, as `make train` does), in Rasa's interpreter (benchmarks.escalation_quality's parse step).
- oos_recall: out-of-scope messages given the out_of_scope intent, over all of them (what sends the
  short out-of-scope reply; nlu_fallback would search the help centre instead);
- oos_precision: of the messages given out_of_scope, how many are out of scope;
- oos_in_scope_accuracy: in-scope messages given their labelled intent (nlu_fallback counts as wrong).
Merges those keys into benchmarks/results.json and prints a Markdown block for RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.escalation_quality import model_for_current_sources, nproc, parse_in_rasa
from benchmarks.results import header, merge_results

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data" / "oos_questions.yml"
COMMAND = ".venv/bin/python -m benchmarks.oos_quality"
OUT_OF_SCOPE = "out_of_scope"
GOAL_RECALL = 0.8


@dataclass(frozen=True)
class Labelled:
    text: str
    intent: str  # OUT_OF_SCOPE for the out-of-scope part


@dataclass(frozen=True)
class Scores:
    oos_recall: float
    oos_precision: float
    in_scope_accuracy: float
    oos_total: int
    in_scope_total: int


def load(path: Path = DATA) -> list[Labelled]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [Labelled(text, OUT_OF_SCOPE) for text in raw["out_of_scope"]]
    items += [Labelled(entry["text"], entry["intent"]) for entry in raw["in_scope"]]
    if len({item.text for item in items}) != len(items):
        raise ValueError(f"{path}: a message is listed twice")
    return items


def score(items: list[Labelled], predicted: dict[str, str | None]) -> Scores:
    oos = [item for item in items if item.intent == OUT_OF_SCOPE]
    in_scope = [item for item in items if item.intent != OUT_OF_SCOPE]
    flagged = [item for item in items if predicted[item.text] == OUT_OF_SCOPE]
    return Scores(
        oos_recall=sum(predicted[item.text] == OUT_OF_SCOPE for item in oos) / len(oos),
        oos_precision=(
            sum(item.intent == OUT_OF_SCOPE for item in flagged) / len(flagged) if flagged else 0.0
        ),
        in_scope_accuracy=sum(predicted[item.text] == item.intent for item in in_scope) / len(in_scope),
        oos_total=len(oos),
        in_scope_total=len(in_scope),
    )


def error_lines(items: list[Labelled], predicted: dict[str, str | None]) -> list[str]:
    return [
        f"- {item.text!r}: labelled {item.intent}, got {predicted[item.text]}"
        for item in items
        if predicted[item.text] != item.intent
    ]


def markdown(model: Path, scores: Scores) -> str:
    met = scores.oos_recall >= GOAL_RECALL
    return "\n".join(
        [
            "### Out-of-scope detection",
            "",
            header(COMMAND) + f"  \nnproc: {nproc()}",
            f"- data: {DATA.relative_to(REPO)}: {scores.oos_total} out-of-scope and "
            f"{scores.in_scope_total} in-scope messages, written for this set",
            f"- model: `{model.name}`, each message parsed on its own",
            "",
            "| oos_recall | oos_precision | in-scope accuracy |",
            "|---:|---:|---:|",
            f"| {scores.oos_recall:.3f} | {scores.oos_precision:.3f} | {scores.in_scope_accuracy:.3f} |",
            "",
            f"Goal: oos_recall >= {GOAL_RECALL:.2f} with in-scope accuracy held: "
            f"**{'met' if met else 'not met'}** for recall.",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="Rasa model (default: the one for the current sources)")
    parser.add_argument(
        "--no-results", action="store_true", help="print only (e.g. to score an older model for comparison)"
    )
    args = parser.parse_args()
    model = args.model or model_for_current_sources()
    items = load()
    parses = parse_in_rasa(model, [item.text for item in items])
    predicted = {text: intent for text, (intent, _) in parses.items()}
    scores = score(items, predicted)
    if not args.no_results:
        merge_results(
            {
                "oos_recall": round(scores.oos_recall, 4),
                "oos_precision": round(scores.oos_precision, 4),
                "oos_in_scope_accuracy": round(scores.in_scope_accuracy, 4),
            }
        )
    print("Misclassified:")
    print("\n".join(error_lines(items, predicted)) or "none")
    print()
    print(markdown(model, scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
