"""How many written forms the speech normalisation table covers, and how many it gets right.

Run: .venv/bin/python -m benchmarks.tts_normalisation
The table is the one tests/test_voice_speech_text.py asserts; the figure is `tts_normalisation_cases`.
"""

from __future__ import annotations

from benchmarks.results import header, merge_results
from tests.test_voice_speech_text import CASES
from voice_gateway.speech_text import spoken

COMMAND = ".venv/bin/python -m benchmarks.tts_normalisation"


def main() -> int:
    right = sum(spoken(written) == expected for written, expected in CASES)
    merge_results({"tts_normalisation_cases": len(CASES), "tts_normalisation_cases_right": right})
    print(f"\n## Speech normalisation\n\n{header(COMMAND)}\n")
    print(f"| table cases | spoken as expected |\n|---:|---:|\n| {len(CASES)} | {right} |")
    return 0 if right == len(CASES) else 1


if __name__ == "__main__":
    raise SystemExit(main())
