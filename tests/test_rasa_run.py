"""Rasa's command line as bot/rasa_run.py builds it, parsed by Rasa's own parser in Rasa's venv: a JWT
secret starting with "-" (as one generated secret in 64 does) is still the secret."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"
PARSE = """
import json, sys
from rasa.__main__ import create_argument_parser
from bot.rasa_run import rasa_argv
parsed = create_argument_parser().parse_args(rasa_argv(["run", "--enable-api"], sys.argv[1])[1:])
print(json.dumps([parsed.jwt_secret, parsed.jwt_method, parsed.enable_api]))
"""


@pytest.mark.parametrize("secret", ["-Xq3vR_k9", "--looks-like-an-option", "plain_Secret-9"])
def test_the_jwt_secret_reaches_rasa_whatever_it_starts_with(secret: str) -> None:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", PARSE, secret], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [secret, "HS256", True]
