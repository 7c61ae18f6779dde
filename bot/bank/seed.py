"""Demo customers for the Northwind assistant; `python -m bot.bank seed` prints how to log in as them.

Rows carry fixed ids and are inserted with INSERT OR IGNORE, so seeding twice changes nothing and a
demo's changes (a blocked card, an open dispute) survive until `seed --reset`. Transaction dates are
relative to the day of seeding so that the 120-day dispute window always has recent payments in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bank.db import init_schema, reading, writing
from bot.bank.security import hash_pin


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    id: int
    full_name: str
    date_of_birth: str
    pin: str
    tier: str
    note: str


CUSTOMERS = (
    DemoCustomer(
        1, "Alice Morgan", "1985-03-14", "482913", "standard", "debit + credit card, odd QPAY charge"
    ),
    DemoCustomer(2, "Ben Okafor", "1979-11-02", "205118", "vip", "Premier, Gold debit + frozen credit card"),
    DemoCustomer(
        3, "Chloe Evans", "1997-07-23", "731640", "standard", "one card, charged twice at Sainsbury's"
    ),
    DemoCustomer(
        4, "Daniel Whitfield", "1962-01-30", "550271", "standard", "no working card (already blocked)"
    ),
)

# (id, customer_id, number, type, balance in pence)
ACCOUNTS = (
    (101, 1, "31846207", "everyday", 184_256),
    (102, 1, "31846215", "easy_saver", 520_000),
    (103, 1, "31846223", "credit_card", -31_240),
    (201, 2, "52019384", "premier", 1_243_010),
    (202, 2, "52019392", "fixed_saver", 2_500_000),
    (203, 2, "52019406", "credit_card", -128_450),
    (301, 3, "67254019", "everyday", 21_437),
    (401, 4, "80417365", "everyday", 305_912),
)

# (id, account_id, type, last four, status, expires)
CARDS = (
    (1001, 101, "classic_debit", "4821", "active", "2028-09"),
    (1002, 103, "platinum_credit", "7730", "active", "2029-02"),
    (2001, 201, "gold_debit", "1150", "active", "2027-11"),
    (2002, 201, "gold_debit", "6604", "blocked", "2026-05"),
    (2003, 203, "platinum_credit", "3372", "frozen", "2028-04"),
    (3001, 301, "classic_debit", "9083", "active", "2029-06"),
    (4001, 401, "classic_debit", "2467", "blocked", "2027-03"),
)

# (id, account_id, card_id, days ago, merchant, amount in minor units, currency)
TRANSACTIONS = (
    (1, 101, 1001, 1, "Tesco Express", -1_245, "GBP"),
    (2, 101, 1001, 2, "TfL Travel", -820, "GBP"),
    (3, 101, 1001, 3, "QPAY*DIGITAL SERVICES", -8_999, "GBP"),
    (4, 101, 1001, 5, "Pret A Manger", -645, "GBP"),
    (5, 101, None, 6, "Harbour Logistics Ltd (salary)", 245_000, "GBP"),
    (6, 101, 1001, 8, "Netflix.com", -1_099, "GBP"),
    (7, 101, 1001, 10, "Shell", -5_420, "GBP"),
    (8, 103, 1002, 12, "Amazon Marketplace", -2_399, "GBP"),
    (9, 103, 1002, 15, "Deliveroo", -2_330, "GBP"),
    (10, 101, 1001, 150, "Currys", -34_900, "GBP"),
    (11, 201, 2001, 1, "Hotel Le Marais Paris", -24_000, "EUR"),
    (12, 201, 2001, 2, "Uber Trip", -1_850, "GBP"),
    (13, 201, 2001, 4, "Waitrose", -8_734, "GBP"),
    (14, 203, 2003, 7, "AMZN Digital", -4_999, "USD"),
    (15, 203, 2003, 9, "Selfridges", -31_500, "GBP"),
    (16, 201, 2001, 11, "British Airways", -68_240, "GBP"),
    (21, 301, 3001, 1, "Spotify", -1_199, "GBP"),
    (22, 301, 3001, 3, "Sainsbury's", -3_187, "GBP"),
    (23, 301, 3001, 3, "Sainsbury's", -3_187, "GBP"),
    (24, 301, 3001, 6, "ASOS.com", -5_600, "GBP"),
    (25, 301, 3001, 9, "The Gym Group", -2_499, "GBP"),
    (31, 401, 4001, 40, "Boots", -1_475, "GBP"),
)

# Daniel's card was reported lost a month ago: (id, reference, card_id, reason, days ago, fee)
CARD_BLOCKS = ((1, "BLK-304118", 4001, "lost", 30, 0),)


def _first_name(full_name: str) -> str:
    return full_name.split()[0]


def seed(db_path: Path, *, reset: bool = False) -> tuple[DemoCustomer, ...]:
    """Create the store with the demo data if missing; returns the demo customers to print."""
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    init_schema(db_path)
    now = datetime.now(UTC)
    with reading(db_path) as connection:
        existing = {row[0] for row in connection.execute("SELECT id FROM customers")}
    # Hash outside the write transaction: PBKDF2 is slow on purpose.
    new_customers = [
        (c.id, c.full_name, _first_name(c.full_name), c.date_of_birth, hash_pin(c.pin), c.tier)
        for c in CUSTOMERS
        if c.id not in existing
    ]
    with writing(db_path) as connection:
        connection.executemany(
            "INSERT OR IGNORE INTO customers (id, full_name, first_name, date_of_birth, pin_hash, tier) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            new_customers,
        )
        connection.executemany(
            "INSERT OR IGNORE INTO accounts (id, customer_id, number, type, balance_minor) VALUES (?, ?, ?, ?, ?)",
            ACCOUNTS,
        )
        connection.executemany(
            "INSERT OR IGNORE INTO cards (id, account_id, type, last_four, status, expires) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            CARDS,
        )
        connection.executemany(
            "INSERT OR IGNORE INTO transactions "
            "(id, account_id, card_id, booked_on, merchant, amount_minor, currency) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    tid,
                    account,
                    card,
                    (now.date() - timedelta(days=ago)).isoformat(),
                    merchant,
                    amount,
                    currency,
                )
                for tid, account, card, ago, merchant, amount, currency in TRANSACTIONS
            ],
        )
        connection.executemany(
            "INSERT OR IGNORE INTO card_blocks (id, reference, card_id, reason, blocked_at, replacement_fee_minor) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (bid, reference, card, reason, (now - timedelta(days=ago)).isoformat(), fee)
                for bid, reference, card, reason, ago, fee in CARD_BLOCKS
            ],
        )
    return CUSTOMERS


def seed_if_empty(db_path: Path) -> bool:
    """Seed a missing or empty store (the launcher calls this on every start); True if it seeded."""
    if db_path.exists():
        init_schema(db_path)
        with reading(db_path) as connection:
            if connection.execute("SELECT count(*) FROM customers").fetchone()[0]:
                return False
    seed(db_path)
    return True


def account_numbers(db_path: Path) -> dict[int, list[str]]:
    """Customer id -> account numbers, for printing the demo credentials."""
    numbers: dict[int, list[str]] = {}
    with reading(db_path) as connection:
        for customer_id, number in connection.execute("SELECT customer_id, number FROM accounts ORDER BY id"):
            numbers.setdefault(customer_id, []).append(number)
    return numbers
