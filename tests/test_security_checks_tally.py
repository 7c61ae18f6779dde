"""How `make security` counts its checks from pytest's JUnit report."""

from __future__ import annotations

import pytest

from benchmarks.security_checks import Tally, tally


def report(*cases: str) -> str:
    return f'<testsuites><testsuite name="pytest">{"".join(cases)}</testsuite></testsuites>'


PASS = '<testcase classname="t" name="a"/>'
FAIL = '<testcase classname="t" name="b"><failure message="x"/></testcase>'
ERROR = '<testcase classname="t" name="c"><error message="x"/></testcase>'
SKIP = '<testcase classname="t" name="d"><skipped message="x"/></testcase>'


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (report(), Tally(0, 0)),
        (report(PASS, PASS), Tally(2, 2)),
        (report(PASS, FAIL), Tally(1, 2)),
        (report(ERROR, PASS, SKIP), Tally(1, 3)),
    ],
)
def test_tally_counts_only_clean_passes(xml: str, expected: Tally) -> None:
    assert tally(xml) == expected
