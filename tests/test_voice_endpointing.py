"""Endpointing as tables: a script of VAD chunks and playback changes in, the exact events out.

Script characters: one chunk each for "S" (probability 0.9), "m" (0.4: between the stop and start
thresholds) and "." (0.1); no chunk, at the current time, for "P" (playback started), "E" (playback
ended) and "L" (start listening). With FAST, a chunk is 10 ms, so chunk i spans [10 i, 10 i + 10).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from voice_gateway.endpointing import Endpointer, EndpointingSettings, Event, EventKind, reads_as_complete

FAST = EndpointingSettings(
    start_threshold=0.5,
    stop_threshold=0.3,
    chunk_ms=10,
    min_speech_ms=30,
    pause_ms=50,
    end_silence_ms=100,
    min_barge_in_ms=80,
    no_input_ms=300,
    max_reprompts=1,
    max_turn_ms=500,
)
HOLDING = replace(FAST, hold_after_ms=20)
DEFAULTS = EndpointingSettings()
PROBABILITY = {"S": 0.9, "m": 0.4, ".": 0.1}

STARTED, PAUSE, RESUMED, ENDED, BARGE_IN, NO_INPUT, HOLD, RESUME = (
    EventKind.SPEECH_STARTED,
    EventKind.PAUSE,
    EventKind.SPEECH_RESUMED,
    EventKind.TURN_ENDED,
    EventKind.BARGE_IN,
    EventKind.NO_INPUT,
    EventKind.HOLD,
    EventKind.RESUME,
)


def run(script: str, settings: EndpointingSettings = FAST) -> list[Event]:
    endpointer = Endpointer(settings)
    events: list[Event] = []
    now = 0.0
    for step in script.replace(" ", ""):
        if step == "P":
            endpointer.playback_started(now)
        elif step == "E":
            endpointer.playback_ended(now)
        elif step == "L":
            endpointer.start_listening(now)
        else:
            events += endpointer.observe(now, PROBABILITY[step])
            now += settings.chunk_ms
    return events


def case(
    name: str, script: str, expected: list[tuple[EventKind, float]], settings: EndpointingSettings = FAST
):
    return pytest.param(script, expected, settings, id=name)


CASES = [
    case("silence without listening is nothing", "." * 50, []),
    case("speech starts after min_speech_ms", "SSS", [(STARTED, 30)]),
    case("a click shorter than min_speech_ms is ignored", "SS" + "." * 20, []),
    case("a click of one chunk is ignored", "S" + "." * 5 + "S" + "." * 5, []),
    case("a whole turn: start, pause, end", "SSSSS" + "." * 12, [(STARTED, 30), (PAUSE, 100), (ENDED, 150)]),
    case("mid probabilities do not start speech", "mmmmmmmm", []),
    case(
        "mid probabilities sustain speech (hysteresis)",
        "SSS mmmm" + "." * 10,
        [(STARTED, 30), (PAUSE, 120), (ENDED, 170)],
    ),
    case(
        "speech may start on mid values after a start",
        "Smm" + "." * 12,
        [(STARTED, 30), (PAUSE, 80), (ENDED, 130)],
    ),
    case(
        "a gap shorter than pause_ms is part of the turn",
        "SSSS .... SSSS" + "." * 10,
        [(STARTED, 30), (PAUSE, 170), (ENDED, 220)],
    ),
    case(
        "speech after a pause resumes the turn",
        "SSSSS ...... SSS" + "." * 10,
        [(STARTED, 30), (PAUSE, 100), (RESUMED, 140), (PAUSE, 190), (ENDED, 240)],
    ),
    case(
        "a click inside the pause neither resumes nor delays",
        "SSSS ...... S" + "." * 10,
        [(STARTED, 30), (PAUSE, 90), (ENDED, 140)],
    ),
    case(
        "a burst shorter than min_speech_ms in the gap does not resume",
        "SSSS ... SS" + "." * 10,
        [(STARTED, 30), (PAUSE, 100), (ENDED, 140)],
    ),
    case(
        "one chunk short of end_silence_ms: the turn goes on", "SSS" + "." * 9, [(STARTED, 30), (PAUSE, 80)]
    ),
    case(
        "the turn ends exactly at end_silence_ms",
        "SSS" + "." * 10,
        [(STARTED, 30), (PAUSE, 80), (ENDED, 130)],
    ),
    case(
        "two turns in a row",
        "SSS" + "." * 10 + "SSS" + "." * 10,
        [(STARTED, 30), (PAUSE, 80), (ENDED, 130), (STARTED, 160), (PAUSE, 210), (ENDED, 260)],
    ),
    case(
        "a turn longer than max_turn_ms is cut, the speech goes on",
        "S" * 60,
        [(STARTED, 30), (ENDED, 500), (STARTED, 530)],
    ),
    case("barge-in after min_barge_in_ms during playback", "P SSSSSSSS", [(BARGE_IN, 80), (STARTED, 80)]),
    case(
        "barge-in is followed by a normal turn",
        "P SSSSSSSS" + "." * 10,
        [(BARGE_IN, 80), (STARTED, 80), (PAUSE, 130), (ENDED, 180)],
    ),
    case("an uh-huh shorter than min_barge_in_ms is ignored", "P SSSSS" + "." * 20 + "SSSSSSS" + "." * 5, []),
    case("mid values sustain a barge-in", "P SS mmmmmm", [(BARGE_IN, 80), (STARTED, 80)]),
    case("a short burst during playback does not become a turn", "P SSSS E ....", []),
    case("speech running when playback ends becomes a turn", "P SSSS E SS", [(STARTED, 50)]),
    case(
        "speech after playback needs only min_speech_ms",
        "P .... E SSS" + "." * 10,
        [(STARTED, 70), (PAUSE, 120), (ENDED, 170)],
    ),
    case("no input: reprompt, then give up", "L" + "." * 70, [(NO_INPUT, 300), (NO_INPUT, 600)]),
    case("the no-input timer waits for playback to end", "P" + "." * 40 + "E" + "." * 31, [(NO_INPUT, 700)]),
    case("playback stops the no-input timer", "L" + "." * 20 + "P" + "." * 20, []),
    case("a click does not count as input", "L" + "." * 10 + "SS" + "." * 18, [(NO_INPUT, 300)]),
    case("no no-input while the caller talks", "L" + "." * 25 + "SSSSSSSSSS" + "." * 4, [(STARTED, 280)]),
    case(
        "speech resets the reprompt count",
        "L" + "." * 30 + "SSS" + "." * 10 + "L" + "." * 30,
        [(NO_INPUT, 300), (STARTED, 330), (PAUSE, 380), (ENDED, 430), (NO_INPUT, 730)],
    ),
    case("no timer after a turn until told", "L SSS" + "." * 60, [(STARTED, 30), (PAUSE, 80), (ENDED, 130)]),
    case("hold off: a cough during playback is nothing", "P SS ....", []),
    case("hold: a cough pauses the bot, which resumes", "P SS ....", [(HOLD, 20), (RESUME, 30)], HOLDING),
    case("hold: one chunk is not enough to pause", "P S ....", [], HOLDING),
    case(
        "hold, then a barge-in when the speech goes on",
        "P SSSSSSSS" + "." * 10,
        [(HOLD, 20), (BARGE_IN, 80), (STARTED, 80), (PAUSE, 130), (ENDED, 180)],
        HOLDING,
    ),
    case("hold: mid values keep the bot paused", "P SS mmmm ..", [(HOLD, 20), (RESUME, 70)], HOLDING),
    case(
        "two coughs: pause, resume, twice",
        "P SS . SS .",
        [(HOLD, 20), (RESUME, 30), (HOLD, 50), (RESUME, 60)],
        HOLDING,
    ),
    case("the bot stopped while paused: nothing to resume", "P SS E ....", [(HOLD, 20)], HOLDING),
    case("no hold without playback", "SSS" + "." * 10, [(STARTED, 30), (PAUSE, 80), (ENDED, 130)], HOLDING),
    case(
        "production defaults: 32 ms chunks",
        "S" * 10 + "." * 20,
        [(STARTED, 96), (PAUSE, 544), (ENDED, 928)],
        DEFAULTS,
    ),
]


@pytest.mark.parametrize(("script", "expected", "settings"), CASES)
def test_events(script: str, expected: list[tuple[EventKind, float]], settings: EndpointingSettings) -> None:
    assert [(event.kind, event.at_ms) for event in run(script, settings)] == expected


def test_turn_events_carry_the_audio_bounds_and_speech_ms() -> None:
    pause, ended = run("... SSSS mm ...." + "." * 10)[1:]
    assert (pause.speech_start_ms, pause.speech_end_ms, pause.speech_ms) == (30, 90, 60)
    assert (ended.speech_start_ms, ended.speech_end_ms, ended.speech_ms, ended.reason) == (
        30,
        90,
        60,
        "silence",
    )


def test_resumed_speech_adds_to_speech_ms_and_moves_the_end() -> None:
    events = run("SSSSS ...... SSS" + "." * 10)
    assert events[0].speech_start_ms == 0
    assert events[1].speech_end_ms == 50 and events[1].speech_ms == 50
    assert events[-1].speech_end_ms == 140 and events[-1].speech_ms == 80
    assert events[-1].speech_start_ms == 0


def test_a_speculative_result_is_valid_when_the_turn_ends_with_the_same_end() -> None:
    pause, ended = run("SSSSS" + "." * 12)[1:]
    assert pause.speech_end_ms == ended.speech_end_ms


def test_max_turn_reports_its_reason() -> None:
    ended = run("S" * 60)[1]
    assert (ended.reason, ended.speech_start_ms, ended.speech_end_ms, ended.speech_ms) == (
        "max_turn",
        0,
        500,
        500,
    )


def test_barge_in_reports_when_the_speech_started() -> None:
    barge_in, started = run("P .. SSSSSSSS")
    assert barge_in.speech_start_ms == started.speech_start_ms == 20


def test_no_input_counts_and_gives_up_after_max_reprompts() -> None:
    first, second = run("L" + "." * 70)
    assert (first.no_input_count, first.give_up) == (1, False)
    assert (second.no_input_count, second.give_up) == (2, True)


@pytest.mark.parametrize(("max_reprompts", "expected"), [(0, [True]), (2, [False, False, True])])
def test_max_reprompts(max_reprompts: int, expected: list[bool]) -> None:
    events = run("L" + "." * 130, replace(FAST, max_reprompts=max_reprompts))
    assert [event.give_up for event in events] == expected


def test_tick_fires_no_input_without_audio() -> None:
    endpointer = Endpointer(FAST)
    endpointer.start_listening(1000)
    assert endpointer.tick(1299) == []
    (event,) = endpointer.tick(1300)
    assert (event.kind, event.at_ms, event.no_input_count) == (NO_INPUT, 1300, 1)
    assert endpointer.tick(1400) == []


def test_playback_ended_after_barge_in_does_not_arm_the_timer_inside_the_turn() -> None:
    endpointer = Endpointer(FAST)
    endpointer.playback_started(0)
    events = [event for i in range(8) for event in endpointer.observe(i * 10, 0.9)]
    assert [event.kind for event in events] == [BARGE_IN, STARTED]
    endpointer.playback_ended(80)
    assert endpointer.tick(1000) == []


def test_thresholds_are_inclusive() -> None:
    endpointer = Endpointer(FAST)
    events = [event for i in range(3) for event in endpointer.observe(i * 10, FAST.start_threshold)]
    assert [event.kind for event in events] == [STARTED]
    events = [event for i in range(3, 20) for event in endpointer.observe(i * 10, FAST.stop_threshold)]
    assert events == []  # exactly stop_threshold is still speech


@pytest.mark.parametrize(
    "changes",
    [
        {"start_threshold": 0.3, "stop_threshold": 0.5},
        {"pause_ms": 600, "end_silence_ms": 600},
        {"pause_ms": 0},
        {"min_barge_in_ms": 0},
        {"max_reprompts": -1},
        {"max_turn_ms": 50, "min_speech_ms": 60},
    ],
)
def test_invalid_settings_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        replace(DEFAULTS, **changes)


EARLY = replace(FAST, complete_end_silence_ms=70)


def test_a_turn_whose_transcript_reads_complete_ends_after_the_shorter_silence() -> None:
    endpointer = Endpointer(EARLY)
    events: list[Event] = []
    for index, step in enumerate("SSSSS" + "." * 12):
        events += endpointer.observe(index * 10, PROBABILITY[step])
        if events and events[-1].kind is PAUSE and len(events) == 2:
            endpointer.transcript_complete(events[-1].speech_end_ms or 0)  # the speculation is done
    ended = events[-1]
    assert (ended.kind, ended.reason, ended.at_ms - (ended.speech_end_ms or 0)) == (ENDED, "complete", 70)


def test_a_complete_transcript_is_forgotten_when_the_caller_goes_on() -> None:
    endpointer = Endpointer(EARLY)
    events: list[Event] = []
    for index, step in enumerate("SSSSS ...... SSS".replace(" ", "") + "." * 12):
        events += endpointer.observe(index * 10, PROBABILITY[step])
        if len(events) == 2 and events[-1].kind is PAUSE:
            endpointer.transcript_complete(events[-1].speech_end_ms or 0)
    ended = events[-1]
    assert (ended.reason, ended.at_ms - (ended.speech_end_ms or 0)) == ("silence", 100)


def test_without_the_setting_a_complete_transcript_changes_nothing() -> None:
    endpointer = Endpointer(FAST)
    endpointer.transcript_complete(50)
    events = [
        e for i, step in enumerate("SSSSS" + "." * 12) for e in endpointer.observe(i * 10, PROBABILITY[step])
    ]
    assert events[-1].reason == "silence"


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("I lost my card.", True),
        ("What is my balance?", True),
        ("Hello there!", True),
        ("I lost my.", False),
        ("I would like to", False),
        ("Can I talk to...", False),
        ("Yes.", False),
        ("", False),
        ("I want to pay for the.", False),
    ],
)
def test_reads_as_complete(text: str, complete: bool) -> None:
    assert reads_as_complete(text) is complete


def test_hold_must_come_before_a_barge_in() -> None:
    with pytest.raises(ValueError):
        replace(FAST, hold_after_ms=FAST.min_barge_in_ms)
