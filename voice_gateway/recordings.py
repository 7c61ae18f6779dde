"""Call recordings on disk: which ones have outlived the retention period, and deleting them.

    python -m voice_gateway.recordings purge    # with config.yml (TANDEM_CONFIG) and its voice section

The voice gateway also purges when it starts. Only the WAV files the gateway writes are touched.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tandem.config import Settings, settings

log = logging.getLogger(__name__)

DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class Recording:
    path: Path
    modified: float  # seconds since the epoch: the end of the call, when the file was last written


def recordings_folder(config: Settings) -> Path:
    """Where calls are recorded (relative to data_dir unless absolute), recording on or not."""
    return config.resolve(config.data_dir) / config.voice.recordings_dir


def expired(recordings: Iterable[Recording], now: float, retention_days: int) -> list[Recording]:
    """The recordings older than retention_days at now; none when retention_days is 0 (keep forever)."""
    if retention_days == 0:
        return []
    cutoff = now - retention_days * DAY_S
    return [recording for recording in recordings if recording.modified < cutoff]


def on_disk(directory: Path) -> list[Recording]:
    recordings = []
    for path in directory.glob("*.wav"):  # nothing when the folder does not exist
        try:
            recordings.append(Recording(path, path.stat().st_mtime))
        except FileNotFoundError:  # purged meanwhile by another worker starting at the same time
            continue
    return recordings


def purge(directory: Path, retention_days: int, now: float | None = None) -> list[Path]:
    """Delete the expired recordings in directory; returns what was deleted."""
    deleted = []
    for recording in expired(on_disk(directory), time.time() if now is None else now, retention_days):
        recording.path.unlink(missing_ok=True)  # another process may purge at the same time
        deleted.append(recording.path)
    if deleted:
        log.info("recordings purged", extra={"count": len(deleted), "retention_days": retention_days})
    return deleted


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice_gateway.recordings", description=__doc__)
    parser.add_argument("command", choices=["purge"])
    parser.parse_args(argv)
    config = settings()
    folder = recordings_folder(config)
    deleted = purge(folder, config.voice.recording_retention_days)
    print(
        f"{len(deleted)} recording(s) older than {config.voice.recording_retention_days} days deleted from {folder}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
