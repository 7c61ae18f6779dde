"""Calling customers back (preview dialling, agent first), from any voice worker.

Each worker asks the gateway for the next due attempt (handoff/callback_service.py hands each out
once). The agent's phone rings first; answered, the agent hears which ticket it is, then the
customer's number is dialled through handoff.callbacks.trunk_uri. Answered, the two are bridged:
the call is recorded like an inbound one, both sides are transcribed into a phone conversation of
its own, and the attempt is reported with it. Busy, no answer or a failure is reported as such (the
gateway retries), and the agent is told before their phone is hung up.

Only what the gateway handed out is dialled, and the gateway refuses numbers outside
handoff.callbacks.number_pattern; the worker checks the pattern again before dialling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from handoff.callbacks import Outcome, dialable, outcome_of_sip_status
from tandem.config import CallbackSettings
from voice_gateway.bridge import AgentLeg, Dial
from voice_gateway.core_client import CoreClient, CoreUnavailable
from voice_gateway.endpointing import EndpointingSettings
from voice_gateway.sip import CallFailed, CallSession
from voice_gateway.speech import SpeechEngines

log = logging.getLogger(__name__)
POLL_S = 1.0


@dataclass(frozen=True, slots=True)
class Attempt:
    attempt_id: int
    ticket: str
    agent_uri: str
    customer_uri: str
    number: str
    ring_timeout_s: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(int(data["attempt_id"]), str(data["ticket"]), str(data["agent_uri"]),
                   str(data["customer_uri"]), str(data["number"]), float(data["ring_timeout_s"]))  # fmt: skip


class CallbackDialler:
    def __init__(
        self,
        core: CoreClient,
        dial: Dial,
        engines: SpeechEngines,
        endpointing: EndpointingSettings,
        settings: CallbackSettings,
    ) -> None:
        self._core = core
        self._dial = dial
        self._engines = engines
        self._endpointing = endpointing
        self._settings = settings

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and place attempts, one at a time, until stopped."""
        while not stop.is_set():
            attempt = None
            try:
                claimed = await self._core.claim_callback()
                attempt = Attempt.from_json(claimed) if claimed else None
            except CoreUnavailable as error:
                log.warning("could not ask for callbacks", extra={"error": str(error)})
            if attempt is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_S)
                continue
            outcome, conversation = await self.place(attempt)
            try:
                await self._core.callback_result(attempt.attempt_id, outcome, conversation)
            except CoreUnavailable as error:
                log.error("could not report a callback", extra={"error": str(error), "outcome": str(outcome)})

    async def place(self, attempt: Attempt) -> tuple[Outcome, str | None]:
        if not dialable(attempt.number, self._settings.number_pattern):
            return Outcome.REFUSED_NUMBER, None
        try:
            agent = await self._dial(attempt.agent_uri, attempt.ring_timeout_s)
        except CallFailed as failure:
            log.info("callback: the agent's phone did not answer", extra={"code": failure.code})
            return Outcome.AGENT_UNREACHABLE, None
        answered_at = time.monotonic()
        try:
            await self._say(agent, f"Calling the customer back for ticket {attempt.ticket}. Please hold.")
            try:
                customer = await self._dial(attempt.customer_uri, attempt.ring_timeout_s)
            except CallFailed as failure:
                outcome = outcome_of_sip_status(failure.code)
                log.info("callback: the customer was not reached", extra={"code": failure.code})
                await self._say(agent, "The customer did not answer. We'll try again later. Goodbye.")
                return outcome, None
            return Outcome.ANSWERED, await self._talk(attempt, agent, customer, answered_at)
        finally:
            await agent.hangup()

    async def _talk(
        self, attempt: Attempt, agent: CallSession, customer: CallSession, agent_answered_at: float
    ) -> str | None:
        """Bridge the two, transcribe both, until either hangs up; returns the callback's conversation."""
        try:
            conversation = await self._core.open_call(attempt.number)
        except CoreUnavailable as error:
            log.error("callback: no conversation for the call", extra={"error": str(error)})
            conversation = None
        legs = []
        if conversation is not None:
            agent_side = AgentLeg(customer, agent, self._core, self._engines, self._endpointing, conversation)
            customer_side = AgentLeg(agent, customer, self._core, self._engines, self._endpointing, conversation,
                                     sender="customer")  # fmt: skip
            await agent_side.connect()
            customer_side.transcribe()
            legs = [agent_side, customer_side]
        else:
            await customer.bridge(agent)
        # From the agent's answer: the announcement, the customer's ringing and answer, the bridge.
        bridged_ms = round((time.monotonic() - agent_answered_at) * 1000)
        log.info(
            "callback bridged", extra={"conversation_id": conversation, "agent_to_bridge_ms": bridged_ms}
        )
        waits = [asyncio.ensure_future(s.wait_disconnected()) for s in (agent, customer)]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for session in (agent, customer):
            await session.hangup()
        await asyncio.gather(*(leg.wait_ended() for leg in legs), return_exceptions=True)
        if conversation is not None:
            recording = (await customer.wait_disconnected()).recording
            with contextlib.suppress(CoreUnavailable):
                await self._core.close(conversation, "callback", recording)
        return conversation

    async def _say(self, session: CallSession, text: str) -> None:
        async for pcm in self._engines.sentences(text):
            session.play(pcm)
        for _ in range(100):  # until heard: the queue drains in real time
            if not (session.playing and session.connected):
                return
            await asyncio.sleep(max(session.queued_ms, 50) / 1000)
