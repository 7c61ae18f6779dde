"""Which model a stack starts Rasa with (tandem/active_model.py) and the workbench's list of models
(workbench/models_registry.py), on real files."""

from __future__ import annotations

import os
from pathlib import Path

from tandem.active_model import activate, active, launch_model
from workbench.models_registry import describe, evaluation, find, listing, prune


def model(folder: Path, name: str, mtime: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"model")
    os.utime(path, (mtime, mtime))
    return path


def test_a_fresh_stack_runs_the_repository_model(tmp_path: Path) -> None:
    built = model(tmp_path / "repo", "tandem-aaaa.tar.gz", 1000)
    link = launch_model(tmp_path / "var", built)
    assert link.name == "active.tar.gz" and link.resolve() == built
    assert active(tmp_path / "var") == built


def designer_choice(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A stack started on the repository's model, then a designer's model activated: data dir, both models."""
    data = tmp_path / "var"
    built = model(tmp_path / "repo", "tandem-aaaa.tar.gz", 1000)
    launch_model(data, built)
    chosen = model(data / "models", "designer-1.tar.gz", 2000)
    activate(data, chosen)
    return data, built, chosen


def test_the_designer_choice_survives_a_restart_until_the_sources_change(tmp_path: Path) -> None:
    data, built, chosen = designer_choice(tmp_path)
    assert launch_model(data, built).resolve() == chosen  # a restart keeps it
    rebuilt = model(tmp_path / "repo", "tandem-bbbb.tar.gz", 3000)
    assert launch_model(data, rebuilt).resolve() == rebuilt  # new sources: the repository's model wins


def test_a_deleted_choice_falls_back_to_the_repository_model(tmp_path: Path) -> None:
    data, built, chosen = designer_choice(tmp_path)
    chosen.unlink()
    assert launch_model(data, built).resolve() == built


def test_the_list_is_newest_first_with_notes_and_the_active_one(tmp_path: Path) -> None:
    data = tmp_path / "var"
    built = model(tmp_path / "repo", "tandem-aaaa.tar.gz", 1000)
    launch_model(data, built)
    first = model(data / "models", "designer-1.tar.gz", 2000)
    second = model(data / "models", "designer-2.tar.gz", 3000)
    evaluated = {"predictions": ["greet", "deny"], "stories": {"passed": ["greeting"], "failed": []}}
    describe(second, "designer-7", {"examples": 3}, built.name, {"abc": evaluated})
    activate(data, first)
    found = listing(data)
    assert [(m.path.name, m.active) for m in found] == [
        ("designer-2.tar.gz", False),
        ("designer-1.tar.gz", True),
        ("tandem-aaaa.tar.gz", False),
    ]
    assert (found[0].by, found[0].comparison, found[0].against) == ("designer-7", {"examples": 3}, built.name)
    assert found[1].comparison is None
    assert evaluation(second, "abc") == evaluated
    assert evaluation(second, "other held-out file") is None and evaluation(first, "abc") is None
    activate(data, second)
    assert find(data, "designer-1.tar.gz") == first  # still listed: it can be rolled back to
    assert find(data, "tandem-aaaa.tar.gz") == built  # the repository's: the first to roll back to
    # Names, never paths, are looked up.
    assert find(data, "../../repo/tandem-aaaa.tar.gz") is None


def test_pruning_keeps_the_newest_and_the_active_model(tmp_path: Path) -> None:
    data = tmp_path / "var"
    built = model(tmp_path / "repo", "tandem-aaaa.tar.gz", 1000)
    launch_model(data, built)
    trained = [model(data / "models", f"designer-{n}.tar.gz", 2000 + n) for n in range(1, 6)]
    for path in trained:
        describe(path, "designer-7", None, None, {})
    activate(data, trained[0])  # the oldest, rolled back to
    assert prune(data, keep=2) == ["designer-3.tar.gz", "designer-2.tar.gz"]
    assert [m.path.name for m in listing(data)] == [
        "designer-5.tar.gz",
        "designer-4.tar.gz",
        "designer-1.tar.gz",
        "tandem-aaaa.tar.gz",
    ]
    assert (
        not (data / "models" / "designer-3.json").exists() and (data / "models" / "designer-4.json").exists()
    )
    assert prune(data, keep=2) == []
