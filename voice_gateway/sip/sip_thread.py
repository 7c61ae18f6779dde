"""The one thread that calls pjsua2.

pjsua2 asserts (and aborts) when an unregistered thread calls it, and its objects are not meant to
be driven from several threads at once. So one thread owns the library for the life of the
process: it runs libCreate/libInit there (which makes it pjsua2's "main thread"), polls pjsua2's
events with ``libHandleEvents`` (the GIL is released while it waits), and runs jobs that other
threads submit. With ``threadCnt=0`` and ``mainThreadOnly=True`` every pjsua2 callback except the
media port's frame callbacks arrives on this thread, so SIP-side state needs no locks.

Jobs run between polls, so a submitted job starts within ``poll_ms``. Timers are for short delays
such as ringing before answering; they run on this thread too. A job submitted too late to run
(the thread is stopping or gone) fails its future instead of hanging its caller.
"""

from __future__ import annotations

import concurrent.futures
import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Job = tuple[Callable[[], Any], "concurrent.futures.Future[Any]"]


class SipThread:
    """Runs ``poll`` in a loop, plus submitted jobs and timers, until ``stop`` is requested.

    ``start(setup)`` runs setup on the new thread and re-raises its error in the caller, so a bad
    port or a failed libInit surfaces where the endpoint is started. ``stop(teardown)`` runs
    teardown on the thread as its last act and joins it.
    """

    def __init__(self, name: str = "sip", poll_ms: int = 10) -> None:
        self._name = name
        self._poll_ms = poll_ms
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._accepting = False
        self._lock = threading.Lock()  # orders submit() against the final drain
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._teardown: Callable[[], None] | None = None
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, setup: Callable[[], Callable[[int], None]]) -> None:
        """Run setup on the new thread; it returns the poll function (e.g. ``endpoint.libHandleEvents``)."""
        ready: concurrent.futures.Future[Callable[[int], None]] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._main, args=(setup, ready), name=self._name, daemon=True)
        self._thread.start()
        ready.result()

    def submit(self, job: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        """Run job on the SIP thread (from any thread); its result or exception lands in the future."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if self._accepting:
                self._jobs.put((job, future))
                return future
        future.set_exception(RuntimeError("the SIP thread is not running"))
        return future

    def call_later(self, delay_s: float, job: Callable[[], None]) -> None:
        """Run job on the SIP thread after delay_s (SIP thread only)."""
        heapq.heappush(self._timers, (time.monotonic() + delay_s, next(self._sequence), job))

    def stop(self, teardown: Callable[[], None]) -> None:
        """Run teardown as the thread's last act and wait for the thread to end."""
        if not self.running:
            return
        self._teardown = teardown
        self._stopping.set()
        assert self._thread is not None
        self._thread.join()

    def _main(
        self,
        setup: Callable[[], Callable[[int], None]],
        ready: concurrent.futures.Future[Callable[[int], None]],
    ) -> None:
        try:
            poll = setup()
        except BaseException as error:
            ready.set_exception(error)
            return
        with self._lock:
            self._accepting = True
        ready.set_result(poll)
        while not self._stopping.is_set():
            self._iterate(poll)
        self._run_jobs()  # what was submitted before stop() still runs, before the teardown
        try:
            if self._teardown is not None:
                self._teardown()
        except Exception:
            log.exception("SIP teardown failed")
        with self._lock:
            self._accepting = False
        while True:
            try:
                _, future = self._jobs.get_nowait()
            except queue.Empty:
                break
            future.set_exception(RuntimeError("the SIP thread stopped"))

    def _iterate(self, poll: Callable[[int], None]) -> None:
        try:
            poll(self._poll_ms)
        except Exception:
            log.exception("polling pjsua2 failed")
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            job = heapq.heappop(self._timers)[2]
            try:
                job()
            except Exception:
                log.exception("SIP timer failed")
        self._run_jobs()

    def _run_jobs(self) -> None:
        while True:
            try:
                job, future = self._jobs.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as error:
                    future.set_exception(error)
