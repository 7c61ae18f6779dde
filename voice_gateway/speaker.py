"""The speaking stage of a call: text -> Piper, one sentence at a time -> the call's playback queue.

Each sentence is queued as soon as it is synthesised, so the caller hears the first while the next is
being made. speak() returns once the caller has heard everything; interrupt() (barge-in) silences the
call at once, from the next 20 ms frame, and makes speak() stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from voice_gateway.sip import CallSession
from voice_gateway.speech import SpeechEngines


class Speaker:
    """on_started/on_finished tell the listener when the bot's voice starts and stops (for barge-in)."""

    def __init__(
        self,
        session: CallSession,
        engines: SpeechEngines,
        on_started: Callable[[], None],
        on_finished: Callable[[], None],
    ) -> None:
        self._session = session
        self._engines = engines
        self._on_started = on_started
        self._on_finished = on_finished
        self._drained = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.speaking = False

    def say(self, texts: list[str]) -> asyncio.Task[None]:
        """Speak after interrupting whatever is being said; the task ends when it has been heard or cut off."""
        self.interrupt()
        self._task = asyncio.create_task(self._speak(texts), name="speak")
        return self._task

    @property
    def busy(self) -> bool:
        """Something is being said or synthesised (speaking is set only once the first sentence plays)."""
        return self._task is not None and not self._task.done()

    def interrupt(self) -> None:
        self._session.stop_playback()  # now, not when the task gets to run: barge-in must be immediate
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def drained(self) -> None:
        """The SIP layer sent the last queued frame (possibly only between two sentences)."""
        self._drained.set()

    async def _speak(self, texts: list[str]) -> None:
        try:
            for text in texts:
                async for pcm in self._engines.sentences(text):
                    if not self._session.connected:
                        return
                    self._session.play(pcm)
                    if not self.speaking:
                        self.speaking = True
                        self._on_started()
            await self._until_heard()
        except asyncio.CancelledError:
            self._session.stop_playback()
            raise
        finally:
            if self.speaking:
                self.speaking = False
                self._on_finished()

    async def _until_heard(self) -> None:
        # A drained notice may be stale (from between two sentences): trust only `playing`.
        while True:
            self._drained.clear()
            if not self._session.playing or not self._session.connected:
                return
            await self._drained.wait()
