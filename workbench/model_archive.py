"""What a trained model file keeps for the designer's comparison: the intent classifier's cross-validation
(bot/nlu_components/linear_intent_classifier.py writes it beside the classifier's weights), read from the
model's archive without loading the model into Rasa."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from workbench.comparison import CrossValidation, Example

FILE = "cross_validation.json"


def cross_validation(model: Path) -> CrossValidation | None:
    """None for a model trained before the classifier kept it, or with another classifier."""
    try:
        with tarfile.open(model, "r:gz") as archive:
            member = next((m for m in archive if m.isfile() and Path(m.name).name == FILE), None)
            handle = archive.extractfile(member) if member is not None else None
            found = json.load(handle) if handle is not None else None
    except (OSError, tarfile.TarError, ValueError):
        return None
    if not isinstance(found, dict):
        return None
    # An example whose fold had no model (the other folds held fewer than two intents) says "".
    judged = [(text, intent, guess) for text, intent, guess in found.get("examples", []) if guess]
    return CrossValidation(
        folds=int(found.get("folds", 0)),
        examples=tuple(Example(text, intent) for text, intent, _ in judged),
        predicted=tuple(guess for _, _, guess in judged),
    )
