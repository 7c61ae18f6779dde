"""`python -m bot.bank seed [--reset] [--db PATH]`: create the demo store and print the demo logins."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.bank.seed import account_numbers, seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bank", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    seed_cmd = commands.add_parser("seed", help="create the store with the demo customers (idempotent)")
    seed_cmd.add_argument("--reset", action="store_true", help="delete the store first (undo demo changes)")
    seed_cmd.add_argument("--db", type=Path, help="store file (default: tandem.bank_db_path in config.yml)")
    args = parser.parse_args(argv)

    if args.db is None:
        from tandem.config import settings

        args.db = settings().resolve(settings().bank_db_path)
    customers = seed(args.db, reset=args.reset)
    numbers = account_numbers(args.db)
    print(f"Demo bank store: {args.db}\n")
    print("| customer | tier | account numbers | date of birth | security PIN | try |")
    print("|---|---|---|---|---|---|")
    for c in customers:
        print(
            f"| {c.full_name} | {c.tier} | {', '.join(numbers.get(c.id, []))} | {c.date_of_birth} "
            f"| {c.pin} | {c.note} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
