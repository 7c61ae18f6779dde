"""How long the quality review page takes to be usable, as a supervisor meets it in Chromium.

    .venv/bin/python -m benchmarks.qa_page

An isolated stack (tests/conftest.py's isolation), one chat an agent handled and closed, with a 60 s
stereo WAV as its recording. A signed-in supervisor loads /desk/quality?contact=... LOADS times in headless
Chromium; each load is timed from the navigation's start until the transcript, the scoring form and the
recording's duration are all there (the audio's metadata read from the server).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from playwright.async_api import async_playwright

from benchmarks.results import header, merge_results, percentile
from handoff.store import Role
from tandem.isolated import prepared_stack, write_isolated_config
from tandem.processes import Stack
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.desk.floor import PASSWORD, add_agent, isolate_handoff
from tests.test_quality_e2e import handled_chat, recording_of, tone_wav
from tests.voice.stack import isolate_voice

LOADS = 20
READY = (
    "document.querySelectorAll('[data-testid=quality-line]').length > 0"
    " && document.querySelectorAll('#criteria select').length > 0"
    " && document.querySelector('audio').duration > 59"
)


async def measure(stack: Stack) -> list[float]:
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
        conversation, contact, _ = await handled_chat(stack, http)
    folder = stack.settings.resolve(stack.settings.data_dir) / stack.settings.voice.recordings_dir
    folder.mkdir(parents=True, exist_ok=True)
    tone_wav(folder / f"{conversation}.wav", seconds=60.0)
    await recording_of(stack, conversation, str(folder / f"{conversation}.wav"))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = await browser.new_page()
        await page.goto(f"{stack.gateway_url}/desk/login")
        await page.get_by_test_id("username").fill(await add_agent(stack, role=Role.SUPERVISOR, skills=()))
        await page.get_by_test_id("password").fill(PASSWORD)
        await page.get_by_test_id("sign-in").click()
        await page.wait_for_url(f"{stack.gateway_url}/desk/supervisor")
        times = []
        for _ in range(LOADS + 1):
            started = time.perf_counter()
            await page.goto(f"{stack.gateway_url}/desk/quality?contact={contact}")
            await page.wait_for_function(READY)
            times.append((time.perf_counter() - started) * 1000)
        await browser.close()
    return times[1:]  # the first load also fills the browser's cache of scripts


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tandem-qa-") as tmp:
        config = write_isolated_config(Path(tmp))
        isolate_voice(config)
        isolate_handoff(config)
        stack = prepared_stack(config)
        try:
            stack.start()
            times = asyncio.run(measure(stack))
        finally:
            stack.stop()
    p50, p95 = statistics.median(times), percentile(times, 95)
    merge_results({"qa_page_load_ms": round(p50), "qa_page_load_p95_ms": round(p95)})
    print(header(".venv/bin/python -m benchmarks.qa_page"))
    print(f"\n{len(times)} loads of the quality review page (a chat with a 60 s recording): p50 {p50:.0f} ms, "
          f"p95 {p95:.0f} ms, from navigation to transcript, form and recording duration all shown.")  # fmt: skip


if __name__ == "__main__":
    main()
