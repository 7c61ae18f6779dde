"""One phone call with the assistant, from answer to the closed conversation.

The stages, each in its own module, are chained here:

    caller frames -> Listener (VAD, endpointing) -> turn events --+--> transcription (speculative on
    DTMF --------> Keypad (menu, digit entry) --------------------+    a pause) -> inputs queue ->
                                                                       CoreClient.say -> Speaker (TTS)

Every customer input (a spoken turn, a menu key, keyed digits) goes through one queue in the order it
happened, so the conversation store sees the call exactly as it went. The listener keeps running
while the bot talks, which is what makes barge-in possible. On hang-up, by either side, the inputs
already taken are still delivered, then the conversation is closed with the reason and the recording.

While a person is awaited or on the line (the gateway's handoff), voice_gateway/handoff.py has the call:
hold music, the queue's announcements, the agent's phone bridged in; the caller is still transcribed.

Nothing the caller says or keys is logged: log lines carry sizes, durations and the menu labels only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from tandem.config import VoiceSettings
from tandem.logs import conversation_id_var
from voice_gateway.core_client import CoreClient, CoreUnavailable
from voice_gateway.endpointing import EndpointingSettings, Event, EventKind, reads_as_complete
from voice_gateway.handoff import AgentLine, CallHandoff
from voice_gateway.ivr import Keypad, KeypadAction, MenuChoice, MenuOption, asks_for_digits
from voice_gateway.listener import Listener
from voice_gateway.reprompt import reprompt
from voice_gateway.sip import CallSession, Disconnected, Dtmf, Initiator, PlaybackDrained
from voice_gateway.speaker import Speaker
from voice_gateway.speech import SpeechEngines
from voice_gateway.survey import KeypadRating

log = logging.getLogger(__name__)

_REASONS = {
    Initiator.REMOTE: "caller hung up",
    Initiator.LOCAL: "gateway hung up",
    Initiator.SHUTDOWN: "voice gateway stopped",
}


@dataclass(frozen=True, slots=True)
class CustomerInput:
    text: str = field(repr=False)
    payload: str | None = None


@dataclass(frozen=True, slots=True)
class Speculation:
    """A transcription started on a pause; it answers the turn if the turn ends with the same audio."""

    start_ms: float
    end_ms: float
    task: asyncio.Task[CustomerInput | None]


def endpointing_settings(voice: VoiceSettings) -> EndpointingSettings:
    return EndpointingSettings(**voice.endpointing.model_dump())


def keypad(voice: VoiceSettings) -> Keypad:
    menu = {key: MenuOption(option.label, option.payload) for key, option in voice.menu.items()}
    return Keypad(menu, voice.inter_digit_timeout_ms)


def opening(voice: VoiceSettings) -> str:
    """The greeting as callers hear it: told first that the call is recorded, when it is."""
    return f"{voice.recording_notice} {voice.greeting}" if voice.record_calls else voice.greeting


class CallFlow:
    def __init__(
        self,
        session: CallSession,
        core: CoreClient,
        engines: SpeechEngines,
        voice: VoiceSettings,
        line: AgentLine,
    ) -> None:
        self._session = session
        self._core = core
        self._engines = engines
        self._voice = voice
        self._listener = Listener(endpointing_settings(voice))
        self._keypad = keypad(voice)
        self._speaker = Speaker(session, engines, self._playback_started, self._playback_finished)
        self._handoff = CallHandoff(
            session, core, engines, voice, endpointing_settings(voice), self._speaker, line
        )
        self._inputs: asyncio.Queue[asyncio.Future[CustomerInput | None] | None] = asyncio.Queue()
        self._rating = KeypadRating()
        self._score: int | None = None  # the caller's rating, stored once the conversation is closed
        self._farewell: asyncio.Task[None] | None = None
        self._speculation: Speculation | None = None
        self._conversation = ""
        self._last_replies: list[str] = []  # what the bot said last: a silence gets its question again
        self._end_reason: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """The call handler: returns when the call is over and its conversation closed."""
        started = time.monotonic()
        try:
            self._conversation = await self._core.open_call(self._session.remote.number or "anonymous")
        except CoreUnavailable as error:
            log.error("gateway unreachable; apologising and hanging up", extra={"error": str(error)})
            self._hang_up("gateway unavailable", self._voice.unavailable)
            await self._follow_events()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            return
        conversation_id_var.set(self._conversation)  # this task and the ones it starts log the id
        log.info(
            "call answered",
            extra={
                "sip_call_id": self._session.sip_call_id,
                "codec": self._session.codec,
            },
        )
        self._handoff.start(self._conversation)
        worker = asyncio.create_task(self._answer_inputs(), name="inputs")
        listening = asyncio.create_task(self._listen(), name="listen")
        self._spawn(self._prompt(opening(self._voice)))
        disconnected = await self._follow_events()
        if self._farewell is not None:
            self._farewell.cancel()  # a caller who hangs up skips the survey
        await self._handoff.stop()
        listening.cancel()
        self._speaker.interrupt()
        await self._inputs.put(None)  # what the caller already said is still delivered and stored
        await asyncio.gather(listening, worker, *self._tasks, return_exceptions=True)
        reason = self._end_reason or self._handoff.end_reason or _REASONS[disconnected.initiator]
        try:
            await self._core.close(self._conversation, reason, disconnected.recording)
        except CoreUnavailable as error:
            log.error("closing the conversation failed", extra={"error": str(error)})
        if self._score is not None:  # a conversation is rated once it has ended
            try:
                await self._core.rate(self._conversation, self._score)
            except CoreUnavailable as error:
                log.error("could not store the caller's rating", extra={"error": str(error)})
        log.info(
            "call ended",
            extra={
                "reason": reason,
                "duration_s": round(time.monotonic() - started, 1),
                "recording": disconnected.recording,
            },
        )

    # --- sources ---------------------------------------------------------------------------------------

    async def _listen(self) -> None:
        async for frame in self._session.frames():
            for event in self._listener.push(frame):
                self._on_turn_event(event)
            if (action := self._keypad.tick(self._listener.now_ms)) is not None:
                self._on_keypad(action)

    async def _follow_events(self) -> Disconnected:
        async for event in self._session.events():
            if isinstance(event, Dtmf) and self._rating.press(event.digit):
                self._speaker.interrupt()  # the caller's 1-5 answer to the survey: no need to hear it out
                continue
            if isinstance(event, Dtmf) and self._end_reason is not None:
                continue  # the call is ending: no menu, no digit entry
            if isinstance(event, Dtmf) and self._handoff.active:
                self._handoff.press(event.digit)  # waiting for or talking to a person: no menu
            elif isinstance(event, Dtmf):
                self._speaker.interrupt()  # a key press interrupts like speech does
                if (action := self._keypad.press(event.digit, self._listener.now_ms)) is not None:
                    self._on_keypad(action)
            elif isinstance(event, PlaybackDrained):
                self._speaker.drained()
            elif isinstance(event, Disconnected):
                return event
        raise RuntimeError("the event stream ended without Disconnected")

    # --- turn-taking -----------------------------------------------------------------------------------

    def _on_turn_event(self, event: Event) -> None:
        if event.kind is EventKind.HOLD:
            self._session.hold_playback()
        elif event.kind is EventKind.RESUME:
            self._session.resume_playback()
        elif event.kind is EventKind.BARGE_IN:
            self._speaker.interrupt()
            log.info("barge-in", extra={"at_ms": event.at_ms})
        elif event.kind is EventKind.PAUSE:
            speculation = Speculation(
                event.speech_start_ms or 0.0, event.speech_end_ms or 0.0, self._transcribe(event)
            )
            self._speculation = speculation
            speculation.task.add_done_callback(lambda _: self._speculated(speculation))
        elif event.kind is EventKind.SPEECH_RESUMED and self._speculation is not None:
            self._speculation.task.cancel()
            self._speculation = None
        elif event.kind is EventKind.TURN_ENDED:
            silence_ms = event.at_ms - (event.speech_end_ms or event.at_ms)
            log.info("turn ended", extra={"reason": event.reason, "silence_ms": round(silence_ms)})
            self._inputs.put_nowait(self._turn_text(event))
        elif event.kind is EventKind.NO_INPUT and self._end_reason is not None:
            pass  # saying goodbye, or waiting for the survey's key
        elif event.kind is EventKind.NO_INPUT and not self._handoff.active:  # silence is fine on hold
            if event.give_up:
                self._hang_up("no input", self._voice.goodbye)
            else:
                lines = reprompt(self._last_replies, self._voice.reprompt_apology, self._voice.reprompt)
                self._spawn(self._prompt(*lines))

    def _speculated(self, speculation: Speculation) -> None:
        """A transcript that reads complete lets the turn end sooner, if the caller is still silent."""
        task = speculation.task
        if speculation is not self._speculation or task.cancelled() or task.exception() is not None:
            return
        said = task.result()
        if said is not None and reads_as_complete(said.text):
            self._listener.endpointer.transcript_complete(speculation.end_ms)

    def _turn_text(self, event: Event) -> asyncio.Task[CustomerInput | None]:
        speculation, self._speculation = self._speculation, None
        if speculation is not None and (speculation.start_ms, speculation.end_ms) == (
            event.speech_start_ms,
            event.speech_end_ms,
        ):
            return speculation.task  # the caller stayed silent since the pause: already (being) transcribed
        if speculation is not None:
            speculation.task.cancel()
        return self._transcribe(event)

    def _transcribe(self, event: Event) -> asyncio.Task[CustomerInput | None]:
        samples = self._listener.audio(event.speech_start_ms or 0.0, event.speech_end_ms or 0.0)

        async def transcribe() -> CustomerInput | None:
            started = time.perf_counter()
            transcript = await self._engines.transcribe(samples, event.speech_ms)
            log.info(
                "turn transcribed",
                extra={
                    "audio_ms": round(samples.size / 16), "stt_path": transcript.path,
                    "stt_ms": round((time.perf_counter() - started) * 1000), "chars": len(transcript.text),
                },
            )  # fmt: skip
            return CustomerInput(transcript.text) if transcript.text else None

        return asyncio.create_task(transcribe(), name="transcribe")

    def _on_keypad(self, action: KeypadAction) -> None:
        if isinstance(action, MenuChoice):
            log.info("menu choice", extra={"label": action.option.label})
            text = CustomerInput(action.option.label, action.option.payload)
        else:
            log.info("digit entry", extra={"digits": len(action.digits)})  # how many, never which
            text = CustomerInput(action.digits)
        done: asyncio.Future[CustomerInput | None] = asyncio.get_running_loop().create_future()
        done.set_result(text)
        self._inputs.put_nowait(done)

    def _playback_started(self) -> None:
        self._listener.endpointer.playback_started(self._listener.now_ms)

    def _playback_finished(self) -> None:
        self._listener.endpointer.playback_ended(self._listener.now_ms)

    # --- the conversation ------------------------------------------------------------------------------

    async def _answer_inputs(self) -> None:
        while (pending := await self._inputs.get()) is not None:
            try:
                said = await pending
            except asyncio.CancelledError:  # a speculation dropped after all
                continue
            if said is None:  # noise, not words: the caller's turn again
                if not self._speaker.speaking:
                    self._listener.endpointer.start_listening(self._listener.now_ms)
                continue
            try:
                turn = await self._core.say(self._conversation, said.text, said.payload)
            except CoreUnavailable as error:
                log.error("gateway unreachable during the call", extra={"error": str(error)})
                self._hang_up("gateway unavailable", self._voice.unavailable)
                continue
            if not self._session.connected or self._end_reason is not None:
                continue
            self._keypad.expect_digits(
                any(asks_for_digits(r, self._voice.digit_prompts) for r in turn.replies)
            )
            if turn.farewell:
                self._end_reason = "caller said goodbye"
                self._farewell = self._spawn(self._say_farewell(turn.replies))
            elif turn.replies:
                self._last_replies = list(turn.replies)
                await asyncio.wait({self._speaker.say(turn.replies)})
            else:
                self._listener.endpointer.start_listening(self._listener.now_ms)

    async def _say_farewell(self, replies: list[str]) -> None:
        """The bot's goodbye; then, when enabled, "press 1 to 5" with the caller still on the line; then
        the bot hangs up its side."""
        await asyncio.wait({self._speaker.say(replies)})
        if self._voice.csat_bot_question:
            self._rating.open()
            await self._prompt(self._voice.csat_bot_question)
            self._score = await self._rating.ask(self._voice.csat_wait_s)
            if self._score is not None:
                log.info("phone rating", extra={"score": self._score})
                await asyncio.wait({self._speaker.say([self._voice.csat_thanks])})
        await self._session.hangup()

    async def _prompt(self, *lines: str) -> None:
        """A prompt: spoken, and written to the transcript as the bot's."""
        speaking = self._speaker.say(list(lines))
        try:
            await self._core.note(self._conversation, "bot", " ".join(lines))
        except CoreUnavailable as error:
            log.warning("could not record a prompt", extra={"error": str(error)})
        await asyncio.wait({speaking})

    def _hang_up(self, reason: str, farewell: str) -> None:
        if self._end_reason is not None:
            return
        self._end_reason = reason

        async def hang_up() -> None:
            if self._conversation:
                with contextlib.suppress(CoreUnavailable):
                    await self._core.note(self._conversation, "bot", farewell)
            await asyncio.wait({self._speaker.say([farewell])})
            await self._session.hangup()

        self._spawn(hang_up())

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
