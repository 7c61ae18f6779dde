"""Everything the assistant may read from or change in the bank, one short transaction per call."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from bot.bank import policy
from bot.bank.db import reading, writing
from bot.bank.lockout import FailureRecord, LockRule, VerificationLimits, after_failure, is_locked
from bot.bank.models import Account, Card, CardBlock, Customer, DisputeCase, Tier, Transaction
from bot.bank.references import insert_with_reference
from bot.bank.security import dummy_pin_hash, pin_matches


class CardNotBlockable(Exception):
    """The card is not the customer's, or it no longer works (already blocked or expired)."""


class DisputeNotAllowed(Exception):
    """The payment cannot be disputed in chat; `reason` says why, for the customer-facing wording."""

    def __init__(self, reason: str, existing_reference: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.existing_reference = existing_reference


class VerificationOutcome(StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    # Too many recent failures for this account number or this conversation: refused for a while,
    # whatever is typed; a person (phone or branch) can still verify the customer.
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class Verification:
    outcome: VerificationOutcome
    customer: Customer | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _customer(row: sqlite3.Row) -> Customer:
    return Customer(
        id=row["id"],
        full_name=row["full_name"],
        first_name=row["first_name"],
        date_of_birth=date.fromisoformat(row["date_of_birth"]),
        tier=Tier(row["tier"]),
    )


def _card(row: sqlite3.Row) -> Card:
    return Card(
        id=row["id"],
        account_id=row["account_id"],
        type=row["type"],
        last_four=row["last_four"],
        status=row["status"],
        expires=row["expires"],
    )


def _transaction(row: sqlite3.Row) -> Transaction:
    return Transaction(
        id=row["id"],
        account_id=row["account_id"],
        card_id=row["card_id"],
        booked_on=date.fromisoformat(row["booked_on"]),
        merchant=row["merchant"],
        amount_minor=row["amount_minor"],
        currency=row["currency"],
    )


def _sortable(moment: datetime) -> str:
    """UTC with microseconds always written, so SQL compares these strings in time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _failure_record(connection: sqlite3.Connection, subject: str) -> FailureRecord | None:
    row = connection.execute(
        "SELECT failures, first_failure_at, locked_until FROM verification_failures WHERE subject = ?",
        (subject,),
    ).fetchone()
    if row is None:
        return None
    locked_until = datetime.fromisoformat(row["locked_until"]) if row["locked_until"] else None
    return FailureRecord(row["failures"], datetime.fromisoformat(row["first_failure_at"]), locked_until)


def _count_failure(
    connection: sqlite3.Connection, subject: str, record: FailureRecord | None, now: datetime, rule: LockRule
) -> bool:
    """Store one more failure for the subject; True if it is now locked."""
    updated = after_failure(record, now, rule)
    connection.execute(
        "INSERT OR REPLACE INTO verification_failures (subject, failures, first_failure_at, locked_until) "
        "VALUES (?, ?, ?, ?)",
        (
            subject,
            updated.failures,
            updated.first_failure_at.isoformat(),
            updated.locked_until.isoformat() if updated.locked_until else None,
        ),
    )
    return updated.locked_until is not None


def _start_verified_conversation(
    connection: sqlite3.Connection, conversation_id: str, customer_id: int, now: datetime, ttl: timedelta
) -> None:
    # Expired records go here too, so the table only ever holds live conversations.
    connection.execute("DELETE FROM verified_conversations WHERE expires_at <= ?", (_sortable(now),))
    connection.execute(
        "INSERT OR REPLACE INTO verified_conversations (conversation_id, customer_id, verified_at, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (conversation_id, customer_id, _sortable(now), _sortable(now + ttl)),
    )


def verify_identity(
    db: Path,
    account_number: str,
    conversation_id: str,
    limits: VerificationLimits,
    *,
    date_of_birth: date | None = None,
    pin: str | None = None,
) -> Verification:
    """Check an account number together with either the date of birth or the security PIN.

    The answer never says which of the two was wrong, and an unknown number costs the same PIN hash
    and counts towards the same lock as a known one, so neither the answer, its timing nor a lock
    tells which account numbers exist. Failures are counted per account number and per conversation
    (bot/bank/lockout.py). On success the conversation is recorded as this customer's
    (verified_customer), which is what the actions trust afterwards.
    """
    if (date_of_birth is None) == (pin is None):
        raise ValueError("give exactly one of date_of_birth and pin")
    subjects = (
        (f"account:{account_number}", limits.per_account),
        (f"conversation:{conversation_id}", limits.per_conversation),
    )
    now = _now()
    with reading(db) as connection:
        # A locked subject is refused before the slow hash, so hammering a lock costs us nothing.
        if any(is_locked(_failure_record(connection, s), now) for s, _ in subjects):
            return Verification(VerificationOutcome.LOCKED)
        row = connection.execute(
            "SELECT c.* FROM customers c JOIN accounts a ON a.customer_id = c.id WHERE a.number = ?",
            (account_number,),
        ).fetchone()
    # The PIN hash is deliberately slow, so it is checked outside any write transaction.
    if pin is not None:
        matches = pin_matches(pin, row["pin_hash"] if row else dummy_pin_hash()) and row is not None
    else:
        matches = row is not None and row["date_of_birth"] == date_of_birth.isoformat()
    with writing(db) as connection:
        # Read again under the write lock: guesses sent in parallel are each counted, and none slips
        # past a lock that another one has just set.
        records = [(s, _failure_record(connection, s), rule) for s, rule in subjects]
        if any(is_locked(record, now) for _, record, _ in records):
            return Verification(VerificationOutcome.LOCKED)
        if matches:
            connection.executemany(
                "DELETE FROM verification_failures WHERE subject = ?", [(s,) for s, _ in subjects]
            )
            _start_verified_conversation(connection, conversation_id, row["id"], now, limits.session_for)
            return Verification(VerificationOutcome.VERIFIED, _customer(row))
        locked = [_count_failure(connection, s, record, now, rule) for s, record, rule in records]
    return Verification(VerificationOutcome.LOCKED if any(locked) else VerificationOutcome.MISMATCH)


def verified_customer(db: Path, conversation_id: str, limits: VerificationLimits) -> int | None:
    """The customer this conversation verified as, if that has not expired; each use extends it."""
    now = _now()
    with writing(db) as connection:
        row = connection.execute(
            "UPDATE verified_conversations SET expires_at = ? WHERE conversation_id = ? AND expires_at > ? "
            "RETURNING customer_id",
            (_sortable(now + limits.session_for), conversation_id, _sortable(now)),
        ).fetchone()
    return None if row is None else int(row["customer_id"])


def list_accounts(db: Path, customer_id: int) -> list[Account]:
    with reading(db) as connection:
        rows = connection.execute(
            "SELECT * FROM accounts WHERE customer_id = ? ORDER BY id", (customer_id,)
        ).fetchall()
    return [
        Account(
            id=r["id"],
            customer_id=r["customer_id"],
            number=r["number"],
            type=r["type"],
            balance_minor=r["balance_minor"],
        )
        for r in rows
    ]


def list_cards(db: Path, customer_id: int, *, blockable_only: bool = False) -> list[Card]:
    statuses = (
        policy.BLOCKABLE_CARD_STATUSES if blockable_only else ("active", "frozen", "blocked", "expired")
    )
    marks = ",".join("?" * len(statuses))
    with reading(db) as connection:
        rows = connection.execute(
            "SELECT cards.* FROM cards JOIN accounts ON accounts.id = cards.account_id "
            f"WHERE accounts.customer_id = ? AND cards.status IN ({marks}) ORDER BY cards.id",
            (customer_id, *statuses),
        ).fetchall()
    return [_card(r) for r in rows]


def block_card(db: Path, customer_id: int, last_four: str, reason: str) -> CardBlock:
    """Block the customer's card for good and record the block; the replacement fee follows policy."""
    now = _now()
    year_ago = (now - timedelta(days=365)).isoformat()
    blockable = ",".join("?" * len(policy.BLOCKABLE_CARD_STATUSES))
    with writing(db) as connection:
        row = connection.execute(
            "SELECT cards.* FROM cards JOIN accounts ON accounts.id = cards.account_id "
            f"WHERE accounts.customer_id = ? AND cards.last_four = ? AND cards.status IN ({blockable})",
            (customer_id, last_four, *policy.BLOCKABLE_CARD_STATUSES),
        ).fetchone()
        if row is None:
            raise CardNotBlockable(f"customer {customer_id} has no working card ending {last_four}")
        earlier_blocks = connection.execute(
            "SELECT count(*) FROM card_blocks b JOIN cards c ON c.id = b.card_id "
            "JOIN accounts a ON a.id = c.account_id WHERE a.customer_id = ? AND b.blocked_at >= ?",
            (customer_id, year_ago),
        ).fetchone()[0]
        fee = 0 if earlier_blocks < policy.FREE_REPLACEMENTS_PER_YEAR else policy.REPLACEMENT_FEE_MINOR
        connection.execute("UPDATE cards SET status = 'blocked' WHERE id = ?", (row["id"],))
        reference = insert_with_reference(
            connection,
            "BLK",
            "INSERT INTO card_blocks (reference, card_id, reason, blocked_at, replacement_fee_minor) "
            "VALUES (?, ?, ?, ?, ?)",
            (row["id"], reason, now.isoformat(), fee),
        )
    return CardBlock(reference, _card(row), now, fee)


def disputable_payments(db: Path, customer_id: int, *, limit: int | None = None) -> list[Transaction]:
    """Payments out of the customer's accounts that are still inside the dispute window, newest first."""
    since = (_now().date() - timedelta(days=policy.DISPUTE_WINDOW_DAYS)).isoformat()
    with reading(db) as connection:
        rows = connection.execute(
            "SELECT t.* FROM transactions t JOIN accounts a ON a.id = t.account_id "
            "WHERE a.customer_id = ? AND t.booked_on >= ? AND t.amount_minor < 0 "
            "ORDER BY t.booked_on DESC, t.id DESC LIMIT ?",
            (customer_id, since, -1 if limit is None else limit),
        ).fetchall()
    return [_transaction(r) for r in rows]


def _disputable(connection: sqlite3.Connection, customer_id: int, transaction_id: int) -> Transaction:
    row = connection.execute(
        "SELECT t.* FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.customer_id = ? AND t.id = ?",
        (customer_id, transaction_id),
    ).fetchone()
    if row is None:
        raise DisputeNotAllowed("not_found")
    transaction = _transaction(row)
    if not transaction.is_payment_out:
        raise DisputeNotAllowed("not_a_payment")
    if (_now().date() - transaction.booked_on).days > policy.DISPUTE_WINDOW_DAYS:
        raise DisputeNotAllowed("too_old")
    existing = connection.execute(
        "SELECT reference FROM dispute_cases WHERE transaction_id = ? AND status = 'open'", (transaction_id,)
    ).fetchone()
    if existing:
        raise DisputeNotAllowed("already_open", existing["reference"])
    return transaction


def check_disputable(db: Path, customer_id: int, transaction_id: int) -> Transaction:
    """The customer's payment if a dispute can be opened for it; raises DisputeNotAllowed otherwise."""
    with reading(db) as connection:
        return _disputable(connection, customer_id, transaction_id)


def open_dispute(
    db: Path, customer_id: int, transaction_id: int, reason: str, description: str | None = None
) -> DisputeCase:
    """Open a case for the customer's payment; raises DisputeNotAllowed as check_disputable does."""
    now = _now()
    with writing(db) as connection:
        # Checked again inside the write transaction: a second chat may have opened a case meanwhile.
        transaction = _disputable(connection, customer_id, transaction_id)
        reference = insert_with_reference(
            connection,
            "DSP",
            "INSERT INTO dispute_cases (reference, transaction_id, reason, description, opened_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (transaction_id, reason, description, now.isoformat()),
        )
    return DisputeCase(reference, transaction, reason, now)
