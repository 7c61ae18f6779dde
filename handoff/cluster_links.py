"""What the handoff shares with the other gateways (tandem/cluster.py): the desks' and monitors' events,
who is at a desk, who works on which conversation, queues saved by supervisors, ended sessions and
failed sign-ins."""

from __future__ import annotations

from handoff.open_sockets import OpenSockets
from handoff.service import HandoffService
from handoff.signin_guard import SignInGuard
from handoff.store import ContactStatus
from tandem.cluster import Cluster


async def join_cluster(
    cluster: Cluster, handoff: HandoffService, sockets: OpenSockets, guard: SignInGuard
) -> None:
    state = handoff.state
    # Before the relay: this gateway's copy starts from the store, and telling the others is not news.
    for contact in await state.contacts.contacts_in([ContactStatus.ACTIVE]):
        if contact.agent_id:
            state.working.start(contact.conversation_id, contact.id, contact.agent_id)
    cluster.relay("desks", state.desks, presence=True)
    cluster.relay("monitors", state.monitors)
    state.working.outbox = cluster.channel("working", state.working.apply)
    handoff.queue_book.outbox = cluster.channel("queues", handoff.queue_book.apply)
    sockets.outbox = cluster.channel("sessions", sockets.apply)
    guard.outbox = cluster.channel("signins", guard.apply)
