"""What the workbench changed in the training files since the last commit: `git diff` of the directory it
writes into (settings.workbench.training_data), files new since then included, as lines a page can style.

git runs as a subprocess with arguments, never a shell, and with a timeout. A directory outside any git
work tree (or in one without a commit yet) has nothing to compare with, and Diff says so.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

TIMEOUT_S = 10.0
MAX_CHARS = 1_000_000  # a diff longer than this is cut: the page is a review aid, git has the whole


class Kind(StrEnum):
    FILE = "file"  # diff --git, index, ---, +++ and the like
    HUNK = "hunk"  # @@ -a,b +c,d @@
    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"


@dataclass(frozen=True, slots=True)
class Line:
    kind: Kind
    text: str


@dataclass(frozen=True, slots=True)
class Diff:
    compared: bool  # False: no commit to compare with, `why` says so
    why: str
    lines: tuple[Line, ...] = ()
    truncated: bool = False


class GitFailed(Exception):
    pass


def kind(line: str) -> Kind:
    if line.startswith(("+++ ", "--- ", "diff --git", "index ", "new file mode", "deleted file mode")):
        return Kind.FILE
    if line.startswith("@@"):
        return Kind.HUNK
    if line.startswith("+"):
        return Kind.ADDED
    if line.startswith("-"):
        return Kind.REMOVED
    return Kind.CONTEXT


def lines(text: str) -> tuple[Line, ...]:
    return tuple(Line(kind(line), line) for line in text.splitlines())


async def _git(directory: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat"}
    process = await asyncio.create_subprocess_exec(
        "git", "-C", str(directory), "-c", "core.quotepath=off", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        out, _err = await asyncio.wait_for(process.communicate(), TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GitFailed(f"git {args[0]} took longer than {TIMEOUT_S:.0f} s") from None
    if process.returncode not in ok:
        raise GitFailed(f"git {args[0]} exited with {process.returncode}")
    return out.decode("utf-8", errors="replace")


async def training_diff(directory: Path) -> Diff:
    """The directory against the last commit of the git work tree it is in."""
    if not await asyncio.to_thread(directory.is_dir):
        return Diff(False, f"{directory} does not exist.")
    try:
        top = Path((await _git(directory, "rev-parse", "--show-toplevel")).strip())
    except GitFailed:
        return Diff(False, f"{directory} is not in a git work tree, so there is no commit to compare with.")
    try:
        await _git(directory, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitFailed:
        return Diff(False, "The git repository has no commit yet to compare with.")
    text = await _git(directory, "diff", "--no-color", "--no-ext-diff", "HEAD", "--", ".")
    new = await _git(directory, "ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", ".")
    for name in filter(None, new.split("\0")):
        # From the top, so a new file is named as git diff names the others; --no-index exits 1 when the
        # files differ, which a new file always does.
        text += await _git(top, "diff", "--no-color", "--no-index", "--", os.devnull, name, ok=(0, 1))
    why = "Changed since the last commit." if text else "Nothing changed since the last commit."
    return Diff(True, why, lines(text[:MAX_CHARS]), len(text) > MAX_CHARS)
