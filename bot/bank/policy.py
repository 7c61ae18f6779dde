"""Northwind's published terms that the store enforces."""

from __future__ import annotations

# Card payments can be disputed up to 120 days after the transaction.
DISPUTE_WINDOW_DAYS = 120
# The first lost/stolen replacement in any 12 months is free, each further one costs £5.
FREE_REPLACEMENTS_PER_YEAR = 1
REPLACEMENT_FEE_MINOR = 500
# Only a card that still works can be blocked; a frozen card is still live, just paused.
BLOCKABLE_CARD_STATUSES = ("active", "frozen")
