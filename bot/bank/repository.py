"""Everything the assistant may read from or change in the bank, one short transaction per call."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from bot.bank import policy
from bot.bank.db import reading, writing
from bot.bank.models import Account, Card, CardBlock, Customer, DisputeCase, Tier, Transaction
from bot.bank.references import insert_with_reference
from bot.bank.security import pin_matches


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
    # Too many consecutive failures: only a person (phone or branch) can verify this customer now.
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


def verify_identity(
    db: Path, account_number: str, *, date_of_birth: date | None = None, pin: str | None = None
) -> Verification:
    """Check an account number together with either the date of birth or the security PIN.

    The answer never says which of the two was wrong, so it cannot be used to find valid account
    numbers. Failures are counted per customer across conversations (see policy.VERIFICATION_LOCK_AFTER).
    """
    if (date_of_birth is None) == (pin is None):
        raise ValueError("give exactly one of date_of_birth and pin")
    with reading(db) as connection:
        row = connection.execute(
            "SELECT c.* FROM customers c JOIN accounts a ON a.customer_id = c.id WHERE a.number = ?",
            (account_number,),
        ).fetchone()
    if row is None:
        return Verification(VerificationOutcome.MISMATCH)
    if row["failed_verifications"] >= policy.VERIFICATION_LOCK_AFTER:
        return Verification(VerificationOutcome.LOCKED)
    # The PIN hash is deliberately slow, so it is checked outside any write transaction.
    if pin is not None:
        matches = pin_matches(pin, row["pin_hash"])
    else:
        matches = row["date_of_birth"] == date_of_birth.isoformat()
    with writing(db) as connection:
        if matches:
            connection.execute("UPDATE customers SET failed_verifications = 0 WHERE id = ?", (row["id"],))
            return Verification(VerificationOutcome.VERIFIED, _customer(row))
        failures = connection.execute(
            "UPDATE customers SET failed_verifications = failed_verifications + 1 WHERE id = ? "
            "RETURNING failed_verifications",
            (row["id"],),
        ).fetchone()[0]
    if failures >= policy.VERIFICATION_LOCK_AFTER:
        return Verification(VerificationOutcome.LOCKED)
    return Verification(VerificationOutcome.MISMATCH)


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
