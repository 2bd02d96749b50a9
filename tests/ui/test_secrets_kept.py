"""Keys typed or answered never reach the history file, the screen or a saved log in clear; those files are 0600."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from qlaterm.at.secrets import MASK
from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.app import QlatermApp

KEY = "00112233AABBCCDD"
LINES = (
    f'AT+QLACONFIG=0,"127.0.0.1",5684,"ep",300,0,"ep","{KEY}"',  # the ordinary form
    f'AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,3,"ep","{KEY}"',  # no security, key given anyway
    f'AT+QLACONFIG=0,"221.229.214.202,5683",ep,86400,0,"ep","{KEY}"',  # host and port in one field
)


async def type_line(app: QlatermApp, pilot: object, line: str) -> None:
    await pilot.press(*line)  # type: ignore[attr-defined]  # Pilot[None], typed loosely here
    final = asyncio.ensure_future(app.session.wait_for(lambda e: isinstance(e, Traffic) and e.kind is Kind.FINAL, 10))
    await pilot.press("enter", "enter")  # type: ignore[attr-defined]  # a held line is sent anyway
    await final


@pytest.mark.parametrize("line", LINES)
async def test_a_typed_key_is_masked_in_history_screen_and_log(line: str, tmp_path: Path) -> None:
    history = tmp_path / "history"
    app = QlatermApp(InProcTransport(platform_port=0), history_file=history)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await type_line(app, pilot, line)
        await pilot.pause(0.12)
        transcript = app.transcript
        shown = "\n".join(transcript.lines)
        assert KEY not in shown and MASK in shown
        log = tmp_path / "session.log"
        transcript.save(log, secrets=app.state.secrets)
        assert KEY not in log.read_text() and MASK in log.read_text()
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        await pilot.press("up")
        assert app.query_one("#command-input").value == line  # this run's history keeps what was typed
    kept = history.read_text()
    assert KEY not in kept and MASK in kept
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


async def test_show_psk_keeps_the_history_as_typed(tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.write_text("AT\n")
    history.chmod(0o644)
    app = QlatermApp(InProcTransport(platform_port=0), history_file=history, mask_secrets=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await type_line(app, pilot, LINES[0])
    assert KEY in history.read_text()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
