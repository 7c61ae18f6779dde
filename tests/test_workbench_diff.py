"""What the workbench changed in the training files since the last commit, with a real git: changed and
new files show, a directory outside git or with no commit says so, and each line gets its kind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workbench.training_diff import Kind, Line, kind, training_diff


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "test@example.invalid")
    git(tmp_path, "config", "user.name", "Test")
    nlu = tmp_path / "training_data" / "nlu"
    nlu.mkdir(parents=True)
    (nlu / "cards.yml").write_text("nlu:\n- intent: card_arrival\n  examples: |\n    - where is my card\n")
    (tmp_path / "README").write_text("outside the directory\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    return nlu


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("diff --git a/x.yml b/x.yml", Kind.FILE),
        ("--- a/x.yml", Kind.FILE),
        ("+++ b/x.yml", Kind.FILE),
        ("new file mode 100644", Kind.FILE),
        ("@@ -1,3 +1,4 @@", Kind.HUNK),
        ("+    - my card is lost", Kind.ADDED),
        ("-    - my card is lost", Kind.REMOVED),
        ("     - where is my card", Kind.CONTEXT),
        ("", Kind.CONTEXT),
    ],
)
def test_kind_of_a_diff_line(line: str, expected: Kind) -> None:
    assert kind(line) == expected


async def test_changed_and_new_files_against_the_last_commit(repo: Path) -> None:
    assert (await training_diff(repo)).why == "Nothing changed since the last commit."
    with (repo / "cards.yml").open("a") as out:
        out.write("    - has my card been sent\n")
    (repo / "new_intents.yml").write_text("nlu:\n- intent: lost_pin\n")
    (repo.parent.parent / "README").write_text("changed, but not training data\n")

    found = await training_diff(repo)
    assert found.compared and not found.truncated
    assert Line(Kind.ADDED, "+    - has my card been sent") in found.lines
    assert Line(Kind.FILE, "+++ b/training_data/nlu/cards.yml") in found.lines
    assert Line(Kind.ADDED, "+- intent: lost_pin") in found.lines
    assert Line(Kind.FILE, "+++ b/training_data/nlu/new_intents.yml") in found.lines
    assert not any("README" in line.text for line in found.lines)


async def test_no_commit_to_compare_with(tmp_path: Path) -> None:
    outside = await training_diff(tmp_path)
    assert not outside.compared and "is not in a git work tree" in outside.why and not outside.lines
    git(tmp_path, "init", "-q")
    assert (await training_diff(tmp_path)).why == "The git repository has no commit yet to compare with."
    assert "does not exist" in (await training_diff(tmp_path / "missing")).why
