-- Northwind Bank demo core-banking store. Money is kept in minor units (pence, cents) as integers
-- so that no balance is ever rounded. Dates are ISO 8601 text, which sorts and compares correctly.

CREATE TABLE IF NOT EXISTS customers (
    id                   INTEGER PRIMARY KEY,
    full_name            TEXT    NOT NULL,
    first_name           TEXT    NOT NULL,
    date_of_birth        TEXT    NOT NULL,
    -- "pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>", see bot/bank/security.py
    pin_hash             TEXT    NOT NULL,
    tier                 TEXT    NOT NULL CHECK (tier IN ('standard', 'vip'))
);

CREATE TABLE IF NOT EXISTS accounts (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    number        TEXT    NOT NULL UNIQUE CHECK (length(number) = 8 AND number NOT GLOB '*[^0-9]*'),
    type          TEXT    NOT NULL
                  CHECK (type IN ('everyday', 'premier', 'easy_saver', 'fixed_saver', 'credit_card')),
    -- for a credit card account a negative balance is what the customer owes
    balance_minor INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS cards (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    type       TEXT    NOT NULL CHECK (type IN ('classic_debit', 'gold_debit', 'platinum_credit')),
    last_four  TEXT    NOT NULL CHECK (length(last_four) = 4 AND last_four NOT GLOB '*[^0-9]*'),
    status     TEXT    NOT NULL CHECK (status IN ('active', 'frozen', 'blocked', 'expired')),
    expires    TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS transactions (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    card_id      INTEGER REFERENCES cards (id),
    booked_on    TEXT    NOT NULL,
    merchant     TEXT    NOT NULL,
    -- negative: money out of the account
    amount_minor INTEGER NOT NULL,
    currency     TEXT    NOT NULL DEFAULT 'GBP'
);

CREATE INDEX IF NOT EXISTS transactions_by_account_date ON transactions (account_id, booked_on);

CREATE TABLE IF NOT EXISTS card_blocks (
    id                    INTEGER PRIMARY KEY,
    reference             TEXT    NOT NULL UNIQUE,
    card_id               INTEGER NOT NULL REFERENCES cards (id),
    reason                TEXT    NOT NULL,
    blocked_at            TEXT    NOT NULL,
    replacement_fee_minor INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dispute_cases (
    id             INTEGER PRIMARY KEY,
    reference      TEXT    NOT NULL UNIQUE,
    transaction_id INTEGER NOT NULL REFERENCES transactions (id),
    reason         TEXT    NOT NULL,
    description    TEXT,
    status         TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    opened_at      TEXT    NOT NULL
);

-- A payment can only have one open case: a second report must find the first one.
CREATE UNIQUE INDEX IF NOT EXISTS one_open_dispute_per_transaction
    ON dispute_cases (transaction_id) WHERE status = 'open';

-- Failed identity checks per subject: 'account:<number typed>' (known or not, so a lock says nothing
-- about which numbers exist) and 'conversation:<id>'. See bot/bank/lockout.py.
CREATE TABLE IF NOT EXISTS verification_failures (
    subject          TEXT    PRIMARY KEY,
    failures         INTEGER NOT NULL,
    first_failure_at TEXT    NOT NULL,
    locked_until     TEXT
);

-- Conversations whose customer passed identity verification. The actions read who the customer is
-- from here, never from the tracker a request carries, so a forged tracker proves nothing.
CREATE TABLE IF NOT EXISTS verified_conversations (
    conversation_id TEXT    PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    verified_at     TEXT    NOT NULL,
    -- pushed forward each time an action uses it; a conversation left alone expires
    expires_at      TEXT    NOT NULL
);
