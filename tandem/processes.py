"""The stack's processes (action server, Rasa, gateway, voice gateway): start, wait until healthy, stop cleanly.

The voice gateway is one process on voice.port, or (voice.processes > 1) that many workers behind
kamailio's SIP dispatcher, which then owns voice.port (voice_gateway/dispatcher/). Likewise the gateway
is one process on gateway.port, or (cluster.redis_url set) cluster.gateways of them behind HAProxy,
with Redis, which then owns gateway.port and gateway.internal_port (tandem/gateway_pool.py).

Secrets reach each child through its environment only, never its command line (`ps` shows those).
"""

from __future__ import annotations

import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tandem.active_model import launch_model
from tandem.config import CONFIG_ENV, REPO_ROOT, Settings
from tandem.gateway_pool import gateway_processes
from tandem.managed_process import GATEWAY_PYTHON, ManagedProcess
from tandem.rasa_workers import worker_urls
from tandem.restart_policy import GiveUp, RestartPolicy, after_death
from tandem.secrets import SECRET_ENV_NAMES, Secrets, env_name
from tandem.training import rasa_env
from voice_gateway.dispatcher import VoicePlan, plan_voice

__all__ = ["GATEWAY_PYTHON", "RASA_PYTHON", "ManagedProcess", "Stack", "tracker_store_url"]

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
RASA_SECRETS = frozenset({env_name("rasa_token"), env_name("actions_token")})
ACTIONS_SECRETS = frozenset({env_name("actions_token")})

log = logging.getLogger(__name__)

RESTARTS = RestartPolicy()


def rasa_endpoints(s: Settings) -> Path:
    """bot/endpoints.yml; in a cluster, with Rasa's RedisLockStore on the cluster's Redis added, so that
    a conversation a worker takes over from another is never run by two at once."""
    endpoints = REPO_ROOT / "bot" / "endpoints.yml"
    if not s.cluster.redis_url:
        return endpoints
    redis = urlsplit(s.cluster.redis_url)
    written = s.resolve(s.data_dir) / "rasa-endpoints.yml"
    written.write_text(
        endpoints.read_text(encoding="utf-8")
        + "\n# Added for the cluster (tandem/processes.py rasa_endpoints).\nlock_store:\n  type: redis\n"
        + f"  url: {redis.hostname}\n  port: {redis.port or 6379}\n  db: {int(redis.path.strip('/') or 0) + 1}\n"
        + "  password: ${TANDEM_REDIS_PASSWORD}\n  key_prefix: rasa\n",
        encoding="utf-8",
    )
    return written


def tracker_store_url(store_url: str, data_dir: Path) -> str:
    """Rasa's tracker store (SQLAlchemy, synchronous): on the gateway's PostgreSQL server when that is the
    store, through psycopg2 (Rasa's venv has it); else a SQLite file of its own beside the store."""
    scheme, _, rest = store_url.partition("://")
    if scheme.startswith("postgresql"):
        return f"postgresql://{rest}"
    return f"sqlite:///{data_dir / 'rasa_tracker.sqlite'}"


@dataclass
class Stack:
    settings: Settings
    config_path: Path
    model: Path
    secrets: Secrets
    processes: list[ManagedProcess] = field(default_factory=list)
    voice: VoicePlan | None = None

    @property
    def gateway_url(self) -> str:
        gateway = self.settings.gateway
        return f"{'https' if gateway.tls else 'http'}://{gateway.host}:{gateway.port}"

    @property
    def internal_url(self) -> str:
        """The gateway's loopback-only site: the service API, for Tandem's own processes."""
        return f"http://{self.settings.gateway.internal_host}:{self.settings.gateway.internal_port}"

    def build(self) -> None:
        s = self.settings
        logs = s.resolve(s.data_dir) / "logs"
        # The secrets this stack chose, whatever the caller's environment holds: the gateway and voice
        # get them all, Rasa its two (its API's JWT secret, the action server's token), the action
        # server its own, kamailio none.
        plain_env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV_NAMES}
        base_env = {
            **plain_env,
            CONFIG_ENV: str(self.config_path),
            "PYTHONPATH": str(REPO_ROOT),
            **self.secrets.environ(),
        }
        # In a cluster, Rasa's lock store is the cluster's Redis too (rasa_endpoints).
        rasa_names = RASA_SECRETS | ({env_name("redis_password")} if s.cluster.enabled else set())
        rasa_secrets = {k: v for k, v in self.secrets.environ().items() if k in rasa_names}
        actions_secrets = {k: v for k, v in self.secrets.environ().items() if k in ACTIONS_SECRETS}
        actions_env = {**plain_env, CONFIG_ENV: str(self.config_path), "PYTHONPATH": str(REPO_ROOT)}
        # Every worker shares the tracker store, so any of them can take a conversation over.
        rasa_urls = worker_urls(str(s.rasa.url), s.rasa.workers)
        rasa_env_vars = {
            **{k: v for k, v in rasa_env(threads=s.threads.onnx).items() if k not in SECRET_ENV_NAMES},
            **rasa_secrets,
            CONFIG_ENV: str(self.config_path),
            "TANDEM_ACTIONS_URL": str(s.actions.url).rstrip("/"),
            "TANDEM_RASA_TRACKER_URL": tracker_store_url(s.store_url, s.resolve(s.data_dir)),
        }
        # The designer's active model if one was chosen against this model (tandem/active_model.py).
        rasa_model = launch_model(s.resolve(s.data_dir), self.model)
        self.processes = [
            ManagedProcess(
                "actions",
                [str(GATEWAY_PYTHON), "-m", "bot.action_server"],
                {**actions_env, **actions_secrets},
                logs / "actions.log",
            ),
            *(
                ManagedProcess(
                    "rasa" if len(rasa_urls) == 1 else f"rasa-{i + 1}",
                    [
                        str(RASA_PYTHON),
                        "-m",
                        "bot.rasa_run",
                        "run",
                        "--enable-api",
                        "-i",
                        urlsplit(url).hostname or "127.0.0.1",
                        "-p",
                        str(urlsplit(url).port),
                        "-m",
                        str(rasa_model),
                        "--endpoints",
                        str(rasa_endpoints(s)),
                        "--credentials",
                        str(REPO_ROOT / "bot" / "credentials.yml"),
                    ],
                    rasa_env_vars,
                    logs / ("rasa.log" if len(rasa_urls) == 1 else f"rasa-{i + 1}.log"),
                )
                for i, url in enumerate(rasa_urls)
            ),
        ]
        if s.cluster.enabled:
            self.processes += gateway_processes(s, self.secrets, base_env, plain_env, logs)
        else:
            self.processes.append(
                ManagedProcess(
                    "gateway", [str(GATEWAY_PYTHON), "-m", "tandem", "serve"], base_env, logs / "gateway.log"
                )
            )
        # After the gateway: voice only reaches the gateway when a call comes in, and stops first. The
        # workers stop before the dispatcher, so their hang-ups still reach the callers through it.
        self.voice = voice = plan_voice(s.voice, s.resolve(s.data_dir))
        if voice.dispatcher is not None:
            self.processes.append(
                ManagedProcess("dispatcher", voice.dispatcher.command(), plain_env, logs / "dispatcher.log")
            )
        for worker in voice.workers:
            self.processes.append(
                ManagedProcess(
                    worker.name,
                    [
                        str(GATEWAY_PYTHON),
                        "-m",
                        "voice_gateway",
                        *(worker.args() if voice.dispatcher else []),
                    ],
                    base_env,
                    logs / f"{worker.name}.log",
                )
            )

    def start(self, timeout_s: float = 240.0) -> None:
        self.build()
        for process in self.processes:
            process.start()
            process.wait_ready()
        self.wait_healthy(timeout_s)

    def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        last = "no answer yet"
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.exited() is not None:
                    raise RuntimeError(
                        f"{process.name} exited with {process.exited()}; see {process.log_path}"
                    )
            try:
                with urllib.request.urlopen(f"{self.internal_url}/health", timeout=3) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                last = exc.read().decode(errors="replace")
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise TimeoutError(f"stack not healthy after {timeout_s:.0f} s: {last}")

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    @property
    def rasa_processes(self) -> list[ManagedProcess]:
        """The Rasa workers: "rasa", or "rasa-1" .. "rasa-N"."""
        return [p for p in self.processes if p.name == "rasa" or p.name.startswith("rasa-")]

    @property
    def gateway_processes(self) -> list[ManagedProcess]:
        """The gateways: "gateway", or "gateway-1" .. "gateway-N" behind HAProxy."""
        return [p for p in self.processes if p.name == "gateway" or p.name.startswith("gateway-")]

    @property
    def voice_processes(self) -> list[ManagedProcess]:
        """The voice gateway processes: "voice", or the workers "voice-1" .. "voice-N"."""
        return [p for p in self.processes if p.name == "voice" or p.name.startswith("voice-")]

    def voice_summary(self) -> str:
        """Where to call, for the launcher's banner."""
        voice = self.voice
        if voice is None:
            return "not started"
        if voice.dispatcher is None:
            where = "one voice process, up to 4 calls"
        else:
            remote = f" and {len(voice.remote_workers)} on other machines" if voice.remote_workers else ""
            where = (
                f"kamailio dispatching to {len(voice.workers)} voice processes{remote}, "
                f"up to {voice.max_calls} calls"
            )
        return f"{voice.public_uri} (UDP and TCP; {where})" + (
            f"\n  Warning:    {voice.note}" if voice.note else ""
        )

    def check(self, now: float | None = None) -> ManagedProcess | None:
        """Restart dead processes (after RESTARTS' pause); the first one in a crash loop is returned.

        Meanwhile the rest carries on: the gateway keeps a customer's message pending while Rasa is
        away and replays it when Rasa is back; the dispatcher skips a dead voice worker."""
        now = time.monotonic() if now is None else now
        for process in self.processes:
            code = process.exited()
            if code is None:
                continue
            if process.restart_at is None:
                decision = after_death(RESTARTS, process.restart_times, now)
                if isinstance(decision, GiveUp):
                    return process
                process.restart_at = decision.at
                process.kill_leftovers()
                log.error("%s exited with %s; restarting it in %.1f s", process.name, code, decision.at - now)
            elif now >= process.restart_at:
                process.restart_at = None
                process.restart_times.append(now)
                process.start()
                log.warning("%s restarted (%d in the last %.0f s)", process.name,
                            len([t for t in process.restart_times if now - t < RESTARTS.window_s]),
                            RESTARTS.window_s)  # fmt: skip
        return None

    def stop(self) -> None:
        # The gateway first, so nothing new reaches Rasa while it stops.
        for process in reversed(self.processes):
            process.stop()
