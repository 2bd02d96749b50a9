"""Console start to first frame, ``--sim``, against a bare Textual app (Header, Log, Footer).

Both run headless in a fresh interpreter with the same imports, so the ratio is what the console itself adds:
building its panes, starting the simulator and the bundled platform, drawing the first frame.  The time is
from spawning the process to the first frame (the child prints the monotonic clock then, so shutting down
is not counted); runs alternate, medians are compared.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from .common import Bar, Result, skipped

NAME = "console start to first frame, --sim"
BAR = Bar("≤ 1.3 × a bare Textual app", 1.3)

_IMPORTS = """
import pathlib, sys, tempfile, time
import textual.app, textual.widgets
import qlaterm.ui.app, qlaterm.link.inproc, qlaterm.sim.module, qlaterm.platform.server

async def first_frame(pilot):
    await pilot.pause()
    print(time.monotonic(), flush=True)  # the system-wide clock: comparable with the parent's
    pilot.app.exit()
"""

_CONSOLE = _IMPORTS + """
from qlaterm.link.inproc import InProcTransport
from qlaterm.ui.app import QlatermApp

tmp = pathlib.Path(sys.argv[1])
app = QlatermApp(InProcTransport(platform_port=0, state_dir=tmp), history_file=tmp / "history", log_dir=tmp)
app.run(headless=True, size=(120, 40), auto_pilot=first_frame)
"""

_BARE = _IMPORTS + """
from textual.app import App
from textual.widgets import Footer, Header, Log

class Bare(App):
    def compose(self):
        yield Header()
        yield Log()
        yield Footer()

Bare().run(headless=True, size=(120, 40), auto_pilot=first_frame)
"""


def console_start(runs: int = 5) -> Result:
    try:
        import textual  # noqa: F401

        import qlaterm.link.inproc
        import qlaterm.ui.app  # noqa: F401
    except Exception as exc:
        return skipped(NAME, BAR, f"the console cannot be imported: {type(exc).__name__}: {exc}")
    console, bare = [], []
    with tempfile.TemporaryDirectory(prefix="qlaterm-bench-") as tmp:
        _spawn(_BARE, tmp)  # warm the file cache and bytecode for both
        _spawn(_CONSOLE, tmp)
        for _ in range(runs):
            bare.append(_spawn(_BARE, tmp))
            console.append(_spawn(_CONSOLE, tmp))
    c, b = statistics.median(console), statistics.median(bare)
    detail = f"median of {runs}, spawn to first frame: console {c * 1000:.0f} ms, bare app {b * 1000:.0f} ms"
    return Result(NAME, BAR, c / b, "× bare", detail)


def _spawn(code: str, tmp: str) -> float:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, tmp], env=env, capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"headless app exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    try:
        frame = float(proc.stdout.decode().split()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"the headless app printed no first-frame time: {proc.stdout[-500:]!r}") from None
    return frame - start
