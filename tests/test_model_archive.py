"""The cross-validation a model file keeps (workbench/model_archive.py), read from real tar.gz archives laid
out as Rasa writes them."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from workbench.comparison import Example
from workbench.model_archive import cross_validation

CLASSIFIER = "components/train_bot.nlu_components.linear_intent_classifier.LinearIntentClassifier3"


def archive(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as out:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return path


def test_the_folds_verdicts_are_read_and_unjudged_examples_left_out(tmp_path: Path) -> None:
    kept = {
        "folds": 3,
        "examples": [["lost my card", "card_lost_stolen", "card_lost_stolen"], ["hi", "greet", ""]],
    }
    model = archive(
        tmp_path / "m.tar.gz",
        {"metadata.json": b"{}", f"{CLASSIFIER}/cross_validation.json": json.dumps(kept).encode()},
    )
    found = cross_validation(model)
    assert found is not None
    assert (found.folds, found.examples, found.predicted) == (
        3,
        (Example("lost my card", "card_lost_stolen"),),
        ("card_lost_stolen",),
    )


def test_a_model_without_it_or_no_model_at_all_says_none(tmp_path: Path) -> None:
    assert (
        cross_validation(archive(tmp_path / "old.tar.gz", {f"{CLASSIFIER}/linear_intent_model.npz": b"x"}))
        is None
    )
    (tmp_path / "garbage.tar.gz").write_bytes(b"not a tar file")
    assert cross_validation(tmp_path / "garbage.tar.gz") is None
    assert cross_validation(tmp_path / "missing.tar.gz") is None
    assert (
        cross_validation(archive(tmp_path / "bad.tar.gz", {f"{CLASSIFIER}/cross_validation.json": b"\xff["}))
        is None
    )
