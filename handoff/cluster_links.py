"""What the handoff shares with the other gateways (tandem/cluster.py): the desks' and monitors' events,
who is at a desk, who works on which conversation, queues saved by supervisors, ended sessions and
failed sign-ins; and the router's wake-up, since the router runs on one gateway only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from handoff.open_sockets import OpenSockets
from handoff.service import HandoffService
from handoff.signin_guard import SignInGuard
from tandem.cluster import Cluster


class SharedWake(asyncio.Event):
    """The router's wake-up, rung on any gateway (an agent became available, a customer asked for a
    person), heard by the router wherever it runs, so it acts now rather than at its next tick."""

    def __init__(self) -> None:
        super().__init__()
        self.send: Callable[[dict[str, Any]], None] | None = None

    def set(self) -> None:
        super().set()
        if self.send:
            self.send({})

    def heard(self, _news: dict[str, Any]) -> None:
        super().set()


async def join_cluster(
    cluster: Cluster, handoff: HandoffService, sockets: OpenSockets, guard: SignInGuard
) -> None:
    state = handoff.state
    await state.load_working()  # before the relay: this gateway's copy starts from the store
    cluster.relay("desks", state.desks, presence=True)
    cluster.relay("monitors", state.monitors)
    state.working.outbox = cluster.channel("working", state.working.apply)
    handoff.queue_book.outbox = cluster.channel("queues", handoff.queue_book.apply)
    sockets.outbox = cluster.channel("sessions", sockets.apply)
    guard.outbox = cluster.channel("signins", guard.apply)
    wake = SharedWake()
    wake.send = cluster.channel("wake", wake.heard)
    state.wake = wake
