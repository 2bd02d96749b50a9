"""The continuous session log: every line of every session written to a file as it happens.

One file per session in the log directory (``~/.local/state/qlaterm/logs``), named by the session's start
time and port (``20250114-093012-ttyUSB0.log``); each line is ``date time.ms marker text`` with the markers
of the transcript (``>`` sent, ``<`` reply, ``#`` final, ``*`` URC, ``~`` the console: link lost and back …).
Secrets are masked by the function the console masks its transcript with.  Files are 0600; when a session
starts, the oldest files go until at most ``keep`` sessions and ``max_bytes`` remain.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .session import SessionEvent, Traffic

__all__ = ["KEEP_SESSIONS", "MAX_BYTES", "SessionLog", "log_name", "prune"]

KEEP_SESSIONS = 50
MAX_BYTES = 200 * 1024 * 1024
"""The log directory is kept under the last 50 sessions and 200 MB, whichever is smaller."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def log_name(started: float, port: str) -> str:
    """``20250114-093012-ttyUSB0.log`` for ``/dev/ttyUSB0``; ``…-socket-127.0.0.1-7000.log`` for a URL."""
    tail = port.rsplit("/", 1)[-1] if "://" not in port else port
    slug = _UNSAFE.sub("-", tail).strip("-") or "session"
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(started)) + f"-{slug}.log"


def _stamp(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) + f".{int(at * 1000) % 1000:03d}"


def _open_private(path: Path) -> TextIO:
    """Append to ``path``, created 0600 (and made 0600 if it existed)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8", errors="replace")


class SessionLog:
    """A session listener that writes each line to one file, masked, as it happens."""

    def __init__(self, path: Path, mask: Callable[[str], str] = str) -> None:
        self.path = path
        self._mask = mask
        self._out: TextIO | None = _open_private(path)

    @classmethod
    def in_directory(cls, directory: Path, port: str, mask: Callable[[str], str] = str, *,
                     started: float | None = None, keep: int = KEEP_SESSIONS, max_bytes: int = MAX_BYTES) -> SessionLog:
        """A new file for this session in ``directory``, after making room by the rotation rules."""
        started = time.time() if started is None else started
        prune(directory, keep=keep - 1, max_bytes=max_bytes)
        path = directory / log_name(started, port)
        return cls(path, mask)

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, Traffic):
            self.write(event.time, event.kind.value, event.text)

    def write(self, at: float, marker: str, text: str) -> None:
        out = self._out
        if out is None:
            return
        try:
            out.write(f"{_stamp(at)} {marker} {self._mask(text)}\n")
            out.flush()
        except OSError:  # a full disk costs the log, never the session
            self.close()

    def close(self) -> None:
        out, self._out = self._out, None
        if out is not None:
            with contextlib.suppress(OSError):
                out.close()


def prune(directory: Path, *, keep: int, max_bytes: int) -> list[Path]:
    """Delete the oldest session logs until at most ``keep`` files and ``max_bytes`` remain; returns them."""
    try:
        files = sorted((p for p in directory.glob("*.log") if p.is_file()), key=lambda p: p.name)
    except OSError:
        return []
    sizes = {p: p.stat().st_size for p in files}
    total = sum(sizes.values())
    gone = []
    while files and (len(files) > max(keep, 0) or total > max_bytes):
        oldest = files.pop(0)
        total -= sizes[oldest]
        with contextlib.suppress(OSError):
            oldest.unlink()
            gone.append(oldest)
    return gone
