"""Northwind Bank's demo core-banking store (SQLite): schema, repository functions and demo data."""

from bot.bank.seed import seed, seed_if_empty

__all__ = ["seed", "seed_if_empty"]
