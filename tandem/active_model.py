"""Which Rasa model the stack runs: the one built from the repository's sources (tandem/training.py),
unless a designer has activated another one (the workbench) since those sources last changed.

Every Rasa worker is started with <data_dir>/models/active.tar.gz, a link to the model, so a worker the
launcher restarts loads the active model, not the one the stack started with. active.json records the
repository model the choice was made against (its file name is its sources' fingerprint): when that changes (new sources, e.g. a git pull), the
repository's model takes over again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tandem.files import replace_text

LINK = "active.tar.gz"
RECORD = "active.json"


def models_dir(data_dir: Path) -> Path:
    """Where the workbench trains its models and keeps the active choice."""
    return data_dir / "models"


def active(data_dir: Path) -> Path | None:
    """The model the workers run (or will run at their next start)."""
    link = models_dir(data_dir) / LINK
    return link.resolve() if link.is_symlink() and link.resolve().exists() else None


def _record(folder: Path) -> dict[str, object]:
    try:
        found = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def repository_model(data_dir: Path) -> Path | None:
    """The repository's model the stack was last started with, which a designer may roll back to."""
    base = Path(str(_record(models_dir(data_dir)).get("base", "")))
    return base if base.name.endswith(".tar.gz") and base.exists() else None


def _write(folder: Path, model: Path, base: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # A new link renamed over the old one: a worker starting meanwhile reads one or the other, never none.
    temporary = folder / f".{LINK}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(model.resolve())
    os.replace(temporary, folder / LINK)
    record = {"model": str(model.resolve()), "base": base, "activated_at": time.time()}
    replace_text(folder / RECORD, json.dumps(record))


def launch_model(data_dir: Path, built: Path) -> Path:
    """The path to start Rasa with: the link, pointing at the designer's choice if it was made against
    this repository model (built) and still exists, else at built."""
    folder = models_dir(data_dir)
    record = _record(folder)
    chosen = Path(str(record.get("model", "")))
    same_sources = Path(str(record.get("base", ""))).name == built.name
    keep = same_sources and chosen.name.endswith(".tar.gz") and chosen.exists()
    _write(folder, chosen if keep else built, str(built.resolve()))
    return folder / LINK


def activate(data_dir: Path, model: Path) -> None:
    """Record model as the active one (every worker has loaded it), against the same repository model."""
    folder = models_dir(data_dir)
    _write(folder, model, str(_record(folder).get("base") or model.resolve()))
