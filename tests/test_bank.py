"""The demo bank store: seeding, identity checks, card blocks and disputes, on real SQLite files."""

from __future__ import annotations

import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.bank import policy, seed, seed_if_empty
from bot.bank.lockout import LockRule, VerificationLimits
from bot.bank.repository import (
    CardNotBlockable,
    DisputeNotAllowed,
    VerificationOutcome,
    block_card,
    check_disputable,
    disputable_payments,
    list_accounts,
    list_cards,
    open_dispute,
    verify_identity,
)
from bot.bank.security import hash_pin, pin_matches

ALICE, BEN, CHLOE, DANIEL = 1, 2, 3, 4
LIMITS = VerificationLimits(
    per_account=LockRule(6, timedelta(days=1), timedelta(minutes=30)),
    per_conversation=LockRule(3, timedelta(days=1), timedelta(minutes=30)),
    session_for=timedelta(hours=2),
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "bank.sqlite"
    seed(path)
    return path


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def test_seeding_twice_changes_nothing(db: Path) -> None:
    before = {t: rows(db, f"SELECT * FROM {t}") for t in ("customers", "accounts", "cards", "transactions")}
    seed(db)
    after = {t: rows(db, f"SELECT * FROM {t}") for t in before}
    assert after == before
    assert len(before["customers"]) == 4


def test_seed_if_empty_only_seeds_a_missing_or_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bank.sqlite"
    assert seed_if_empty(path) is True
    assert seed_if_empty(path) is False


def test_reset_undoes_demo_changes(db: Path) -> None:
    block_card(db, ALICE, "4821", "lost_or_stolen")
    seed(db, reset=True)
    assert {c.last_four: c.status for c in list_cards(db, ALICE)}["4821"] == "active"


def test_pins_are_stored_only_as_salted_hashes(db: Path) -> None:
    stored = [h for (h,) in rows(db, "SELECT pin_hash FROM customers")]
    assert all(h.startswith("pbkdf2_sha256$") and "482913" not in h for h in stored)
    assert len(set(stored)) == len(stored)
    assert hash_pin("123456") != hash_pin("123456")  # a fresh salt each time
    assert pin_matches("123456", hash_pin("123456", iterations=1000))
    assert not pin_matches("123457", hash_pin("123456", iterations=1000))


def test_verification_by_pin_or_date_of_birth(db: Path) -> None:
    by_pin = verify_identity(db, "31846207", "chat-1", LIMITS, pin="482913")
    assert by_pin.outcome is VerificationOutcome.VERIFIED
    assert by_pin.customer is not None and by_pin.customer.first_name == "Alice"
    # Any of the customer's accounts identifies them.
    by_birth = verify_identity(db, "52019392", "chat-2", LIMITS, date_of_birth=date(1979, 11, 2))
    assert by_birth.outcome is VerificationOutcome.VERIFIED
    assert by_birth.customer is not None and by_birth.customer.tier == "vip"


@pytest.mark.parametrize(
    ("account", "secret"),
    [
        ("31846207", {"pin": "000000"}),
        ("31846207", {"date_of_birth": date(1985, 3, 15)}),
        ("99999999", {"pin": "482913"}),
        ("52019384", {"pin": "482913"}),  # Alice's PIN with Ben's account
    ],
)
def test_verification_never_says_which_detail_was_wrong(db: Path, account: str, secret: dict) -> None:
    result = verify_identity(db, account, "chat-1", LIMITS, **secret)
    assert result.outcome is VerificationOutcome.MISMATCH
    assert result.customer is None


def test_accounts_and_cards(db: Path) -> None:
    assert [a.number for a in list_accounts(db, BEN)] == ["52019384", "52019392", "52019406"]
    assert {c.last_four for c in list_cards(db, BEN, blockable_only=True)} == {"1150", "3372"}
    assert {c.last_four for c in list_cards(db, BEN)} == {"1150", "6604", "3372"}
    assert list_cards(db, DANIEL, blockable_only=True) == []


def test_block_card_gives_a_reference_and_charges_from_the_second_replacement(db: Path) -> None:
    first = block_card(db, ALICE, "4821", "lost_or_stolen")
    assert re.fullmatch(r"BLK-\d{6}", first.reference)
    assert first.replacement_fee_minor == 0
    assert first.card.name == "Classic debit card"
    second = block_card(db, ALICE, "7730", "lost_or_stolen")
    assert second.replacement_fee_minor == policy.REPLACEMENT_FEE_MINOR
    assert rows(db, "SELECT status FROM cards WHERE last_four IN ('4821', '7730')") == [
        ("blocked",),
        ("blocked",),
    ]
    assert rows(db, "SELECT count(*) FROM card_blocks WHERE reference = ?", first.reference) == [(1,)]


def test_only_the_customers_own_working_card_can_be_blocked(db: Path) -> None:
    with pytest.raises(CardNotBlockable):
        block_card(db, BEN, "4821", "lost_or_stolen")  # Alice's card
    with pytest.raises(CardNotBlockable):
        block_card(db, BEN, "6604", "lost_or_stolen")  # already blocked
    assert block_card(db, BEN, "3372", "lost_or_stolen").card.status == "frozen"  # frozen is still live


def test_concurrent_blocks_of_one_card_succeed_exactly_once(db: Path) -> None:
    def attempt(_: int) -> str | None:
        try:
            return block_card(db, CHLOE, "9083", "lost_or_stolen").reference
        except CardNotBlockable:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert len([r for r in results if r]) == 1
    assert rows(
        db, "SELECT count(*) FROM card_blocks b JOIN cards c ON c.id = b.card_id WHERE c.last_four = '9083'"
    ) == [(1,)]


def test_disputable_payments_are_recent_payments_out(db: Path) -> None:
    payments = disputable_payments(db, ALICE)
    merchants = [p.merchant for p in payments]
    assert "QPAY*DIGITAL SERVICES" in merchants
    assert "Harbour Logistics Ltd (salary)" not in merchants  # money in
    assert "Currys" not in merchants  # older than the dispute window
    assert [p.booked_on for p in payments] == sorted((p.booked_on for p in payments), reverse=True)
    assert len(disputable_payments(db, ALICE, limit=3)) == 3


def test_open_dispute_and_the_reasons_to_refuse_one(db: Path) -> None:
    case = open_dispute(db, ALICE, 3, "not_recognised")
    assert re.fullmatch(r"DSP-\d{6}", case.reference)
    assert case.transaction.merchant == "QPAY*DIGITAL SERVICES"
    refusals = {
        3: ("already_open", case.reference),
        5: ("not_a_payment", None),
        10: ("too_old", None),
        11: ("not_found", None),  # Ben's payment
    }
    for transaction_id, (reason, reference) in refusals.items():
        with pytest.raises(DisputeNotAllowed) as refused:
            check_disputable(db, ALICE, transaction_id)
        assert (refused.value.reason, refused.value.existing_reference) == (reason, reference)


def test_concurrent_disputes_of_one_payment_open_one_case(db: Path) -> None:
    def attempt(_: int) -> str | None:
        try:
            return open_dispute(db, CHLOE, 22, "duplicate", "charged twice").reference
        except DisputeNotAllowed:
            return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert len([r for r in results if r]) == 1
    assert rows(db, "SELECT reason, description FROM dispute_cases") == [("duplicate", "charged twice")]
