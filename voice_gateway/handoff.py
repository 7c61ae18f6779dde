"""A call handed to a person: hold music and queue announcements, then the agent's phone bridged in.

The gateway runs the handoff (policy, queue, offers, the desk); this follows it for one call through
the conversation's events (voice_gateway/events.py) and does what the phone needs at each status:

- queued: the bot's turn-taking rests (the gateway sends it nothing now); the caller hears music on
  hold, interrupted by the gateway's system messages (what happens next, the place in the queue, the
  expected wait), spoken with Piper. What the caller says is still transcribed and stored, so the
  agent reads it. When the queue offers a ticket or a callback, its buttons become keys 1, 2, 3.
- agent: the agent's phone (their profile's sip_uri) is dialled; the music goes on while it rings.
  Answered, the two calls are bridged; the agent's words are transcribed and stored as theirs. Not
  answered within voice.agent_answer_timeout_s, refused or failed: the gateway is told (bridge-failed),
  which puts the caller back at the front of the queue, and the hold goes on.
- bot (the agent handed back): the agent's phone is hung up and the assistant takes the call again.
- closed (the agent ended the conversation on the desk, or the caller took a ticket or a callback):
  the closing message is spoken, then both calls are hung up.
- the agent hangs up their phone while bridged: taken as the agent leaving, the same as ending the
  conversation: the caller is told and the call ends. Requeueing instead would put the caller back
  to hold after an agent already spoke with them, with no way for the agent to say it was done.
- the caller hangs up: the call flow calls stop(), which hangs up the agent's phone; closing the
  conversation then tells the gateway (a caller still queued counts as abandoned).
- a supervisor listens in or barges in from the monitor page (a `tap` frame, never sent to customers):
  their phone joins the bridged call (voice_gateway/tap.py), and leaves when the agent's call ends.

The system messages that come with a status change arrive just before it (the gateway stores the
message, then publishes the change), so those seen since the last customer or bot message are
spoken once the handoff starts. Announcements wait until the assistant has finished its own reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from tandem.config import VoiceSettings
from voice_gateway.bridge import AgentLeg, Dial, agent_left
from voice_gateway.core_client import CoreClient, CoreUnavailable
from voice_gateway.endpointing import EndpointingSettings
from voice_gateway.events import follow
from voice_gateway.hold import AHEAD_MS, HoldMusic, HoldPlayer
from voice_gateway.sip import CallFailed, CallSession
from voice_gateway.speaker import Speaker
from voice_gateway.speech import SpeechEngines
from voice_gateway.survey import KeypadRating
from voice_gateway.tap import SupervisorTap, TapMode

log = logging.getLogger(__name__)

BOT, QUEUED, AGENT, CLOSED = "bot", "queued", "agent", "closed"
TICK_S = 0.1
# How long the assistant must have been quiet before an announcement: its reply to "a person,
# please" is posted after the gateway already announced the queue, and must come first.
SETTLE_S = 0.5


@dataclass(frozen=True, slots=True)
class AgentLine:
    """What every call shares for reaching agents: the endpoint's dialler and the hold music."""

    dial: Dial
    music: HoldMusic


@dataclass(frozen=True, slots=True)
class Choice:
    title: str
    payload: str


class CallHandoff:
    """One per call. start() once the conversation exists; press() gets the keys while active."""

    def __init__(
        self,
        session: CallSession,
        core: CoreClient,
        engines: SpeechEngines,
        voice: VoiceSettings,
        endpointing: EndpointingSettings,
        speaker: Speaker,
        line: AgentLine,
    ) -> None:
        self._session = session
        self._core = core
        self._engines = engines
        self._voice = voice
        self._endpointing = endpointing
        self._speaker = speaker
        self._line = line
        self._hold = HoldPlayer(session, line.music)
        self._conversation = ""
        self._status = BOT
        self._announcements: list[str] = []
        self._unclaimed: list[str] = []  # system messages since the last customer or bot message
        # The last system message after an agent took the call ("...has ended the conversation"): the
        # bridge may clear the announcements just after it arrived.
        self._said_with_agent: str | None = None
        self._choices: list[Choice] = []  # the buttons offered, as keys 1, 2, 3...
        self._talked_with_agent = False
        self._rating = KeypadRating()
        self._dialing: asyncio.Task[None] | None = None
        self._ringing = False
        self._agent: AgentLeg | None = None
        self._tap = SupervisorTap(line.dial, core, engines, endpointing, voice.agent_answer_timeout_s)
        self._ending = False
        self.end_reason: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def active(self) -> bool:
        """A person is awaited or on the line: the assistant's reprompts and keypad menu rest."""
        return self._status in (QUEUED, AGENT) or self._ending

    def start(self, conversation_id: str) -> None:
        self._conversation = conversation_id
        self._spawn(self._follow())
        self._spawn(self._hold_loop())

    async def stop(self) -> None:
        """The call is over: stop following, and hang up the agent's phone if it rings or is bridged."""
        self._ending = True
        for task in self._tasks:
            if task is not self._dialing:
                task.cancel()
        await self._drop_agent()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def press(self, digit: str) -> None:
        """A key while a person is awaited: 1, 2, 3... choose among the options offered, others do nothing;
        while the survey asks, 1 to 5 is the caller's rating."""
        if self._rating.press(digit):
            return
        if self._status != QUEUED or not digit.isdigit() or not 1 <= int(digit) <= len(self._choices):
            return
        choice = self._choices[int(digit) - 1]
        log.info("queue option chosen", extra={"label": choice.title})
        self._spawn(self._choose(choice))

    # --- following the conversation --------------------------------------------------------------

    async def _follow(self) -> None:
        async for frame in follow(self._core, self._conversation):
            kind = frame.get("type")
            if kind == "hello":
                self._enter(str(frame.get("status")), None)
            elif kind == "message":
                self._on_message(frame["message"])
            elif kind == "handoff":
                self._enter(str(frame["status"]), frame.get("agent"))
            elif kind == "closed":
                self._enter(CLOSED, None)
            elif kind == "tap":
                agent = self._agent.session if self._agent is not None else None
                mode, uri = TapMode(str(frame["mode"])), frame.get("sip_uri")
                self._tap.request(self._conversation, mode, uri, self._session, agent)

    def _on_message(self, message: dict[str, Any]) -> None:
        if message["sender"] in ("customer", "bot"):
            self._unclaimed.clear()
        elif message["sender"] == "system":
            text = self._spoken(message["text"], (message.get("data") or {}).get("buttons") or [])
            (self._announcements if self.active else self._unclaimed).append(text)
            if self._status == AGENT:
                self._said_with_agent = text

    def _spoken(self, text: str, buttons: list[dict[str, str]]) -> str:
        """A system message as the caller hears it: buttons become keys."""
        if not buttons:
            return text
        self._choices = [Choice(b["title"], b["payload"]) for b in buttons]
        keys = [f"{n} for {c.title.lower()}" for n, c in enumerate(self._choices, 1)]
        return (
            f"{text} Press {', '.join(keys[:-1])}, or {keys[-1]}."
            if len(keys) > 1
            else f"{text} Press {keys[0]}."
        )

    def _enter(self, status: str, agent: dict[str, Any] | None) -> None:
        previous, self._status = self._status, status
        if status == previous:  # a hello after a reconnect, with nothing missed
            return
        log.info("handoff status", extra={"status": status, "previous": previous})
        if status == QUEUED:
            if previous == BOT:
                self._announcements += self._unclaimed
                self._unclaimed.clear()
            self._spawn(self._drop_agent())  # the desk lost the agent: the caller waits again
        elif status == AGENT:
            self._dialing = asyncio.create_task(
                self._connect((agent or {}).get("sip_uri")), name="dial-agent"
            )
            self._tasks.add(self._dialing)
            self._dialing.add_done_callback(self._tasks.discard)
        elif status == BOT:
            self._choices = []
            self._spawn(self._back_to_bot())
        elif status == CLOSED and not self._ending:
            self._ending = True
            self.end_reason = "conversation closed by the gateway"
            self._spawn(self._finish())

    # --- waiting -------------------------------------------------------------------------------------

    @property
    def _waiting(self) -> bool:
        """Queued, or the agent's phone still ringing: the caller is on hold."""
        return self._status in (QUEUED, AGENT) and self._agent is None and not self._ending

    async def _hold_loop(self) -> None:
        """Music while waiting, paused for each announcement once the assistant is quiet."""
        quiet_s = 0.0
        while True:
            await asyncio.sleep(TICK_S)
            if not self._waiting:
                continue
            if self._speaker.busy:
                quiet_s = 0.0
                continue
            quiet_s += TICK_S
            if self._session.queued_ms > AHEAD_MS:  # an announcement is still being heard
                continue
            if not self._announcements:
                self._hold.top_up()  # after an announcement, the music follows on without a gap
            elif quiet_s >= SETTLE_S:
                self._hold.silence()
                await self._announce(self._announcements.pop(0))

    async def _announce(self, text: str) -> None:
        """Played straight into the call, not by the assistant's speaker: speech from a caller on hold is
        for the agent to read, so it neither cuts the announcement nor is taken as a barge-in."""
        async for pcm in self._engines.sentences(text):
            if not self._waiting:
                return
            self._session.play(pcm)

    async def _choose(self, choice: Choice) -> None:
        try:
            await self._core.say(self._conversation, choice.title, choice.payload)
        except CoreUnavailable as error:
            log.error("could not send the caller's choice", extra={"error": str(error)})

    # --- the agent's phone -----------------------------------------------------------------------------

    async def _connect(self, uri: str | None) -> None:
        detail = await self._reach(uri)
        if detail is None:
            return
        log.warning("agent's phone not reached; back to the queue", extra={"detail": detail})
        try:
            await self._core.bridge_failed(self._conversation, detail)
        except CoreUnavailable as error:
            log.error("could not requeue the caller", extra={"error": str(error)})

    async def _reach(self, uri: str | None) -> str | None:
        """Dial the agent and keep them bridged until the agent's call ends; else why it failed."""
        if not uri:
            return "the agent has no phone (sip_uri) on this call's record"
        self._ringing = True
        try:
            agent = await self._line.dial(uri, self._voice.agent_answer_timeout_s)
        except CallFailed as failed:
            return f"{failed.code} {failed.reason}"
        finally:
            self._ringing = False
        return await self._bridge(agent)

    async def _bridge(self, agent: CallSession) -> str | None:
        if self._status != AGENT or self._ending or not self._session.connected:
            await agent.hangup()  # answered just as the handoff moved on
            return None
        self._session.stop_playback()  # music or an announcement
        self._speaker.interrupt()
        self._announcements.clear()  # "X has joined": the caller now hears X instead
        leg = self._agent = AgentLeg(
            self._session, agent, self._core, self._engines, self._endpointing, self._conversation
        )
        try:
            await leg.connect()
        except Exception as error:  # e.g. either call ended just now: no stream left to join
            self._agent = None
            await agent.hangup()
            return f"could not join the calls: {error}"
        self._talked_with_agent = True
        ended = await leg.wait_ended()
        self._agent = None
        await self._tap.end()  # a supervisor on the call leaves with the agent
        if agent_left(ended) and not self._ending:
            self._agent_hung_up()
        return None

    async def _drop_agent(self) -> None:
        await self._tap.end()
        if self._ringing and self._dialing is not None:
            self._dialing.cancel()  # cancelling the dial hangs up the ringing phone
        if (leg := self._agent) is not None:
            self._agent = None
            await leg.hang_up()

    def _agent_hung_up(self) -> None:
        log.info("agent hung up; ending the call")
        self._ending = True
        self.end_reason = "agent hung up"
        self._spawn(self._say_goodbye([self._voice.agent_left], note=True))

    # --- leaving the handoff -----------------------------------------------------------------------------

    async def _back_to_bot(self) -> None:
        await self._drop_agent()
        self._hold.silence()
        pending, self._announcements = self._announcements, []
        if pending:  # "You're back with our virtual assistant..."
            self._speaker.say(pending)

    async def _finish(self) -> None:
        await self._drop_agent()
        self._hold.silence()
        # e.g. "Our colleague has ended the conversation."
        closing = self._announcements or self._unclaimed or [self._said_with_agent or self._voice.call_ended]
        if self._talked_with_agent and self._voice.csat_question and self._session.connected:
            await asyncio.wait({self._speaker.say([*closing, self._voice.csat_question])})
            closing = [await self._survey()]
        await self._say_goodbye(closing, note=False)

    async def _survey(self) -> str:
        """The caller's key, stored as their rating; what to say before the line closes."""
        score = await self._rating.ask(self._voice.csat_wait_s)
        if score is None:
            return self._voice.call_ended
        log.info("phone rating", extra={"score": score})
        try:
            await self._core.rate(self._conversation, score)
        except CoreUnavailable as error:
            log.error("could not store the caller's rating", extra={"error": str(error)})
        return self._voice.csat_thanks

    async def _say_goodbye(self, texts: list[str], *, note: bool) -> None:
        if note:
            with contextlib.suppress(CoreUnavailable):
                await self._core.note(self._conversation, "system", " ".join(texts))
        await asyncio.wait({self._speaker.say(texts)})
        await self._session.hangup()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
