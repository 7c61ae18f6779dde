import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tandem.config import REPO_ROOT
from tandem.training import fingerprint, run_logged, train_args


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


def test_training_output_goes_to_the_log_and_the_terminal(tmp_path: Path) -> None:
    # A progress bar redraws with carriage returns, without a newline: it must still reach both.
    script = "import sys; sys.stdout.write('epoch 1/2\\rdone 2/2\\n'); sys.stderr.write('warning\\n')"
    log_path, echo = tmp_path / "logs" / "train.log", io.BytesIO()
    run_logged([sys.executable, "-c", script], log_path, echo, cwd=tmp_path, env={})
    assert b"epoch 1/2\rdone 2/2\n" in log_path.read_bytes()
    assert b"warning\n" in log_path.read_bytes()
    assert echo.getvalue() == log_path.read_bytes()


def test_a_failed_training_run_raises_and_keeps_its_output(tmp_path: Path) -> None:
    log_path = tmp_path / "train.log"
    with pytest.raises(subprocess.CalledProcessError):
        run_logged(
            [sys.executable, "-c", "print('bad data'); raise SystemExit(3)"], log_path, None, tmp_path, {}
        )
    assert log_path.read_bytes() == b"bad data\n"
