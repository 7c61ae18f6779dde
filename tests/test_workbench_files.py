"""Labelled examples written into copies of the real training files (workbench/training_files.py):
appended to the intent's own list, comments and everything else byte for byte as they were, nothing
written twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tandem.config import REPO_ROOT
from tandem.validation import InputError
from workbench.training_files import add_examples, intents

NLU = REPO_ROOT / "training_data" / "nlu"


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "nlu"
    shutil.copytree(NLU, copy)
    return copy


def test_examples_are_appended_to_their_intent_and_nothing_else_changes(nlu_dir: Path) -> None:
    before = {path.name: path.read_text(encoding="utf-8") for path in nlu_dir.glob("*.yml")}
    added = add_examples(nlu_dir, "out_of_scope", ["can you walk my dog", "What's the weather like tomorrow"])
    assert added.file.name == "other.yml"
    assert added.added == ("can you walk my dog",)
    assert added.already == ("What's the weather like tomorrow",)  # there already, in other words' case
    after = {path.name: path.read_text(encoding="utf-8") for path in nlu_dir.glob("*.yml")}
    assert {name for name in after if after[name] != before[name]} == {"other.yml"}
    old, new = before["other.yml"].splitlines(), after["other.yml"].splitlines()
    assert len(new) == len(old) + 1
    inserted = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    assert new[inserted] == "      - can you walk my dog"
    assert new[:inserted] + new[inserted + 1 :] == old  # comments, order and layout as they were
    assert "# Not what a bank's assistant does" in after["other.yml"]


def test_labelling_again_writes_nothing(nlu_dir: Path) -> None:
    add_examples(nlu_dir, "card_arrival", ["has my card been posted"])
    before = (nlu_dir / "cards.yml").read_text(encoding="utf-8")
    again = add_examples(nlu_dir, "card_arrival", ["Has my card  been posted"])
    assert again.added == () and (nlu_dir / "cards.yml").read_text(encoding="utf-8") == before


def test_an_unknown_intent_is_refused_and_the_intents_are_listed(nlu_dir: Path) -> None:
    with pytest.raises(InputError) as refused:
        add_examples(nlu_dir, "make_me_a_sandwich", ["a sandwich please"])
    assert refused.value.code == "unknown_intent"
    known = intents(nlu_dir)
    assert {"card_arrival", "out_of_scope", "request_human"} <= set(known) and known == sorted(known)
