"""Console start to first frame, ``--sim``, against a bare Textual app (Header, Log, Footer).

Measured as a user sees it: each program is spawned in a fresh interpreter under a real terminal (a pty of
120×40) and timed from the spawn to the end of its first drawn frame, each paying for its own imports —
``qlaterm --sim`` (the console, the simulator and the bundled platform) against a script that imports
Textual and shows a Header, a Log and a Footer.  Runs alternate; medians are compared.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile

from .common import Bar, Result, skipped
from .terminal import first_frame

NAME = "console start to first frame, --sim"
BAR = Bar("≤ 1.2 × a bare Textual app", 1.2)

BARE = """
from textual.app import App
from textual.widgets import Footer, Header, Log


class Bare(App):
    def compose(self):
        yield Header()
        yield Log()
        yield Footer()


Bare().run()
"""

CONSOLE = ("-m", "qlaterm", "--sim", "--platform-port", "0")


def console_start(runs: int = 7) -> Result:
    try:
        import pty  # noqa: F401
    except ImportError as exc:
        return skipped(NAME, BAR, f"no pseudo-terminals here: {exc}")
    console, bare = [], []
    with tempfile.TemporaryDirectory(prefix="qlaterm-bench-") as tmp:
        env = dict(os.environ, TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", XDG_STATE_HOME=tmp,
                   XDG_CONFIG_HOME=tmp)
        env.pop("TEXTUAL", None)  # no devtools
        # both start from cached bytecode, as installed programs do (pip compiles Textual's at install; a
        # source checkout's is written by the warm-up run, unless the environment forbids it)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        bare_argv = (sys.executable, "-c", BARE)
        console_argv = (sys.executable, *CONSOLE)
        first_frame(bare_argv, env)  # warm the file cache and bytecode for both
        first_frame(console_argv, env)
        for _ in range(runs):
            bare.append(first_frame(bare_argv, env))
            console.append(first_frame(console_argv, env))
    c, b = statistics.median(console), statistics.median(bare)
    detail = (f"median of {runs}, spawn under a pty to the first frame: qlaterm --sim {c * 1000:.0f} ms, "
              f"bare app {b * 1000:.0f} ms")
    return Result(NAME, BAR, c / b, "× bare", detail)
