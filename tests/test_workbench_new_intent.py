"""A new intent started from the inbox (workbench/training_files.py) in copies of the real training files
and domain: the name checked as Rasa and the bot's files want it, the intent declared in the domain and its
examples written, both files created on demand and kept as they were after; `rasa data validate` accepts
the result."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tandem.config import REPO_ROOT
from tandem.validation import InputError
from workbench.training_files import NEW_INTENTS, checked_intent_name, domain_intents, intents, start_intent


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(REPO_ROOT / "training_data" / "nlu", tmp_path / "nlu")
    shutil.copytree(REPO_ROOT / "bot" / "domain", tmp_path / "domain")
    return tmp_path / "nlu", tmp_path / "domain"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("card_swallowed", None),
        ("pin2", None),
        ("Card_Swallowed", "invalid_intent_name"),
        ("card swallowed", "invalid_intent_name"),
        ("card__swallowed", "invalid_intent_name"),
        ("_card", "invalid_intent_name"),
        ("card_", "invalid_intent_name"),
        ("2cards", "invalid_intent_name"),
        ("card-swallowed", "invalid_intent_name"),
        ("a" * 65, "invalid_intent_name"),
        ("", "invalid_intent_name"),
        (None, "invalid_intent_name"),
        (["card"], "invalid_intent_name"),
    ],
)
def test_a_new_intents_name(name: object, code: str | None) -> None:
    if code is None:
        assert checked_intent_name(name) == name
        return
    with pytest.raises(InputError) as refused:
        checked_intent_name(name)
    assert refused.value.code == code


def test_started_in_new_files_declared_in_the_domain_and_valid_for_rasa(copies: tuple[Path, Path]) -> None:
    nlu_dir, domain_dir = copies
    before = {p: p.read_text(encoding="utf-8") for d in copies for p in d.glob("*.yml")}
    added = start_intent(
        nlu_dir, domain_dir, "card_swallowed", ["the atm ate my card", "the machine kept my card"]
    )
    assert added.file == nlu_dir / NEW_INTENTS and added.added == (
        "the atm ate my card",
        "the machine kept my card",
    )
    start_intent(nlu_dir, domain_dir, "lost_pin", ["I forgot my pin"])
    assert "card_swallowed" in intents(nlu_dir) and "lost_pin" in domain_intents(domain_dir)
    new_nlu = (nlu_dir / NEW_INTENTS).read_text(encoding="utf-8")
    assert "# Intents started in the designer's NLU inbox" in new_nlu
    assert "  - intent: lost_pin\n    examples: |\n      - I forgot my pin\n" in new_nlu
    assert (
        (domain_dir / NEW_INTENTS)
        .read_text(encoding="utf-8")
        .endswith("intents:\n  - card_swallowed\n  - lost_pin\n")
    )
    assert {p: p.read_text(encoding="utf-8") for p in before} == before  # every other file as it was
    with pytest.raises(InputError) as twice:
        start_intent(nlu_dir, domain_dir, "lost_pin", ["pin gone"])
    assert twice.value.code == "intent_exists"
    for taken in ("check_balance", "nlu_fallback", "session_start"):  # in the data and domain; Rasa's own
        with pytest.raises(InputError) as exists:
            start_intent(nlu_dir, domain_dir, taken, ["money?"])
        assert exists.value.code == "intent_exists"

    rasa = subprocess.run(
        [str(REPO_ROOT / ".venv-rasa" / "bin" / "rasa"), "data", "validate", "--config", "config.yml",
         "--domain", str(domain_dir), "--data", str(nlu_dir), "training_data/stories"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    assert rasa.returncode == 0, rasa.stdout[-2000:] + rasa.stderr[-2000:]
    assert "The intent 'card_swallowed' is not used in any story or rule." in rasa.stdout + rasa.stderr
