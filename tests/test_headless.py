"""The headless parts of the console never load the UI toolkit (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "modules",
    [
        "qlaterm.sim, qlaterm.sim.module, qlaterm.platform, qlaterm.platform.server, qlaterm.sim.serve",
        "qlaterm.state, qlaterm.link.session, qlaterm.link.inproc, qlaterm.link.serial",
    ],
)
def test_no_textual_import(modules: str) -> None:
    code = (
        f"import sys, {modules}; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
