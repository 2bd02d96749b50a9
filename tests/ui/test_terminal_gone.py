"""A console whose terminal closes (the window shut, the ssh session dropped) ends instead of running on."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")

DEADLINE = 30.0
"""Guards against a hang only; the console notices within about a second."""


def test_the_console_ends_when_its_terminal_hangs_up(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none",
           "XDG_STATE_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen([sys.executable, "-m", "qlaterm", "--sim", "--platform-port", "0", "--no-log"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        drawn = b""
        started = time.monotonic()
        while b"AT transcript" not in drawn:  # the first frame is on the terminal
            assert time.monotonic() - started < DEADLINE, drawn[-500:]
            if select.select([master], [], [], 0.5)[0]:
                drawn += os.read(master, 1 << 16)
        os.close(master)  # the terminal goes away; no signal is sent to the console
        master = -1
        assert proc.wait(timeout=DEADLINE) == 1
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
