"""Running ``qlaterm replay`` in this process against the simulator, output captured."""

from __future__ import annotations

import io
import re
from pathlib import Path

from qlaterm.replay.cli import main

_TIME = re.compile(r"\s+(?:\d+ ms|\d+\.\d\d s)$")


def normalised(text: str) -> str:
    """Output with each line's time (and the padding before it) replaced by `` T``."""
    return "\n".join(_TIME.sub(" T", line.rstrip()) for line in text.splitlines())


def replay(tmp_path: Path, text: str, *extra: str, name: str = "t.txt") -> tuple[int, str]:
    """Run ``text`` as a transcript file with ``--sim`` (a free platform port); exit status and output."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    status = main([str(path), "--sim", "--platform-port", "0", *extra], out=out)
    return status, normalised(out.getvalue())
