"""The speech engines every call shares: Whisper and Piper in one worker pool sized to the cores.

Both block for tens to hundreds of milliseconds, so they never run on the event loop (which carries
every call's audio) nor on a pjsua2 thread; one pool bounds their CPU use whatever the number of calls.
Fixed prompts (greeting, reprompt, goodbye, the apology) are synthesised once at start: they play at
once, and the apology still plays when the gateway behind us is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from voice_gateway.audio import array_to_pcm16
from voice_gateway.stt import SpeechToText, Transcript, whisper_tiny_en_path
from voice_gateway.tts import TextToSpeech, joe_voice_paths


class SpeechEngines:
    def __init__(self, stt: SpeechToText, tts: TextToSpeech, workers: int) -> None:
        self._stt = stt
        self._tts = tts
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="speech")
        self._prompts: dict[str, list[bytes]] = {}

    @classmethod
    def load(
        cls, *, workers: int, stt_threads: int, stt_workers: int, tts_threads: int, prompts: Iterable[str]
    ) -> SpeechEngines:
        """Load both models and synthesise the fixed prompts (blocking: a few seconds)."""
        stt = SpeechToText(whisper_tiny_en_path(), cpu_threads=stt_threads, num_workers=stt_workers)
        tts = TextToSpeech(*joe_voice_paths(), intra_op_threads=tts_threads, inter_op_threads=1)
        engines = cls(stt, tts, workers)
        for text in prompts:
            engines._prompts[text] = [array_to_pcm16(pcm) for pcm in tts.sentences(text)]
        return engines

    async def transcribe(self, samples: np.ndarray, speech_ms: float) -> Transcript:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self._stt.transcribe, samples, speech_ms
        )

    async def sentences(self, text: str) -> AsyncIterator[bytes]:
        """16 kHz int16 PCM, one sentence at a time: the next is synthesised only when asked for, so the
        first plays while the next is being made."""
        if text in self._prompts:
            for pcm in self._prompts[text]:
                yield pcm
            return
        loop = asyncio.get_running_loop()
        sentences = self._tts.sentences(text)
        while (pcm := await loop.run_in_executor(self._pool, next, sentences, None)) is not None:
            yield array_to_pcm16(pcm)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
