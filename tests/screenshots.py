"""``make screenshots``: SVGs of the console for the README, from a real session with the simulator.

The main screen shows a module registered over DTLS-PSK, a platform Read waiting for its answer and the CoAP log
beside the AT transcript; then the read-answer dialog and each other dialog.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.app import QlatermApp
from tests.ui.scenes import DIALOGS, SIZE, dialog, settle, still

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def shoot(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    key = "000102030405060708090A0B0C0D0E0F"
    app = QlatermApp(InProcTransport(platform_port=0, network="ideal", psk_store={"bc26-demo": bytes.fromhex(key)}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        platform = app.transport.platform  # type: ignore[attr-defined]
        ep = "866971030603068"
        setup = [f'AT+QLACONFIG=0,"127.0.0.1",{platform.dtls_port},"{ep}",86400,0,"bc26-demo","{key}"',
                 "AT+QLAADDOBJ=19,0,2,0,1",
                 "AT+QLAADDOBJ=19,1,1,0"]
        await app._send_all(setup)
        registered = asyncio.ensure_future(app.session.wait_for(lambda e: isinstance(e, Traffic)
                                                                and e.text == "+QLAREG: 0"))
        await app._send_all(["AT+QLAREG"])
        await registered

        def urc(kind: str) -> asyncio.Future[object]:
            return asyncio.ensure_future(app.session.wait_for(
                lambda e: isinstance(e, Traffic) and e.kind is Kind.URC and getattr(e.event, "kind", "") == kind))

        seen = urc("observe")
        observe = asyncio.ensure_future(platform.observe(ep, "/19/0/0"))
        await seen
        mid = app.state.oldest_request().mid  # type: ignore[union-attr]
        await app._send_all([f"AT+QLAOBSRSP={mid},1,19,0,0,3,2,21,0"])
        await observe
        await app._send_all(["AT+QLANOTIFY=19,0,0,3,2,22,0,1"])
        seen = urc("read")
        read = asyncio.ensure_future(platform.read(ep, "/19/1/0"))
        await seen
        await pilot.pause()
        await pilot.pause(0.3)  # let the panes' clocks and the platform log catch up for the picture
        app.transcript.flush()
        still(app.screen)
        await pilot.pause()
        written.append(Path(app.save_screenshot("main.svg", str(out))))

        await pilot.press("f2")
        await pilot.pause()
        await pilot.press(*"on")
        await pilot.pause()
        still(app.screen)
        await pilot.pause()
        written.append(Path(app.save_screenshot("answer-read.svg", str(out))))
        await pilot.press("enter")
        await read

        for name in DIALOGS:
            if name.startswith("answer_read"):
                continue
            await app.push_screen(dialog(name, app))
            await pilot.pause()
            await pilot.pause()
            still(app.screen)
            await pilot.pause()
            written.append(Path(app.save_screenshot(f"dialog-{name.replace('_', '-')}.svg", str(out))))
            app.pop_screen()
            await pilot.pause()
    return written


def main() -> int:
    for path in asyncio.run(shoot()):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
