"""`make security`: the security checks of issue 10 alone (pytest -m security), counted into
benchmarks/results.json as security_checks_passed and security_checks_total.

Run: .venv/bin/python -m benchmarks.security_checks
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from benchmarks.results import header, merge_results
from tandem.config import REPO_ROOT

COMMAND = "make security"


@dataclass(frozen=True)
class Tally:
    passed: int
    total: int


def tally(junit_xml: str) -> Tally:
    """Passed and total test cases of a pytest JUnit report; a skipped check counts as not passed."""
    root = ElementTree.fromstring(junit_xml)
    cases = root.iter("testcase")
    total = passed = 0
    for case in cases:
        total += 1
        if not any(child.tag in {"failure", "error", "skipped"} for child in case):
            passed += 1
    return Tally(passed, total)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "security.xml"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-m", "security", f"--junitxml={report}"], cwd=REPO_ROOT
        )
        if not report.exists():
            print("security: pytest wrote no report", file=sys.stderr)
            return run.returncode or 1
        result = tally(report.read_text(encoding="utf-8"))
    merge_results({"security_checks_passed": result.passed, "security_checks_total": result.total})
    print(f"\n## Security checks\n\n{header(COMMAND)}\n")
    print(f"| checks passed | checks run |\n|---:|---:|\n| {result.passed} | {result.total} |")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
