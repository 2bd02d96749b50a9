"""Files only their owner reads: the command history and saved logs may hold what a device was told."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

__all__ = ["private_file"]


def private_file(path: Path, mode: str = "a") -> IO[str]:
    """``path`` opened for text writing (``"w"`` or ``"a"``), created with mode 0600 and narrowed to 0600
    when it already exists with a wider one."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, mode, encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
