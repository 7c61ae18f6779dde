"""Complaint hot spots on a seeded set: how well clustering finds the themes written into it.

    .venv/bin/python -m benchmarks.hotspots            # the figures, on the seeded set
    .venv/bin/python -m benchmarks.hotspots --tune     # how DISTANCE was chosen, on the tuning set

benchmarks/data/hotspots_seeded.yml holds complaint conversations written for this project on four
themes, plus one-off complaints ("noise"). handoff/hotspots.py clusters them as it would a week of real
ones. Figures:
- hotspot_ari: adjusted Rand index of the clustering against the themes, each noise document its own
  group (scikit-learn's adjusted_rand_score);
- hotspot_purity: over the documents in reported hot spots, the share whose theme is their hot spot's
  majority theme (noise counts as wrong);
- hotspots_found against the number of themes.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sklearn.metrics import adjusted_rand_score

from benchmarks.results import header, merge_results
from handoff.hotspots import DISTANCE, MIN_SIZE, Document, cluster_labels, hot_spots
from knowledge_index.embedder import load_minilm

SEEDED = Path(__file__).parent / "data" / "hotspots_seeded.yml"
TUNING = Path(__file__).parent / "data" / "hotspots_tuning.yml"


def labelled(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(theme, text) pairs, and the true groups: each one-off complaint a group of its own."""
    themes: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    docs = [(theme, text) for theme, texts in themes.items() for text in texts]
    return docs, [f"noise-{i}" if theme == "noise" else theme for i, (theme, _) in enumerate(docs)]


def tune() -> None:
    """The ARI on the tuning set for each cut distance: how DISTANCE was chosen."""
    docs, truth = labelled(TUNING)
    vectors = load_minilm(2).embed([text for _, text in docs])
    for tenths in range(40, 80, 5):
        distance = tenths / 100
        print(
            f"distance {distance:.2f}: ARI {adjusted_rand_score(truth, cluster_labels(vectors, distance)):.3f}"
        )


def main() -> None:
    if "--tune" in sys.argv:
        tune()
        return
    themes: dict[str, list[str]] = yaml.safe_load(SEEDED.read_text(encoding="utf-8"))
    docs, truth = labelled(SEEDED)
    embedder = load_minilm(2)
    started = time.perf_counter()
    vectors = embedder.embed([text for _, text in docs])
    labels = cluster_labels(vectors)
    elapsed_ms = (time.perf_counter() - started) * 1000
    ari = adjusted_rand_score(truth, labels)
    now = datetime.now(UTC)
    documents = [Document(f"d{i}", now, text) for i, (_, text) in enumerate(docs)]
    spots = hot_spots(documents, [], embedder)
    index = {d.conversation_id: n for n, d in enumerate(documents)}
    in_spots = right = 0
    for spot in spots:
        members = [docs[index[cid]][0] for cid in spot.conversation_ids]
        majority, count = Counter(members).most_common(1)[0]
        in_spots += len(members)
        right += count if majority != "noise" else 0
    purity = right / in_spots if in_spots else 0.0
    real = len(themes) - 1
    merge_results({
        "hotspot_ari": round(float(ari), 3), "hotspot_purity": round(purity, 3), "hotspots_found": len(spots),
        "hotspot_cluster_ms": round(elapsed_ms),
    })  # fmt: skip
    print(header(".venv/bin/python -m benchmarks.hotspots"))
    print(f"\n{len(docs)} seeded complaints: {real} themes of {statistics.mean(len(t) for k, t in themes.items() if k != 'noise'):.0f} "
          f"and {len(themes['noise'])} one-offs; distance {DISTANCE}, hot spot from {MIN_SIZE}.")  # fmt: skip
    print(
        f"hotspot_ari {ari:.3f}, hotspot_purity {purity:.3f}, {len(spots)} hot spots for {real} themes; "
        f"embedding and clustering {elapsed_ms:.0f} ms"
    )
    for spot in spots:
        members = Counter(docs[index[cid]][0] for cid in spot.conversation_ids)
        print(f"- {', '.join(spot.terms)}: {spot.size} ({dict(members)})")


if __name__ == "__main__":
    main()
