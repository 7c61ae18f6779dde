"""BANKING77 dev-split benchmark of the NLU pipeline in config.yml, inside Rasa 3.6.

Run from the repository root with Rasa's interpreter (Python 3.10):

    .venv-rasa/bin/python benchmarks/nlu_banking77.py [--no-baseline]

Splits ../shared/data/banking77/train.csv stratified 80/20 (seed 42), writes Rasa NLU YAML and a
config holding only `language` and `pipeline` of config.yml to a temporary directory, times a cold
`rasa train nlu` (fresh Rasa cache), then loads the model and parses every dev message one at a time.
Merges the figures into benchmarks/results.json and prints a Markdown block for RESULTS.md.

Accuracy and macro-F1 score the classifier's top intent: when FallbackClassifier has replaced it by
`nlu_fallback`, the next entry of the ranking is taken, and the fallback rate is reported on its own.
The baseline is the same pipeline without the MiniLM featurizer (char n-grams only).
Nothing derived from the data set is written inside the repository.
"""

import argparse
import asyncio
import csv
import datetime
import json
import logging
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "banking77" / "train.csv"
SEED = 42
DENSE_FEATURIZER_SUFFIX = "MiniLMFeaturizer"
FALLBACK_INTENT = "nlu_fallback"
GOAL_ACCURACY, GOAL_TRAIN_SECONDS = 0.935, 300.0
# The trained model names its custom components bot.nlu_components.*, and results.json is written
# through benchmarks.results: both need the repository root, also when run as a script.
sys.path.insert(0, str(REPO))

# One thread everywhere (BLAS, TensorFlow, OpenMP): the machine's cores are shared. The ONNX session
# threads come from the featurizer's settings in config.yml. Set before Rasa is imported.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}
os.environ.update(THREAD_ENV)


def load_split() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, intent) pairs for train and dev; whitespace runs (some texts hold newlines) collapsed."""
    from sklearn.model_selection import train_test_split

    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = [(" ".join(row["text"].split()), row["category"]) for row in csv.DictReader(handle)]
    train, dev = train_test_split(rows, test_size=0.2, stratify=[r[1] for r in rows], random_state=SEED)
    return train, dev


def write_nlu_yaml(examples: list[tuple[str, str]], path: Path) -> None:
    """Rasa 3 NLU YAML; intent names JSON-quoted since one of them ends in '?'."""
    by_intent: dict[str, list[str]] = {}
    for text, intent in examples:
        by_intent.setdefault(intent, []).append(text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in sorted(by_intent.items()):
        lines += [f"- intent: {json.dumps(intent)}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_config(pipeline: list[dict[str, Any]], language: str, path: Path) -> None:
    """A config with only the keys NLU training needs (JSON is valid YAML)."""
    path.write_text(json.dumps({"language": language, "pipeline": pipeline}, indent=2), encoding="utf-8")


def train(config: Path, nlu: Path, out: Path, cache: Path) -> tuple[Path, float]:
    """Cold `rasa train nlu` in a subprocess; returns the model path and its wall time in seconds."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_CACHE_DIRECTORY": str(cache),
    }
    command = [
        str(Path(sys.executable).parent / "rasa"),
        "train",
        "nlu",
        "--config",
        str(config),
        "--nlu",
        str(nlu),
        "--out",
        str(out),
        "--fixed-model-name",
        config.stem,
    ]
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    return out / f"{config.stem}.tar.gz", time.perf_counter() - started


def classifier_ranking(parse: dict[str, Any]) -> list[tuple[str, float]]:
    """The intent classifier's ranking, with FallbackClassifier's inserted entry removed."""
    ranking = [(e["name"], e["confidence"]) for e in parse.get("intent_ranking") or []]
    return [entry for entry in ranking if entry[0] != FALLBACK_INTENT] or [("None", 0.0)]


async def parse_all(model: Path, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    """Parses each text on its own (as a live conversation would), timing every call."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged at debug level
    agent = Agent.load(str(model))
    await agent.parse_message("warm up")  # first call builds lazy state; not a user's latency
    parses, latencies_ms = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        latencies_ms.append((time.perf_counter() - started) * 1000)
    return parses, latencies_ms


def evaluate(model: Path, dev: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1, fallback rate and latency percentiles on the dev split."""
    from sklearn.metrics import f1_score

    parses, latencies_ms = asyncio.run(parse_all(model, [text for text, _ in dev]))
    gold = [intent for _, intent in dev]
    rankings = [classifier_ranking(parse) for parse in parses]
    names = [ranking[0][0] for ranking in rankings]
    percentiles = statistics.quantiles(latencies_ms, n=100)
    return {
        "accuracy": sum(p == g for p, g in zip(names, gold, strict=True)) / len(gold),
        "macro_f1": float(f1_score(gold, names, average="macro")),
        "fallback_rate": sum(parse["intent"]["name"] == FALLBACK_INTENT for parse in parses) / len(gold),
        "p50_ms": percentiles[49],
        "p95_ms": percentiles[94],
        "top_two": [(r[0][1], r[1][1] if len(r) > 1 else 0.0) for r in rankings],
        "correct": [p == g for p, g in zip(names, gold, strict=True)],
    }


def threshold_table(top_two: list[tuple[float, float]], correct: list[bool], ambiguity: float) -> list[str]:
    """For candidate thresholds, FallbackClassifier's decision (top confidence below the threshold,
    or top two closer than the ambiguity threshold): share sent to fallback, accuracy of the rest."""
    lines = ["| threshold | sent to fallback | accuracy of answered | errors answered | correct lost |"]
    lines.append("|---|---|---|---|---|")
    total = len(correct)
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        answered = [first >= threshold and first - second >= ambiguity for first, second in top_two]
        kept = [ok for keep, ok in zip(answered, correct, strict=True) if keep]
        lost = sum(ok for keep, ok in zip(answered, correct, strict=True) if not keep)
        accuracy = sum(kept) / len(kept) if kept else float("nan")
        lines.append(
            f"| {threshold:.1f} | {1 - len(kept) / total:.1%} | {accuracy:.2%} | "
            f"{len(kept) - sum(kept)} | {lost} |"
        )
    return lines


def machine() -> str:
    """`nproc`, CPU model and load, since the cores are shared and figures move with the load."""
    # nproc honours OMP_NUM_THREADS, which this script sets to 1: ask it without the OMP variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True, env=env).stdout.strip()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"nproc {nproc}, {cpu}, load average at end {load}"


def verdict(margin: float, unit: str) -> str:
    """'met' or 'missed by ...' for a margin that is positive when the goal is met."""
    if margin >= 0:
        return "met"
    amount = f"{-margin:.2%}".rstrip("%") if unit == "points" else f"{-margin:.1f}"
    return f"missed by {amount} {unit}"


def main() -> None:
    """Trains, evaluates, writes results.json and prints the Markdown block."""
    import yaml

    from benchmarks.results import merge_results

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without MiniLM features")
    args = parser.parse_args()

    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    pipeline, language = config["pipeline"], config.get("language", "en")
    variants = {"full": pipeline}
    if not args.no_baseline:
        variants["baseline"] = [c for c in pipeline if not str(c["name"]).endswith(DENSE_FEATURIZER_SUFFIX)]
    train_set, dev_set = load_split()

    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="nlu_banking77_") as tmp:
        work = Path(tmp)
        nlu = work / "nlu.yml"
        write_nlu_yaml(train_set, nlu)
        for name, variant in variants.items():
            config_path = work / f"{name}.yml"
            write_config(variant, language, config_path)
            model, seconds = train(config_path, nlu, work / "models", work / f"cache_{name}")
            print(f"{name}: trained in {seconds:.1f} s", flush=True)
            figures[name] = {"train_seconds": seconds, **evaluate(model, dev_set)}
            print(f"{name}: dev accuracy {figures[name]['accuracy']:.4f}", flush=True)

    full = figures["full"]
    values = {
        "nlu_dev_accuracy": round(full["accuracy"], 4),
        "nlu_dev_macro_f1": round(full["macro_f1"], 4),
        "nlu_train_seconds": round(full["train_seconds"], 1),
        "nlu_parse_p50_ms": round(full["p50_ms"], 2),
        "nlu_parse_p95_ms": round(full["p95_ms"], 2),
        "nlu_dev_fallback_rate": round(full["fallback_rate"], 4),
    }
    if "baseline" in figures:
        values["nlu_baseline_dev_accuracy"] = round(figures["baseline"]["accuracy"], 4)
        values["nlu_baseline_dev_macro_f1"] = round(figures["baseline"]["macro_f1"], 4)
        values["nlu_baseline_train_seconds"] = round(figures["baseline"]["train_seconds"], 1)
    merge_results(values)

    fallback = next((c for c in pipeline if c["name"] == "FallbackClassifier"), {})
    threshold, ambiguity = fallback.get("threshold", 0.3), fallback.get("ambiguity_threshold", 0.1)
    rows = [
        f"| {name} | {f['accuracy']:.2%} | {f['macro_f1']:.4f} | {f['train_seconds']:.1f} | "
        f"{f['p50_ms']:.1f} | {f['p95_ms']:.1f} | {f['fallback_rate']:.1%} |"
        for name, f in figures.items()
    ]
    block = [
        f"### NLU on BANKING77 dev split ({len(train_set)} train / {len(dev_set)} dev, stratified, seed {SEED})",
        "",
        f"- Command: `{shlex.join([os.path.relpath(sys.orig_argv[0], REPO), *sys.orig_argv[1:]])}`",
        f"- Date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}, thread env: "
        + ", ".join(f"{k}={v}" for k, v in THREAD_ENV.items() if k.endswith("THREADS")),
        f"- Accuracy and macro-F1 score the classifier's top intent; fallback rate is the share that "
        f"FallbackClassifier (threshold {threshold}, ambiguity_threshold {ambiguity}) sends to fallback.",
        f"- Goal: accuracy >= {GOAL_ACCURACY:.1%} ({verdict(full['accuracy'] - GOAL_ACCURACY, 'points')}), "
        f"training <= {GOAL_TRAIN_SECONDS:.0f} s ({verdict(GOAL_TRAIN_SECONDS - full['train_seconds'], 's')}).",
        "",
        "| pipeline | accuracy | macro-F1 | train s | parse p50 ms | parse p95 ms | fallback rate |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    if "baseline" in figures:
        base = figures["baseline"]
        block += [
            "",
            f"MiniLM features: accuracy {full['accuracy'] - base['accuracy']:+.2%} points, "
            f"error rate x{(1 - full['accuracy']) / (1 - base['accuracy']):.2f}, "
            f"training time x{full['train_seconds'] / base['train_seconds']:.2f}.",
        ]
    mean_confidence = statistics.fmean(first for first, _ in full["top_two"])
    block += [
        "",
        f"Calibration: mean top-intent confidence on dev {mean_confidence:.2%} against accuracy "
        f"{full['accuracy']:.2%}.",
        "",
        f"Full pipeline on dev, FallbackClassifier thresholds (ambiguity_threshold {ambiguity}):",
        "",
    ]
    block += threshold_table(full["top_two"], full["correct"], ambiguity)
    print("\n" + "\n".join(block))


if __name__ == "__main__":
    main()
