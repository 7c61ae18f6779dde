"""The models a designer can activate: those the workbench trained (<data_dir>/models), each with a note
beside it (<model>.json: when, by whom, its comparison with the model active then), plus the repository's
model the stack was started with (under models/). Newest first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.active_model import LINK, active, models_dir, repository_model
from tandem.files import replace_text


@dataclass(frozen=True, slots=True)
class Model:
    path: Path
    trained_at: float
    by: str | None  # the account that trained it
    comparison: dict[str, Any] | None
    against: str | None
    active: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.path.name,
            "trained_at": self.trained_at,
            "by": self.by,
            "comparison": self.comparison,
            "against": self.against,
            "active": self.active,
        }


def _note_path(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".json")


def describe(
    model: Path,
    by: str,
    comparison: dict[str, Any] | None,
    against: str | None,
    evaluations: dict[str, dict[str, Any]],
) -> None:
    """Writes the note kept beside a model the workbench trained; evaluations: its intent for each held-out
    example and its test stories' results (bot/compare_models.py), by the digest of the held-out file and
    the stories, so the next comparison need not ask it again."""
    note = {"by": by, "comparison": comparison, "against": against, "evaluations": evaluations}
    replace_text(_note_path(model), json.dumps(note))


def _note(model: Path) -> dict[str, Any]:
    try:
        found = json.loads(_note_path(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def evaluation(model: Path, digest: str) -> dict[str, Any] | None:
    """The model's evaluation on the held-out file and stories with that digest, if it was compared on them."""
    found = (_note(model).get("evaluations") or {}).get(digest)
    return found if isinstance(found, dict) else None


def listing(data_dir: Path) -> list[Model]:
    current = active(data_dir)
    paths = {p.resolve() for p in models_dir(data_dir).glob("*.tar.gz") if p.name != LINK}
    paths |= {p for p in (current, repository_model(data_dir)) if p is not None}
    models = []
    for path in paths:
        note = _note(path)
        by = note.get("by")
        models.append(
            Model(
                path=path,
                trained_at=path.stat().st_mtime,
                by=by if isinstance(by, str) else None,
                comparison=note.get("comparison"),
                against=note.get("against"),
                active=path == current,
            )
        )
    return sorted(models, key=lambda m: m.trained_at, reverse=True)


def find(data_dir: Path, name: str) -> Path | None:
    """A listed model by its file name (never a path the client chose)."""
    return next((m.path for m in listing(data_dir) if m.path.name == name), None)


def prune(data_dir: Path, keep: int) -> list[str]:
    """Deletes the workbench's models beyond the newest `keep`, and their notes, but never the active one
    (the repository's models are not the workbench's to delete). Returns the names deleted."""
    current = active(data_dir)
    trained = sorted(
        (p for p in models_dir(data_dir).glob("*.tar.gz") if p.name != LINK and not p.is_symlink()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    deleted = []
    for path in trained[keep:]:
        if path.resolve() == current:
            continue
        path.unlink(missing_ok=True)
        _note_path(path).unlink(missing_ok=True)
        deleted.append(path.name)
    return deleted
