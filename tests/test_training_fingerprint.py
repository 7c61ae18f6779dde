from pathlib import Path

import pytest
import yaml

from tandem.config import REPO_ROOT
from tandem.training import fingerprint, train_args


def variant(tmp_path: Path, edit: str) -> Path:
    raw = yaml.safe_load((REPO_ROOT / "config.yml").read_text())
    if edit == "gateway_port":
        raw["tandem"]["gateway"]["port"] = 9999
    elif edit == "threshold":
        raw["tandem"]["knowledge"]["answer_threshold"] = 0.99
    elif edit == "policy":
        raw["policies"] = [*raw["policies"], {"name": "AugmentedMemoizationPolicy"}]
    elif edit == "pipeline":
        raw["pipeline"] = raw["pipeline"][:-1]
    path = tmp_path / f"{edit}.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("edit", "retrains"),
    [("none", False), ("gateway_port", False), ("threshold", False), ("policy", True), ("pipeline", True)],
)
def test_only_rasa_settings_change_the_fingerprint(tmp_path: Path, edit: str, retrains: bool) -> None:
    base = fingerprint(REPO_ROOT / "config.yml")
    assert (fingerprint(variant(tmp_path, edit)) != base) is retrains


def test_model_is_named_after_the_fingerprint() -> None:
    args = train_args(REPO_ROOT / "config.yml", REPO_ROOT / "models" / "tandem-abc.tar.gz")
    assert args[args.index("--fixed-model-name") + 1] == "tandem-abc"
    assert "training_data/knowledge" not in " ".join(args)
