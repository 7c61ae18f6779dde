"""Train the Rasa model only when what it is trained from has changed.

The fingerprint covers Rasa's part of config.yml, the domain, the NLU data and stories, the custom
NLU components and Rasa's pinned requirements. The model file is named after it, so a second run
finds the model and skips training (Rasa's own check would cost a full Rasa start-up).

`python -m tandem.training` (what `make train` runs) shows Rasa's progress on the terminal as well as
in the log, and prints the model's path on stdout.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import yaml

from tandem.config import REPO_ROOT, config_path, settings

log = logging.getLogger(__name__)

RASA_CONFIG_KEYS = ("recipe", "assistant_id", "language", "pipeline", "policies")
DOMAIN_DIR = REPO_ROOT / "bot" / "domain"
DATA_DIRS = (REPO_ROOT / "training_data" / "nlu", REPO_ROOT / "training_data" / "stories")
COMPONENTS_DIR = REPO_ROOT / "bot" / "nlu_components"
RASA_REQUIREMENTS = REPO_ROOT / "requirements" / "rasa.txt"
MODELS_DIR = REPO_ROOT / "models"
RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


def rasa_config_part(config_path: Path) -> dict[str, object]:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    return {key: raw.get(key) for key in RASA_CONFIG_KEYS}


def fingerprint(config_path: Path) -> str:
    digest = hashlib.sha256(json.dumps(rasa_config_part(config_path), sort_keys=True).encode())
    files = [RASA_REQUIREMENTS]
    for folder in (DOMAIN_DIR, *DATA_DIRS, COMPONENTS_DIR):
        files += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".py"})
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(config_path: Path) -> Path:
    return MODELS_DIR / f"tandem-{fingerprint(config_path)}.tar.gz"


def rasa_env(threads: int) -> dict[str, str]:
    """Environment for any Rasa process: our components importable, no telemetry, threads bounded."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_INTRA_OP_PARALLELISM_THREADS": str(threads),
        "TF_INTER_OP_PARALLELISM_THREADS": str(threads),
        "OMP_NUM_THREADS": str(threads),
    }


def train_args(
    config_path: Path, out: Path, data: tuple[Path, ...] = DATA_DIRS, domain: Path = DOMAIN_DIR
) -> list[str]:
    return [
        str(RASA_BIN),
        "train",
        "--config",
        str(config_path),
        "--domain",
        str(domain),
        "--data",
        *(str(d) for d in data),
        "--out",
        str(out.parent),
        "--fixed-model-name",
        out.name.removesuffix(".tar.gz"),
    ]


def run_logged(
    args: list[str], log_path: Path, echo: BinaryIO | None, cwd: Path, env: dict[str, str]
) -> None:
    """Runs a command with its output appended to log_path and, when given, copied to echo as it comes
    (chunks, not lines: progress bars redraw with carriage returns). Raises CalledProcessError."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("ab") as sink,
        subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process,
    ):
        output = process.stdout
        while output is not None and (chunk := output.read1(4096)):
            sink.write(chunk)
            if echo is not None:
                echo.write(chunk)
                echo.flush()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)


def ensure_model(config_path: Path, log_path: Path, echo: BinaryIO | None = None) -> Path:
    """The trained model for the current sources, training it first if none exists; Rasa's output goes
    to log_path, and to echo too when given."""
    target = model_path(config_path)
    if target.exists():
        log.info("model is up to date", extra={"model": target.name})
        return target
    log.info("training the Rasa model", extra={"model": target.name, "log": str(log_path)})
    started = time.monotonic()
    run_logged(train_args(config_path, target), log_path, echo, cwd=REPO_ROOT, env=rasa_env(threads=2))
    if not target.exists():
        raise RuntimeError(f"rasa train finished but {target} is missing; see {log_path}")
    log.info("model trained", extra={"model": target.name, "seconds": round(time.monotonic() - started, 1)})
    return target


if __name__ == "__main__":
    configured = settings()
    # Progress on stderr, so that stdout carries only the path (the Makefile reads it).
    print(
        ensure_model(
            config_path(), configured.resolve(configured.data_dir) / "logs" / "train.log", sys.stderr.buffer
        )
    )
