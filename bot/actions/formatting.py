"""How amounts, dates and accounts are written to customers (UK conventions)."""

from __future__ import annotations

from datetime import date

from bot.bank.models import Account, Card, Transaction

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def money(minor: int, currency: str = "GBP") -> str:
    """1234567 -> "£12,345.67"; a currency without a symbol is written after: "1,000.00 CHF"."""
    sign = "-" if minor < 0 else ""
    pounds, pence = divmod(abs(minor), 100)
    number = f"{pounds:,}.{pence:02d}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def short_date(day: date) -> str:
    return f"{day.day} {day:%b}"


def card_label(card: Card) -> str:
    return f"{card.name} ending {card.last_four}"


def payment_label(transaction: Transaction) -> str:
    """ "£89.99 to QPAY*DIGITAL SERVICES on 21 Nov" (amounts out are shown without the minus)."""
    return (
        f"{money(abs(transaction.amount_minor), transaction.currency)} to {transaction.merchant} "
        f"on {short_date(transaction.booked_on)}"
    )


def balance_line(account: Account) -> str:
    """One line per account; the account number is masked so a shoulder-surfer learns nothing."""
    name = f"{account.name} (ending {account.number[-4:]})"
    if account.type == "credit_card":
        owed = -account.balance_minor
        return f"• {name}: {money(owed)} to pay" if owed > 0 else f"• {name}: nothing to pay"
    return f"• {name}: {money(account.balance_minor)}"
