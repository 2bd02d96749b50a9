"""The simulated module's non-volatile memory: one small JSON document.

A real BC26 keeps its LwM2M configuration, QLACFG settings and custom objects across
reboots and power loss. The simulator keeps them in ``<state dir>/nvm.json`` (``qlaterm-sim --state
DIR``), or only in memory when no directory is given.

A power cut or a killed simulator must never leave a half-written file behind, because a module that
boots with corrupt NVM silently forgets its server. So :meth:`Nvm.save` writes a temporary file in the
same directory, flushes and fsyncs it, renames it over the old file (atomic on POSIX), then fsyncs the
directory so that the rename itself is durable. A reader therefore sees either the previous document
or the new one, whole.

One writer per state directory is assumed (one simulated module owns it); the temporary file has a
fixed name, so a leftover from a killed process is simply overwritten by the next save.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILENAME = "nvm.json"


class Nvm:
    """Load and atomically save the module's saved settings.

    Both modes go through JSON, so in-memory mode behaves exactly like a file: ``load`` returns a fresh
    copy (mutating it changes nothing until ``save``), tuples come back as lists, and data that JSON
    cannot hold is refused by ``save`` either way.
    """

    def __init__(self, directory: Path | None, filename: str = FILENAME) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.filename = filename
        self._memory: str | None = None

    @property
    def path(self) -> Path | None:
        """The NVM file, or None in memory-only mode."""
        return self.directory / self.filename if self.directory is not None else None

    def __repr__(self) -> str:
        return f"Nvm({str(self.path) if self.path else 'memory'})"

    def load(self) -> dict[str, Any]:
        """The saved document; ``{}`` when nothing was saved yet.

        A corrupt or unreadable file also gives ``{}`` with a logged warning (a module with broken NVM
        boots with factory defaults rather than not at all); a corrupt file is kept aside as
        ``<name>.corrupt`` for inspection instead of being overwritten by the next save.
        """
        path = self.path
        if path is None:
            return json.loads(self._memory) if self._memory is not None else {}
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("NVM %s unreadable (%s); starting from defaults", path, exc)
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            self._set_aside(path, f"not valid JSON: {exc}")
            return {}
        if not isinstance(data, dict):
            self._set_aside(path, f"top level is a {type(data).__name__}, not an object")
            return {}
        return data

    def _set_aside(self, path: Path, reason: str) -> None:
        aside = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, aside)
        except OSError:
            log.warning("NVM %s is corrupt (%s); starting from defaults", path, reason)
        else:
            log.warning("NVM %s is corrupt (%s); kept as %s, starting from defaults", path, reason, aside)

    def save(self, data: dict[str, Any]) -> None:
        """Replace the saved document with ``data``, atomically and durably.

        Raises TypeError/ValueError for data JSON cannot hold (before anything on disk is touched)
        and OSError when the file system refuses; the previous document is intact in both cases.
        """
        if not isinstance(data, dict):
            raise TypeError(f"NVM holds a JSON object, not {type(data).__name__}")
        text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        path = self.path
        if path is None:
            self._memory = text
            return
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                with os.fdopen(fd, "wb", closefd=False) as stream:
                    stream.write(text.encode("utf-8"))
                    stream.flush()
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise
        _fsync_directory(self.directory)


def _fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable. Not every platform can open a directory (Windows
    cannot); there the rename is as durable as the platform makes it."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
