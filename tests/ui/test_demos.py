"""Guided demos driven to their end through the Pilot: each step shown, Enter pressed, the demo green."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from qlaterm.link.inproc import InProcTransport
from qlaterm.replay.demo import demo_names, load_demo
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.demo import DemoPane
from tests.replay.test_demos import TIME_SCALE

REQUIRED = {"aep", "andlink", "telit", "read-write", "observe", "buffer", "deep-sleep", "psm", "dtls"}


def test_the_demos_the_console_offers() -> None:
    assert set(demo_names()) >= REQUIRED
    for name in demo_names():
        demo = load_demo(name)
        # every step that acts is explained in English and Chinese
        assert any(s.language == "zh" for s in demo.steps if hasattr(s, "language")), name


@pytest.mark.parametrize("name", demo_names())
async def test_a_demo_runs_to_its_end_one_enter_at_a_time(name: str) -> None:
    demo = load_demo(name)
    transport = InProcTransport(platform_port=0, network="ideal", profile=demo.profile or "generic",
                                psk_store=demo.psks, queue_awake=demo.queue_awake,
                                time_scale=TIME_SCALE.get(name, 1.0))
    app = QlatermApp(transport, demo=(name, demo))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(DemoPane)
        shown: list[str] = []
        while pane.outcome is None:
            waiting = asyncio.create_task(pane.waiting.wait())
            finished = asyncio.create_task(pane.ended.wait())
            done, pending = await asyncio.wait({waiting, finished}, timeout=20,
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            assert done, f"{name}: the demo neither waits nor ends"
            if pane.ended.is_set():
                break
            step = str(pane.query_one("#demo-step").render())
            shown.append(step)
            assert app.focused is pane
            await pilot.press("enter")
            await pilot.pause()
        assert pane.outcome is not None
        assert pane.outcome.passed, [r for r in pane.outcome.results if r.status.value == "failed"]
        first = shown[0]
        assert "step 1 of" in first and "send  AT" in first and "enter: send it" in first
        # the demo's words in both languages, and the catalogue's
        say = [s for s in demo.steps if hasattr(s, "language")]
        assert say[0].text in first.replace("\n", " ") or say[0].text[:30] in first
        assert any("\uff08" in s for s in shown)  # the catalogue's Chinese wording, in full-width brackets
        assert "the demo ran to its end ✓" in str(pane.query_one("#demo-step").render())


def test_demo_without_a_name_lists_them() -> None:
    result = subprocess.run([sys.executable, "-m", "qlaterm", "--sim", "--demo"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert names == demo_names()
    bad = subprocess.run([sys.executable, "-m", "qlaterm", "--sim", "--demo", "nope"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "no demo 'nope'" in bad.stderr
