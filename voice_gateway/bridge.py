"""The agent's leg of a call: the agent's phone, dialled from the same SIP endpoint and bridged to the caller.

The two calls' audio meets in pjsua2's conference bridge (no hop through Python, so no added delay);
each call keeps its own port, so the caller's recording goes on, with the agent joining the right
channel. What the agent says is transcribed here, turn by turn, and stored in the conversation as
the agent's words; the caller's side is transcribed by the call flow as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from voice_gateway.core_client import CoreClient, CoreUnavailable
from voice_gateway.endpointing import EndpointingSettings, Event, EventKind
from voice_gateway.listener import Listener
from voice_gateway.sip import CallSession, Disconnected, Initiator
from voice_gateway.speech import SpeechEngines

log = logging.getLogger(__name__)

Dial = Callable[[str, float], Awaitable[CallSession]]


class AgentLeg:
    """One bridged agent call, from answered to hung up. hang_up() is ours; anything else ending the
    call is the agent hanging up (or their phone failing), which wait_ended() reports."""

    def __init__(
        self,
        caller: CallSession,
        agent: CallSession,
        core: CoreClient,
        engines: SpeechEngines,
        endpointing: EndpointingSettings,
        conversation_id: str,
        sender: str = "agent",
    ) -> None:
        self._caller = caller
        self._sender = sender  # whose words these are in the transcript (a callback's customer too)
        self.session = agent
        self._core = core
        self._engines = engines
        self._listener = Listener(endpointing)
        self._conversation = conversation_id
        self._turns: asyncio.Queue[asyncio.Task[str] | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        # Words spoken while muted are not stored: a supervisor listening in is heard by nobody.
        self.muted = False

    async def connect(self) -> None:
        await self._caller.bridge(self.session)
        self.transcribe()
        log.info("agent bridged", extra={"codec": self.session.codec})

    def transcribe(self) -> None:
        """Store this leg's words, turn by turn, without bridging it (the other leg did)."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="agent-listen"),
            asyncio.create_task(self._store_turns(), name="agent-notes"),
        ]

    async def wait_ended(self) -> Disconnected:
        """The agent's call ended: by the agent (initiator REMOTE) or by hang_up() (LOCAL)."""
        ended = await self.session.wait_disconnected()
        await asyncio.gather(*self._tasks, return_exceptions=True)  # the agent's last words are stored
        return ended

    async def hang_up(self) -> None:
        await self.session.hangup()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _listen(self) -> None:
        try:
            async for frame in self.session.frames():
                for event in self._listener.push(frame):
                    if event.kind is EventKind.TURN_ENDED and not self.muted:
                        self._turns.put_nowait(self._transcribe(event))
        finally:
            self._turns.put_nowait(None)

    def _transcribe(self, turn: Event) -> asyncio.Task[str]:
        samples = self._listener.audio(turn.speech_start_ms or 0.0, turn.speech_end_ms or 0.0)

        async def transcribe() -> str:
            return (await self._engines.transcribe(samples, turn.speech_ms)).text

        return asyncio.create_task(transcribe(), name="agent-transcribe")

    async def _store_turns(self) -> None:
        """In the order spoken, whatever order the transcriptions finish in."""
        while (turn := await self._turns.get()) is not None:
            text = await turn
            if not text:
                continue
            try:
                await self._core.note(self._conversation, self._sender, text)
            except CoreUnavailable as error:
                log.warning("could not store the agent's words", extra={"error": str(error)})


def agent_left(ended: Disconnected) -> bool:
    return ended.initiator is Initiator.REMOTE
