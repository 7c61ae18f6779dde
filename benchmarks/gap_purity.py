"""gap_clusters_purity: the knowledge gaps' topic clustering (workbench/gaps.py, the production code)
on benchmarks/data/gap_questions.yml, questions no article answers with a known topic each.

Purity = sum over clusters of the majority topic's count / all questions. All singletons would score
1.0, so the number of clusters is reported beside the number of topics. `--tune` prints both for
neighbouring distances on gap_questions_tuning.yml (other topics): how TOPIC_DISTANCE was chosen.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from benchmarks.results import header, merge_results
from knowledge_index.embedder import load_minilm
from workbench.gaps import TOPIC_DISTANCE, Gap, GapCluster, cluster_gaps
from workbench.inbox import Candidate

DATA = Path(__file__).resolve().parent / "data"
SEEDED, TUNING = DATA / "gap_questions.yml", DATA / "gap_questions_tuning.yml"


def seeded(path: Path) -> tuple[list[Gap], dict[int, str]]:
    topics: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = [(topic, text) for topic, texts in topics.items() for text in texts]
    gaps = [
        Gap(Candidate(i, f"c{i}", text, "nlu_fallback", 0.3), False, None, None)
        for i, (_, text) in enumerate(pairs, start=1)
    ]
    return gaps, {i: topic for i, (topic, _) in enumerate(pairs, start=1)}


def purity(clusters: list[GapCluster], topic: dict[int, str]) -> float:
    majority = sum(
        Counter(topic[g.message.message_id] for g in c.gaps).most_common(1)[0][1] for c in clusters
    )
    return majority / sum(len(c.gaps) for c in clusters)


def collocation(clusters: list[GapCluster], topic: dict[int, str]) -> float:
    """Inverse purity: per topic, the most of its questions one cluster holds; low when a topic is split."""
    per_topic: dict[str, Counter[int]] = {}
    for n, cluster in enumerate(clusters):
        for g in cluster.gaps:
            per_topic.setdefault(topic[g.message.message_id], Counter())[n] += 1
    return sum(c.most_common(1)[0][1] for c in per_topic.values()) / len(topic)


def main() -> None:
    gaps, topic = seeded(TUNING if "--tune" in sys.argv else SEEDED)
    vectors = load_minilm(2).embed([g.message.text for g in gaps])
    topics = len(set(topic.values()))
    if "--tune" in sys.argv:
        for hundredths in range(40, 85, 5):
            clusters = cluster_gaps(gaps, vectors, hundredths / 100)
            sizes = sum(len(c.gaps) >= 2 for c in clusters)
            print(
                f"distance {hundredths / 100:.2f}: purity {purity(clusters, topic):.3f}, "
                f"collocation {collocation(clusters, topic):.3f}, "
                f"{len(clusters)} clusters ({sizes} of 2 or more) for {topics} topics"
            )
        return
    started = time.perf_counter()
    clusters = cluster_gaps(gaps, vectors)
    elapsed_ms = (time.perf_counter() - started) * 1000
    score, together = purity(clusters, topic), collocation(clusters, topic)
    merge_results(
        {
            "gap_clusters_purity": round(score, 3),
            "gap_clusters_collocation": round(together, 3),
            "gap_clusters_found": len(clusters),
        }
    )
    print(header(".venv/bin/python -m benchmarks.gap_purity"))
    print(
        f"\n{len(gaps)} seeded questions in {topics} topics; distance {TOPIC_DISTANCE}: "
        f"gap_clusters_purity {score:.3f}, collocation {together:.3f}, {len(clusters)} clusters; "
        f"clustering {elapsed_ms:.0f} ms"
    )
    for cluster in clusters:
        members = Counter(topic[g.message.message_id] for g in cluster.gaps)
        print(f"- {len(cluster.gaps)}: {dict(members)}")


if __name__ == "__main__":
    main()
