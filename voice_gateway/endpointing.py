"""Turn-taking for one call as a pure state machine: speech probabilities and playback changes in, events out.

No I/O and no clock: every input carries its time in milliseconds (stream time from the VAD, or any
monotonic clock), so the same inputs always give the same events and the tests are plain tables.

Events, in the order a caller's turn produces them:
- SPEECH_STARTED: min_speech_ms of speech while the bot is silent (shorter bursts are clicks and are ignored).
- PAUSE: pause_ms of silence inside a turn: start a speculative transcription now, so it is ready
  when the turn ends.
- SPEECH_RESUMED: speech came back after a PAUSE: discard the speculative result.
- TURN_ENDED: end_silence_ms of silence (reason "silence"), or the turn reached max_turn_ms ("max_turn").
  When the speculative transcript reads as a complete sentence (transcript_complete(), see
  reads_as_complete), complete_end_silence_ms of silence are enough (reason "complete").
- BARGE_IN: min_barge_in_ms of speech while the bot is playing: stop playback. SPEECH_STARTED follows
  at once for the same speech, so the interruption itself is transcribed. A cough or an "uh-huh"
  shorter than min_barge_in_ms is ignored and does not become a turn.
- HOLD and RESUME (hold_after_ms > 0): hold_after_ms of speech while the bot is playing pauses it at
  once, so a caller who talks over the bot is not talked over for min_barge_in_ms; BARGE_IN follows if
  the speech goes on, RESUME (the bot carries on where it paused) if it was only a cough.
- NO_INPUT: no_input_ms passed while listening without a turn: reprompt; give_up is set once
  max_reprompts reprompts went unanswered (say goodbye).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    SPEECH_STARTED = "speech_started"
    PAUSE = "pause"
    SPEECH_RESUMED = "speech_resumed"
    TURN_ENDED = "turn_ended"
    BARGE_IN = "barge_in"
    HOLD = "hold"
    RESUME = "resume"
    NO_INPUT = "no_input"


@dataclass(frozen=True, slots=True)
class Event:
    """at_ms is when the decision was made (end of the deciding chunk). For turn events, the caller's
    audio is [speech_start_ms, speech_end_ms) and speech_ms of it was judged speech (the STT gate)."""

    kind: EventKind
    at_ms: float
    speech_start_ms: float | None = None
    speech_end_ms: float | None = None
    speech_ms: float = 0.0
    reason: str = ""
    no_input_count: int = 0
    give_up: bool = False


@dataclass(frozen=True, slots=True)
class EndpointingSettings:
    """Times in milliseconds, thresholds are Silero probabilities (0-1).

    Hysteresis: a chunk becomes speech at start_threshold and stays speech down to stop_threshold, so
    a probability hovering around one value cannot flap between speech and silence.
    """

    start_threshold: float = 0.5
    stop_threshold: float = 0.35
    chunk_ms: float = 32.0
    min_speech_ms: float = 90.0
    pause_ms: float = 200.0
    end_silence_ms: float = 600.0
    min_barge_in_ms: float = 250.0
    # Caller speech that pauses the bot until it is a barge-in or a cough; 0 = off.
    hold_after_ms: float = 0.0
    no_input_ms: float = 6000.0
    max_reprompts: int = 1
    max_turn_ms: float = 20000.0
    # Silence that ends a turn whose transcript already reads complete; 0 = always end_silence_ms.
    complete_end_silence_ms: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.stop_threshold <= self.start_threshold <= 1.0:
            raise ValueError("need 0 <= stop_threshold <= start_threshold <= 1")
        if not 0 < self.pause_ms < self.end_silence_ms:
            raise ValueError("need 0 < pause_ms < end_silence_ms")
        if (
            self.complete_end_silence_ms
            and not self.pause_ms < self.complete_end_silence_ms <= self.end_silence_ms
        ):
            raise ValueError("need pause_ms < complete_end_silence_ms <= end_silence_ms (or 0: off)")
        if min(self.chunk_ms, self.min_speech_ms, self.min_barge_in_ms, self.no_input_ms) <= 0:
            raise ValueError("chunk_ms, min_speech_ms, min_barge_in_ms and no_input_ms must be positive")
        if not 0 <= self.hold_after_ms < self.min_barge_in_ms:
            raise ValueError("need 0 <= hold_after_ms < min_barge_in_ms")
        if self.max_reprompts < 0 or self.max_turn_ms <= self.min_speech_ms:
            raise ValueError("need max_reprompts >= 0 and max_turn_ms > min_speech_ms")


class Endpointer:
    """One per call. Feed every VAD chunk to observe(); tell it about playback; call tick() when no
    audio arrives so the no-input timer still fires."""

    def __init__(self, settings: EndpointingSettings) -> None:
        self._s = settings
        self._in_speech = False  # hysteresis state of the last chunk
        self._run_start: float | None = None  # current unbroken speech run
        self._run_ms = 0.0
        self._turn_start: float | None = None  # open turn
        self._turn_speech_ms = 0.0
        self._last_speech_end = 0.0
        self._trailing = False  # silence since _last_speech_end inside the open turn
        self._pause_sent = False
        self._bot_speaking = False
        self._holding = False  # the bot is paused by caller speech not yet long enough for a barge-in
        self._listening_since: float | None = None  # no-input timer; None = not armed
        self._no_input_count = 0
        self._complete_until: float | None = None  # speech_end_ms of a turn whose transcript reads complete

    # --- inputs -------------------------------------------------------------------------------------

    def observe(self, start_ms: float, probability: float) -> list[Event]:
        """One VAD chunk that starts at start_ms (chunks must arrive in order)."""
        end = start_ms + self._s.chunk_ms
        threshold = self._s.stop_threshold if self._in_speech else self._s.start_threshold
        self._in_speech = probability >= threshold
        events = self._speech(start_ms, end) if self._in_speech else self._silence(end)
        return events + self._check_no_input(end)

    def playback_started(self, now_ms: float) -> None:
        """The bot started talking: caller speech now needs min_barge_in_ms, and nobody waits for input."""
        self._bot_speaking = True
        self._holding = False
        self._listening_since = None

    def playback_ended(self, now_ms: float) -> None:
        """The bot finished (or was stopped): the caller's turn to talk, so the no-input timer starts."""
        self._bot_speaking = self._holding = False
        if self._turn_start is None:
            self.start_listening(now_ms)

    def start_listening(self, now_ms: float) -> None:
        """Arm the no-input timer without playback, e.g. when the bot has nothing to say to a turn."""
        self._listening_since = now_ms

    def transcript_complete(self, speech_end_ms: float) -> None:
        """The speculative transcript of the audio up to speech_end_ms reads as a whole sentence: if the
        caller is still silent since then, the turn ends after complete_end_silence_ms of silence."""
        self._complete_until = speech_end_ms

    def tick(self, now_ms: float) -> list[Event]:
        """Time passes without audio (no RTP): only the no-input timer can fire."""
        return self._check_no_input(now_ms)

    # --- state machine ------------------------------------------------------------------------------

    def _speech(self, start: float, end: float) -> list[Event]:
        if self._run_start is None:
            self._run_start, self._run_ms = start, 0.0
        self._run_ms += self._s.chunk_ms
        if self._turn_start is not None:
            return self._continue_turn(self._turn_start, end)
        if self._bot_speaking:
            if self._run_ms < self._s.min_barge_in_ms:
                if self._s.hold_after_ms and not self._holding and self._run_ms >= self._s.hold_after_ms:
                    self._holding = True
                    return [Event(EventKind.HOLD, end, speech_start_ms=self._run_start)]
                return []
            self._bot_speaking = self._holding = False
            return [Event(EventKind.BARGE_IN, end, speech_start_ms=self._run_start), self._open_turn(end)]
        return [self._open_turn(end)] if self._run_ms >= self._s.min_speech_ms else []

    def _open_turn(self, end: float) -> Event:
        self._turn_start = self._run_start
        self._turn_speech_ms = self._run_ms
        self._last_speech_end = end
        self._trailing = self._pause_sent = False
        self._listening_since = None
        self._no_input_count = 0
        return Event(EventKind.SPEECH_STARTED, end, speech_start_ms=self._turn_start)

    def _continue_turn(self, turn_start: float, end: float) -> list[Event]:
        events: list[Event] = []
        if not self._trailing:
            self._turn_speech_ms += self._s.chunk_ms
            self._last_speech_end = end
        elif self._run_ms >= self._s.min_speech_ms:  # a resumption, not a click inside the pause
            if self._pause_sent:
                events.append(Event(EventKind.SPEECH_RESUMED, end, speech_start_ms=self._turn_start))
            self._trailing = self._pause_sent = False
            self._turn_speech_ms += self._run_ms
            self._last_speech_end = end
        if end - turn_start >= self._s.max_turn_ms:
            events.append(self._close_turn(end, "max_turn"))
            self._run_start, self._run_ms = end, 0.0  # ongoing speech may open the next turn
        return events

    def _silence(self, end: float) -> list[Event]:
        self._run_start, self._run_ms = None, 0.0
        if self._holding:  # it stopped short of a barge-in: a cough, an "uh-huh"
            self._holding = False
            return [Event(EventKind.RESUME, end)]
        if self._turn_start is None:
            return []
        self._trailing = True
        silent_ms = end - self._last_speech_end
        events: list[Event] = []
        if not self._pause_sent and silent_ms >= self._s.pause_ms:
            self._pause_sent = True
            events.append(self._turn_event(EventKind.PAUSE, end))
        complete = bool(self._s.complete_end_silence_ms) and self._complete_until == self._last_speech_end
        if complete and silent_ms >= self._s.complete_end_silence_ms:
            events.append(self._close_turn(end, "complete"))
        elif silent_ms >= self._s.end_silence_ms:
            events.append(self._close_turn(end, "silence"))
        return events

    def _turn_event(self, kind: EventKind, at: float, reason: str = "") -> Event:
        return Event(
            kind,
            at,
            speech_start_ms=self._turn_start,
            speech_end_ms=self._last_speech_end,
            speech_ms=self._turn_speech_ms,
            reason=reason,
        )

    def _close_turn(self, end: float, reason: str) -> Event:
        event = self._turn_event(EventKind.TURN_ENDED, end, reason)
        self._turn_start = None
        self._trailing = self._pause_sent = False
        return event

    def _check_no_input(self, now: float) -> list[Event]:
        since = self._listening_since
        busy = self._bot_speaking or self._turn_start is not None or self._run_start is not None
        if since is None or busy or now - since < self._s.no_input_ms:
            return []
        self._no_input_count += 1
        give_up = self._no_input_count > self._s.max_reprompts
        self._listening_since = None if give_up else now
        return [Event(EventKind.NO_INPUT, now, no_input_count=self._no_input_count, give_up=give_up)]


# A transcript ending on one of these words stops mid-sentence whatever its punctuation ("I lost my.").
_DANGLING = frozenset((
    "a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "and", "or", "but", "so", "because",
    "if", "that", "to", "of", "for", "with", "at", "on", "in", "from", "about", "into", "than", "then",
    "like", "um", "uh", "er",
))  # fmt: skip


def reads_as_complete(text: str) -> bool:
    """Whisper's transcript of a turn so far looks like a finished sentence: at least two words, ending in
    '.', '?' or '!' (not '...'), and not on an article, conjunction or preposition."""
    text = text.strip()
    if not text or text.endswith("...") or text[-1] not in ".?!":
        return False
    words = re.findall(r"[a-z']+", text.lower())
    return len(words) >= 2 and words[-1] not in _DANGLING
