"""When failed identity checks lock a subject (an account number, or one client), and for how long.

Pure functions of the failures so far: the repository reads a subject's record, asks these, and
writes the answer back inside one write transaction, so two guesses at once are counted twice.

A lock ends by itself after `lock_for`: a stranger who types a customer's account number wrongly
on purpose can keep that customer out of chat for a while, never for good. Failures further apart
than `window` are forgotten, so a customer who mistypes now and then is never locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LockRule:
    max_failures: int  # failures within `window` that lock the subject
    window: timedelta
    lock_for: timedelta


@dataclass(frozen=True, slots=True)
class VerificationLimits:
    per_account: LockRule
    per_conversation: LockRule
    # A verified conversation stays verified this long after an action last used it.
    session_for: timedelta


@dataclass(frozen=True, slots=True)
class FailureRecord:
    failures: int
    first_failure_at: datetime
    locked_until: datetime | None = None


def is_locked(record: FailureRecord | None, now: datetime) -> bool:
    return record is not None and record.locked_until is not None and now < record.locked_until


def still_counts(record: FailureRecord | None, now: datetime, rule: LockRule) -> bool:
    """False once the record says nothing any more: its lock is over, or its failures are too old."""
    if record is None:
        return False
    if record.locked_until is not None:
        return now < record.locked_until
    return now - record.first_failure_at < rule.window


def after_failure(record: FailureRecord | None, now: datetime, rule: LockRule) -> FailureRecord:
    """The record once one more failure is counted; it carries a lock when that failure reaches the limit."""
    current = record if still_counts(record, now, rule) else None
    failures = (current.failures if current else 0) + 1
    first = current.first_failure_at if current else now
    locked_until = now + rule.lock_for if failures >= rule.max_failures else None
    return FailureRecord(failures, first, locked_until)
