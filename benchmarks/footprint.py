"""Footprint: time from `python -m tandem up` to ready on a warm machine, and the RSS of each process.

"Warm" means the venvs exist, the model is trained and the index is built (a second run); the
figure includes the launcher's own checks (seed, incremental index, fingerprint) and every
server's start-up until /health is green.

    .venv/bin/python -m benchmarks.footprint
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.results import header, merge_results
from tandem.config import CONFIG_ENV, REPO_ROOT, load_settings
from tandem.isolated import write_isolated_config

COMPONENTS = {
    "rasa": "bot.rasa_run run",
    "actions": "bot.action_server",
    "gateway": "tandem serve",
    "voice": "-m voice_gateway",  # every voice gateway process (voice.processes)
    "dispatcher": "kamailio",
}


def children(pid: int, recursive: bool = True) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found += [int(entry.name), *(children(int(entry.name)) if recursive else [])]
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def run_until_ready(config: Path, url: str) -> tuple[float, dict[str, float]]:
    started = time.monotonic()
    launcher = subprocess.Popen(
        [str(REPO_ROOT / ".venv/bin/python"), "-m", "tandem", "up"],
        cwd=REPO_ROOT,
        env={**os.environ, CONFIG_ENV: str(config)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if launcher.poll() is not None:
                raise RuntimeError(f"launcher exited with {launcher.returncode}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        ready = time.monotonic() - started
        time.sleep(2)
        rss: dict[str, float] = dict.fromkeys(COMPONENTS, 0.0)
        rss["launcher"] = rss_mb(launcher.pid)
        # Each server runs in its own session; sum a component's whole process tree: worker processes
        # a server spawns may not name it on their command line, so they count with their parent.
        for child in children(launcher.pid, recursive=False):
            line = cmdline(child)
            for name, marker in COMPONENTS.items():
                if marker in line:
                    rss[name] += sum(rss_mb(pid) for pid in [child, *children(child)])
        return ready, rss
    finally:
        launcher.send_signal(signal.SIGINT)
        launcher.wait(60)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_isolated_config(Path(tmp))
        settings = load_settings(config)
        url = f"http://{settings.gateway.host}:{settings.gateway.port}"
        first, _ = run_until_ready(config, url)
        warm, rss = run_until_ready(config, url)
    merge_results(
        {
            "ready_seconds_first_isolated": round(first, 1),
            "ready_seconds_warm": round(warm, 1),
            **{f"rss_mb_{name}": round(value, 0) for name, value in rss.items()},
        }
    )
    print(header("make bench (benchmarks.footprint)"))
    print(
        f"\nFirst run in a fresh data folder (model already trained): {first:.1f} s; warm run: {warm:.1f} s"
    )
    print("\n| process | RSS MB |\n|---|---|")
    for name, value in rss.items():
        print(f"| {name} | {value:.0f} |")


if __name__ == "__main__":
    main()
