"""One training run at a time, started from the designer's page: `rasa train` on the stack's copy of the
training data (workbench.training_data and workbench.domain, with the repository's stories) into a new model
file under <data_dir>/models, then the new model and the active one predict the held-out examples and run
the test stories (bot/compare_models.py), their cross-validations are read from the model files
(workbench/model_archive.py), and workbench/comparison.py says what changed.

Rasa's output is kept in memory for the page and handed to whoever follows the run, never logged: a
warning may quote a training example, i.e. a customer's words. Training runs niced, with one thread,
so the stack serving customers on the same two cores keeps a core.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.active_model import active, models_dir
from tandem.config import Settings
from tandem.processes import RASA_PYTHON
from tandem.training import DATA_DIRS, REPO_ROOT, rasa_env, train_args
from workbench.comparison import (
    Example,
    StoryResults,
    compare,
    compare_cross_validation,
    compare_stories,
    comparison_json,
    cross_validation_json,
    stories_json,
)
from workbench.model_archive import cross_validation
from workbench.models_registry import describe, evaluation, prune

log = logging.getLogger(__name__)
KEPT_LINES = 400
RASA_THREADS = 1
NICE = ("nice", "-n", "10")


class Busy(Exception):
    """A run is going on already."""


@dataclass
class Run:
    number: int
    by: str  # the designer account that started it
    started_at: float
    model: Path
    state: str = "training"  # then "comparing", and "ready" or "failed"
    output: list[str] = field(default_factory=list)
    finished_at: float | None = None
    error: str | None = None
    comparison: dict[str, Any] | None = None
    against: str | None = None  # the active model's name when compared
    # The new model's held-out predictions and story results, by the digest of what it was evaluated on.
    evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)
    listeners: set[asyncio.Queue[dict[str, Any]]] = field(default_factory=set)

    @property
    def running(self) -> bool:
        return self.state in {"training", "comparing"}

    def summary(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "model": self.model.name,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
            "comparison": self.comparison,
            "against": self.against,
        }

    def _tell(self, event: dict[str, Any]) -> None:
        for queue in self.listeners:
            queue.put_nowait(event)

    def add_output(self, text: str) -> None:
        # Progress bars redraw with carriage returns: each redraw is a line of its own here.
        lines = [line for line in re.split(r"[\r\n]+", text) if line.strip()]
        self.output = (self.output + lines)[-KEPT_LINES:]
        for line in lines:
            self._tell({"event": "output", "line": line})

    def set_state(self, state: str, error: str | None = None) -> None:
        self.state, self.error = state, error
        if not self.running:
            self.finished_at = time.time()
        self._tell({"event": "state", "run": self.summary()})


class Trainer:
    def __init__(self, settings: Settings, config_path: Path) -> None:
        self._settings = settings
        self._config_path = config_path
        self.current: Run | None = None
        self._task: asyncio.Task[None] | None = None
        self._process: asyncio.subprocess.Process | None = None

    @property
    def _data_dir(self) -> Path:
        return self._settings.resolve(self._settings.data_dir)

    def start(self, by: str) -> Run:
        """Starts a run; raises Busy while one is going on."""
        if self.current is not None and self.current.running:
            raise Busy
        number = (self.current.number + 1) if self.current else 1
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        model = models_dir(self._data_dir) / f"designer-{stamp}-{number}.tar.gz"
        self.current = run = Run(number, by, time.time(), model)
        self._task = asyncio.create_task(self._run(run))
        return run

    async def stop(self) -> None:
        """Ends a run going on (the gateway is stopping): Rasa's process with it."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def wait(self) -> Run | None:
        """The current run, once it has finished."""
        if self._task is not None:
            await asyncio.shield(self._task)
        return self.current

    async def follow(self) -> AsyncIterator[dict[str, Any]]:
        """The current run as it is now, then what happens to it until it ends."""
        run = self.current
        if run is None:
            yield {"event": "run", "run": None, "output": []}
            return
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        run.listeners.add(queue)
        try:
            yield {"event": "run", "run": run.summary(), "output": list(run.output)}
            while run.running:
                yield await queue.get()
            while not queue.empty():
                yield queue.get_nowait()
        finally:
            run.listeners.discard(queue)

    async def _run(self, run: Run) -> None:
        started = time.monotonic()
        log.info(
            "designer training started", extra={"run": run.number, "by": run.by, "model": run.model.name}
        )
        try:
            await self._train(run)
            run.set_state("comparing")
            await self._compare(run)
        except asyncio.CancelledError:  # the gateway is stopping: whoever follows the run is told
            run.set_state("failed", "the gateway stopped during the run")
            raise
        except Exception as exc:  # the page says it failed; the gateway goes on
            log.exception("designer training failed", extra={"run": run.number})
            run.set_state("failed", str(exc) or type(exc).__name__)
            return
        describe(run.model, run.by, run.comparison, run.against, run.evaluations)
        if deleted := prune(self._data_dir, self._settings.workbench.keep_models):
            run.add_output(
                f"Deleted the oldest models, beyond the newest {self._settings.workbench.keep_models}: {', '.join(deleted)}."
            )
        run.set_state("ready")
        seconds = round(time.monotonic() - started, 1)
        log.info("designer training ready", extra={"run": run.number, "seconds": seconds})

    async def _train(self, run: Run) -> None:
        workbench = self._settings.workbench
        nlu = self._settings.resolve(workbench.training_data)
        stories = tuple(d for d in DATA_DIRS if d.name != "nlu")
        # The domain the inbox declares new intents in: Rasa refuses examples of an intent it does not list.
        domain = self._settings.resolve(workbench.domain)
        args = train_args(self._config_path, run.model, (nlu, *stories), domain)
        run.model.parent.mkdir(parents=True, exist_ok=True)
        self._process = process = await asyncio.create_subprocess_exec(
            *NICE,
            *args,
            cwd=REPO_ROOT,
            env=rasa_env(RASA_THREADS),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        while chunk := await process.stdout.read(4096):
            run.add_output(chunk.decode("utf-8", "replace"))
        if await process.wait() or not run.model.exists():
            raise RuntimeError(f"rasa train failed (exit code {process.returncode}); its output is above")

    async def _compare(self, run: Run) -> None:
        current = active(self._data_dir)
        if current is None:
            run.add_output("No active model to compare with.")
            return
        held_out = self._settings.resolve(self._settings.workbench.held_out)
        stories = self._settings.resolve(self._settings.workbench.test_stories)
        digest = _digest(held_out, stories)
        # The active model's results are kept from when it was new: only the new model is evaluated.
        known = evaluation(current, digest)
        run.add_output(f"Comparing with the active model {current.name} on {held_out.name} and {stories}…")
        found = await self._evaluate(
            held_out, stories, [run.model] if known is not None else [current, run.model]
        )
        before = known if known is not None else found["models"][str(current)]
        after = found["models"][str(run.model)]
        run.evaluations = {digest: after}
        examples = [Example(e["text"], e["intent"]) for e in found["examples"]]
        validated_before, validated_after = await asyncio.gather(
            asyncio.to_thread(cross_validation, current), asyncio.to_thread(cross_validation, run.model)
        )
        validated = None
        if validated_before is not None and validated_after is not None:
            validated = cross_validation_json(compare_cross_validation(validated_before, validated_after))
        run.comparison = {
            "held_out": comparison_json(compare(examples, before["predictions"], after["predictions"])),
            "cross_validation": validated,
            "stories": stories_json(compare_stories(_story_results(before), _story_results(after))),
        }
        run.against = current.name

    async def _evaluate(self, held_out: Path, stories: Path, models: list[Path]) -> dict[str, Any]:
        """bot/compare_models.py's answer: the held-out examples, each model's predictions and stories."""
        self._process = process = await asyncio.create_subprocess_exec(
            *NICE,
            str(RASA_PYTHON),
            "-m",
            "bot.compare_models",
            str(held_out),
            str(stories),
            *(str(m) for m in models),
            cwd=REPO_ROOT,
            env=rasa_env(RASA_THREADS),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"comparing the models failed (exit code {process.returncode})")
        # The JSON is the last line: whatever Rasa may print comes before it.
        found: dict[str, Any] = json.loads(out.decode("utf-8").strip().splitlines()[-1])
        return found


def _digest(held_out: Path, stories: Path) -> str:
    """Changes when the held-out file or any test story does, so kept results are never stale."""
    digest = hashlib.sha256(held_out.read_bytes())
    for path in sorted(stories.rglob("*.yml")):
        digest.update(str(path.relative_to(stories)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _story_results(evaluated: dict[str, Any]) -> StoryResults:
    found = evaluated["stories"]
    return StoryResults(frozenset(found["passed"]), frozenset(found["failed"]))
