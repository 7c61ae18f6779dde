"""`python -m bot.rasa_run run ...` (in Rasa's venv): `rasa run ...` with the JWT secret of Rasa's HTTP
API taken from TANDEM_RASA_TOKEN, so it never appears on a command line, where `ps` shows it to every
user of the machine. Rasa takes its plain auth token only in a URL's query string, hence JWT; the
gateway signs its requests with the same secret (tandem/bot_client.py).

It also makes Rasa validate action server responses with a validator built once, and find event
classes in a table (see those modules)."""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

# Imported for their effect: they patch Rasa's per-response schema check and per-event class search.
import bot.action_response_validation
import bot.event_types  # noqa: F401


def rasa_argv(args: list[str], secret: str) -> list[str]:
    # One argument with "=": a generated secret may start with "-", which argparse would take for an option.
    return ["rasa", *args, f"--jwt-secret={secret}", "--jwt-method", "HS256"]


if __name__ == "__main__":
    # Rasa parses sys.argv; /proc/<pid>/cmdline keeps showing what this process was started with.
    # Popped from the environment: nothing Rasa starts needs it.
    sys.argv = rasa_argv(sys.argv[1:], os.environ.pop("TANDEM_RASA_TOKEN"))
    main()
