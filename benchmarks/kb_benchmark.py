"""Knowledge-base retrieval benchmark on the real articles: recall@1, recall@3, MRR@10, query latency.

Run: .venv/bin/python -m benchmarks.kb_benchmark
Builds the index incrementally (as `python -m knowledge_index build` would), times single warm queries
end to end (embedding + FAISS + grouping by article), merges the kb_* keys into benchmarks/results.json
and prints a Markdown block for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import time
from importlib.metadata import version

import numpy as np

from benchmarks.results import header, merge_results
from knowledge_index import KnowledgeIndex
from knowledge_index.builder import build_configured
from knowledge_index.calibration import evaluate, outcomes
from knowledge_index.evaluation import (
    load_calibration_set,
    load_questions,
    mean_reciprocal_rank,
    rank_of,
    recall_at_k,
    unknown_articles,
)
from tandem.config import REPO_ROOT, settings

QUESTIONS = REPO_ROOT / "benchmarks" / "data" / "kb_questions.yml"
CALIBRATION = REPO_ROOT / "benchmarks" / "data" / "kb_calibration.yml"
COMMAND = ".venv/bin/python -m benchmarks.kb_benchmark"
MRR_DEPTH = 10
WARMUP_QUERIES = 10
GOAL_RECALL_AT_3 = 0.90
GOAL_P95_MS = 40.0


def main() -> int:
    cfg = settings()
    report = build_configured(cfg)
    print("\n".join(report.lines()))
    index = KnowledgeIndex.load(cfg.resolve(cfg.knowledge.index_dir))
    questions = load_questions(QUESTIONS)
    missing = unknown_articles(questions, index.slugs)
    if missing:
        print(f"warning: questions name articles that do not exist (counted as misses): {', '.join(missing)}")

    for question in questions[:WARMUP_QUERIES]:
        index.search(question.text, MRR_DEPTH)
    ranks: list[int | None] = []
    latencies_ms: list[float] = []
    for question in questions:
        started = time.perf_counter()
        hits = index.search(question.text, MRR_DEPTH)
        latencies_ms.append((time.perf_counter() - started) * 1000)
        assert question.article is not None  # load_questions guarantees a label
        ranks.append(rank_of(question.article, [hit.article for hit in hits]))
        if ranks[-1] is None or ranks[-1] > 3:
            top = ", ".join(hit.article for hit in hits[:3])
            print(f"miss@3: {question.text!r} -> want {question.article}, got {top} (rank {ranks[-1]})")

    at_threshold = evaluate(
        outcomes(load_calibration_set(CALIBRATION), lambda text: index.search(text, 1)),
        cfg.knowledge.answer_threshold,
    )
    metrics = {
        "kb_calibration_precision": round(at_threshold.precision, 4),
        "kb_calibration_recall": round(at_threshold.recall, 4),
        "kb_calibration_accuracy": round(at_threshold.accuracy, 4),
        "kb_recall_at_1": round(recall_at_k(ranks, 1), 4),
        "kb_recall_at_3": round(recall_at_k(ranks, 3), 4),
        "kb_mrr": round(mean_reciprocal_rank(ranks), 4),
        "kb_query_p50_ms": round(float(np.percentile(latencies_ms, 50)), 2),
        "kb_query_p95_ms": round(float(np.percentile(latencies_ms, 95)), 2),
    }
    merge_results(metrics)
    print()
    print(_markdown(metrics, len(index.slugs), index.chunk_count, len(questions)))
    return 0


def _markdown(metrics: dict[str, float], articles: int, chunks: int, questions: int) -> str:
    threads = settings().threads
    return "\n".join(
        [
            "### Knowledge-base retrieval",
            "",
            header(COMMAND),
            f"- stack: sentence-transformers {version('sentence-transformers')} all-MiniLM-L6-v2 "
            f"(torch {version('torch')}, {threads.torch} thread), faiss-cpu {version('faiss-cpu')} "
            f"IndexFlatIP ({threads.faiss} thread), fused with BM25 (bm25s {version('bm25s')}), "
            "sample questions indexed",
            f"- data: {articles} articles, {chunks} chunks, {questions} questions "
            f"(benchmarks/data/kb_questions.yml); latency = one warm `search(question, k={MRR_DEPTH})` "
            "call, embedding included",
            "",
            "| metric | value | goal |",
            "|---|---:|---:|",
            f"| recall@1 | {metrics['kb_recall_at_1']:.3f} | |",
            f"| recall@3 | {metrics['kb_recall_at_3']:.3f} | >= {GOAL_RECALL_AT_3:.2f} |",
            f"| MRR@{MRR_DEPTH} | {metrics['kb_mrr']:.3f} | |",
            f"| query p50 (ms) | {metrics['kb_query_p50_ms']:.1f} | |",
            f"| query p95 (ms) | {metrics['kb_query_p95_ms']:.1f} | <= {GOAL_P95_MS:.0f} |",
            "",
            f"kb_calibration.yml at answer_threshold {settings().knowledge.answer_threshold}: precision "
            f"{metrics['kb_calibration_precision']:.3f}, recall {metrics['kb_calibration_recall']:.3f}, "
            f"accuracy {metrics['kb_calibration_accuracy']:.3f}",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
