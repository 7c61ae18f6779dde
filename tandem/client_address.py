"""Who a request comes from: the peer's address, or, only when that peer is a proxy we were told to
trust, the last address it saw in X-Forwarded-For. A header from anybody else is ignored, or any
client could name a fresh address per request and walk past every per-address limit."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR ranges; raises ValueError for anything else."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address. Behind trusted proxies, the rightmost X-Forwarded-For entry that is not
    itself a trusted proxy: entries left of it were written by the client and prove nothing."""
    address = peer or "unknown"
    if not forwarded_for or not _trusted(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed chain: keep what we know for sure
        if not _trusted(hop, trusted):
            return hop
        address = hop
    return address
