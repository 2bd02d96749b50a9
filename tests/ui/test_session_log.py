"""The console writes every session to the log directory as it happens, PSKs masked."""

from __future__ import annotations

from pathlib import Path

from qlaterm.link.inproc import InProcTransport
from qlaterm.ui.app import QlatermApp
from tests.ui.conftest import SIZE, Console


async def test_a_sim_session_is_logged_with_the_psk_masked(tmp_path: Path) -> None:
    app = QlatermApp(InProcTransport(platform_port=0), session_log_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        console = Console(app, pilot)
        await console.settle()
        await console.send('AT+QLACONFIG=0,"127.0.0.1",5684,"ep1",300,0,"ep1","C0FFEE1234"')
        [log] = tmp_path.glob("*.log")
        text = log.read_text()
        assert "> AT+QLASTATUS?" in text and "# OK" in text
        assert '"ep1","********"' in text and "C0FFEE1234" not in text
        assert f"session log: {log}" in console.transcript_text()
