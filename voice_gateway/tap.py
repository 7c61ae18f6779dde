"""A supervisor's phone on a call bridged to an agent: listening in, or barged in, as the monitor page asks.

Listening, the caller's and the agent's audio go one way to the supervisor's phone through the
conference bridge; nothing the supervisor says is heard or stored. Barged in, the supervisor is heard by
both, and their words are stored as a person's words in the transcript. The gateway is told each step
(ringing, listening, barged, ended, failed), which the monitor page shows. The recordings keep the
caller and the agent only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from enum import StrEnum
from typing import Any

from voice_gateway.bridge import AgentLeg, Dial
from voice_gateway.core_client import CoreClient, CoreUnavailable
from voice_gateway.endpointing import EndpointingSettings
from voice_gateway.sip import CallFailed, CallSession
from voice_gateway.speech import SpeechEngines

log = logging.getLogger(__name__)


class TapMode(StrEnum):
    LISTEN = "listen"
    BARGE = "barge"
    OFF = "off"


class SupervisorTap:
    """One per call. request() follows the supervisor's latest choice; end() when the agent's leg ends."""

    def __init__(
        self,
        dial: Dial,
        core: CoreClient,
        engines: SpeechEngines,
        endpointing: EndpointingSettings,
        answer_timeout_s: float,
    ) -> None:
        self._dial = dial
        self._core = core
        self._engines = engines
        self._endpointing = endpointing
        self._answer_timeout_s = answer_timeout_s
        self._conversation = ""
        self._wanted = TapMode.OFF
        self._leg: AgentLeg | None = None
        self._parties: tuple[CallSession, CallSession] | None = None  # the caller, the agent
        self._dialing: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def request(
        self,
        conversation_id: str,
        mode: TapMode,
        uri: str | None,
        caller: CallSession,
        agent: CallSession | None,
    ) -> None:
        self._conversation = conversation_id
        self._wanted = mode
        if mode is TapMode.OFF:
            self._spawn(self.end())
        elif agent is None:
            self._spawn(self._report("failed", "the call is not with an agent now"))
        elif self._leg is not None:
            self._spawn(self._apply())
        elif self._dialing is None:
            self._parties = (caller, agent)
            self._dialing = asyncio.create_task(self._ring(uri), name="dial-supervisor")
        # else: ringing now; the choice is applied once the supervisor answers

    async def end(self) -> None:
        """Hang up the supervisor's phone, ringing or connected."""
        self._wanted = TapMode.OFF
        if self._dialing is not None:
            self._dialing.cancel()  # cancelling the dial hangs up the ringing phone
            with contextlib.suppress(asyncio.CancelledError):
                await self._dialing
        if (leg := self._leg) is not None:
            self._leg = None
            await leg.hang_up()

    async def _ring(self, uri: str | None) -> None:
        try:
            if not uri:
                await self._report("failed", "there is no phone on your profile")
                return
            await self._report("ringing", "")
            try:
                session = await self._dial(uri, self._answer_timeout_s)
            except CallFailed as failed:
                await self._report("failed", f"your phone did not answer ({failed.code} {failed.reason})")
                return
            caller, agent = self._parties or (None, None)
            if self._wanted is TapMode.OFF or caller is None or agent is None or not agent.connected:
                await session.hangup()
                return
            leg = self._leg = AgentLeg(
                caller, session, self._core, self._engines, self._endpointing, self._conversation
            )
            leg.muted = True
            await caller.send_audio(session, on=True)
            await agent.send_audio(session, on=True)
            leg.transcribe()
            self._spawn(self._watch(leg))
        finally:
            self._dialing = None
        await self._apply()

    async def _apply(self) -> None:
        leg, parties = self._leg, self._parties
        if leg is None or parties is None or self._wanted is TapMode.OFF:
            return
        heard = self._wanted is TapMode.BARGE
        for party in parties:
            await leg.session.send_audio(party, on=heard)
        leg.muted = not heard
        log.info("supervisor on the call", extra={"mode": str(self._wanted)})
        await self._report("barged" if heard else "listening", "")

    async def _watch(self, leg: AgentLeg) -> None:
        await leg.wait_ended()
        if self._leg is leg:
            self._leg = None
        await self._report("ended", "")

    async def _report(self, state: str, detail: str) -> None:
        try:
            await self._core.tap_status(self._conversation, state, detail)
        except CoreUnavailable as error:
            log.warning("could not report the supervisor's call", extra={"error": str(error)})

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
