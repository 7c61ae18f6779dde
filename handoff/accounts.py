"""Desk accounts: `python -m handoff.accounts add ...` for real ones, and the demo floor for `make run`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from handoff.passwords import hash_password
from handoff.store import HandoffStore, Role
from tandem.app import resolve_store_url
from tandem.config import Settings, settings
from tandem.store import Store


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    skills: tuple[str, ...]


DEMO_FLOOR = (
    DemoAccount("alex", "Alex Morgan", Role.AGENT, ("cards", "payments", "complaints")),
    DemoAccount("sam", "Sam Patel", Role.AGENT, ("cards",)),
    DemoAccount("jo", "Jo Okafor", Role.AGENT, ("payments", "complaints")),
    DemoAccount("morgan", "Morgan Lee", Role.SUPERVISOR, ()),
    DemoAccount("dana", "Dana Reyes", Role.DESIGNER, ()),
)


async def add_account(
    store: HandoffStore,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    skills: Sequence[str],
    chat_capacity: int = 3,
    voice_capacity: int = 1,
    sip_uri: str | None = None,
) -> None:
    await store.create_agent(
        username=username,
        display_name=display_name,
        password_hash=await asyncio.to_thread(hash_password, password),
        role=role,
        skills=skills,
        chat_capacity=chat_capacity,
        voice_capacity=voice_capacity,
        sip_uri=sip_uri,
        now=time.time(),
    )


async def seed_demo_floor(s: Settings) -> Path | None:
    """On a first run only: the demo agents, each with a fresh password of its own, written to a file
    only the owner may read (a password in config.yml or the README would end up in production)."""
    store = await Store.open(resolve_store_url(s))
    try:
        accounts = await HandoffStore.open(store.engine)
        if await accounts.count_agents():
            return None
        passwords = {demo.username: secrets.token_urlsafe(12) for demo in DEMO_FLOOR}
        for demo in DEMO_FLOOR:
            await add_account(
                accounts,
                username=demo.username,
                display_name=demo.display_name,
                password=passwords[demo.username],
                role=demo.role,
                skills=demo.skills,
            )
    finally:
        await store.close()
    path = s.resolve(s.data_dir) / "desk-accounts.txt"
    path.touch(mode=0o600)
    path.chmod(0o600)
    lines = [f"{d.username} ({d.role}): {passwords[d.username]}" for d in DEMO_FLOOR]
    path.write_text("Demo desk accounts, one password each:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m handoff.accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add an agent or supervisor (asks for the password)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    add.add_argument("--skills", default="", help="comma-separated, e.g. cards,payments")
    add.add_argument("--chats", type=int, default=3, help="chat capacity")
    add.add_argument("--calls", type=int, default=1, help="call capacity")
    add.add_argument("--sip-uri", help="the agent's phone, e.g. sip:alex@192.0.2.10")
    args = parser.parse_args()
    password = getpass.getpass("Password: ")
    if len(password) < 10:
        raise SystemExit("Use a password of at least 10 characters.")

    async def run() -> None:
        store = await Store.open(resolve_store_url(settings()))
        try:
            await add_account(
                await HandoffStore.open(store.engine),
                username=args.username,
                display_name=args.name,
                password=password,
                role=Role(args.role),
                skills=[s for s in args.skills.split(",") if s],
                chat_capacity=args.chats,
                voice_capacity=args.calls,
                sip_uri=args.sip_uri,
            )
        finally:
            await store.close()

    asyncio.run(run())
    print(f"Added {args.username}.")


if __name__ == "__main__":
    main()
