"""What the store hands out: plain immutable records, so callers never hold a database row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

CARD_TYPE_NAMES = {
    "classic_debit": "Classic debit card",
    "gold_debit": "Gold debit card",
    "platinum_credit": "Platinum credit card",
}

ACCOUNT_TYPE_NAMES = {
    "everyday": "Everyday current account",
    "premier": "Premier current account",
    "easy_saver": "Easy Saver",
    "fixed_saver": "Fixed Saver",
    "credit_card": "Platinum credit card account",
}


class Tier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    full_name: str
    first_name: str
    date_of_birth: date
    tier: Tier


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    customer_id: int
    number: str
    type: str
    balance_minor: int

    @property
    def name(self) -> str:
        return ACCOUNT_TYPE_NAMES[self.type]


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    account_id: int
    type: str
    last_four: str
    status: str
    expires: str

    @property
    def name(self) -> str:
        return CARD_TYPE_NAMES[self.type]

    def is_kind(self, kind: str) -> bool:
        """True for the product ("gold") or the family ("debit") a customer may call the card by."""
        return kind.lower() in self.type.split("_")


@dataclass(frozen=True, slots=True)
class Transaction:
    id: int
    account_id: int
    card_id: int | None
    booked_on: date
    merchant: str
    amount_minor: int
    currency: str

    @property
    def is_payment_out(self) -> bool:
        return self.amount_minor < 0


@dataclass(frozen=True, slots=True)
class CardBlock:
    reference: str
    card: Card
    blocked_at: datetime
    replacement_fee_minor: int


@dataclass(frozen=True, slots=True)
class DisputeCase:
    reference: str
    transaction: Transaction
    reason: str
    opened_at: datetime
