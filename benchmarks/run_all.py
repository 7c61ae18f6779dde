"""`make bench`: every benchmark in turn; each merges its keys into benchmarks/results.json and prints
a Markdown block for benchmarks/RESULTS.md. Run on a quiet machine: figures are medians and p95s."""

from __future__ import annotations

import os
import subprocess
import sys

from tandem.config import REPO_ROOT

GATEWAY_PYTHON = str(REPO_ROOT / ".venv" / "bin" / "python")
RASA_PYTHON = str(REPO_ROOT / ".venv-rasa" / "bin" / "python")

BENCHMARKS = [
    [RASA_PYTHON, "-m", "benchmarks.nlu_banking77"],
    [GATEWAY_PYTHON, "-m", "benchmarks.designer_loop"],  # about 5 minutes: two trainings on BANKING77
    [GATEWAY_PYTHON, "-m", "benchmarks.kb_benchmark"],
    [GATEWAY_PYTHON, "-m", "benchmarks.kb_real"],
    [GATEWAY_PYTHON, "-m", "benchmarks.escalation_quality"],
    [GATEWAY_PYTHON, "-m", "benchmarks.oos_quality"],
    [GATEWAY_PYTHON, "-m", "benchmarks.routing_throughput"],
    [GATEWAY_PYTHON, "-m", "benchmarks.routing_store"],
    [GATEWAY_PYTHON, "-m", "benchmarks.handoff_latency"],
    [GATEWAY_PYTHON, "-m", "benchmarks.stt_wer"],
    [GATEWAY_PYTHON, "-m", "benchmarks.chat_load"],
    [GATEWAY_PYTHON, "-m", "benchmarks.cluster_load"],
    [GATEWAY_PYTHON, "-m", "benchmarks.ticket_create"],
    [GATEWAY_PYTHON, "-m", "benchmarks.history_search"],
    [GATEWAY_PYTHON, "-m", "benchmarks.hotspots"],
    [GATEWAY_PYTHON, "-m", "benchmarks.gap_purity"],
    [GATEWAY_PYTHON, "-m", "benchmarks.qa_page"],
    [GATEWAY_PYTHON, "-m", "benchmarks.footprint"],
    [GATEWAY_PYTHON, "-m", "benchmarks.security_checks"],
    [GATEWAY_PYTHON, "-m", "benchmarks.tts_normalisation"],
    [GATEWAY_PYTHON, "-m", "benchmarks.voice_latency"],  # about 10 minutes: real calls at 1-12 at once
    [GATEWAY_PYTHON, "-m", "benchmarks.barge_in"],
    [
        GATEWAY_PYTHON,
        "-m",
        "benchmarks.callbacks",
    ],  # about 3 minutes: 10 calls from test phones  # about 5 minutes: 2 stacks, 10 calls each
]


def main() -> int:
    failed = []
    for command in BENCHMARKS:
        print(f"\n=== {' '.join(command[1:])}", flush=True)
        if subprocess.run(
            command, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        ).returncode:
            failed.append(command[-1])
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
