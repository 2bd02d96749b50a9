"""Security in the status pane: mode, PSK identity, and in simulator mode the negotiated DTLS session."""

from __future__ import annotations

import io

from rich.console import Console as RichConsole

from qlaterm.state import DeviceState, ServerConfig
from qlaterm.ui.status import StatusPane
from tests.ui.conftest import Console, running_console

IDENTITY = "bc26-identity"
KEY = "00112233445566778899AABBCCDDEEFF"
CCM_8 = "TLS-PSK-WITH-AES-128-CCM-8"


async def register_dtls(console: Console, *settings: str) -> None:
    """Configure security mode 0 for the platform's DTLS port and register; wait for +QLAREG: 0."""
    port = console.platform.dtls_port
    await console.send(*settings, f'AT+QLACONFIG=0,"127.0.0.1",{port},"ep1",300,0,"{IDENTITY}","{KEY}"')
    done = console.line("+QLAREG: 0")
    await console.send("AT+QLAREG")
    await done
    await console.settle()


async def test_status_shows_the_psk_identity_and_the_negotiated_cipher() -> None:
    async with running_console(psk_store={IDENTITY: bytes.fromhex(KEY)}) as console:
        await register_dtls(console)
        text = console.status_text()
        assert f"DTLS-PSK · id {IDENTITY}" in text
        assert f"DTLS 1.2 · {CCM_8}" in text
        assert "resumed" not in text
        assert KEY not in text and "\nPSK" not in text  # the key itself stays hidden


async def test_status_shows_the_key_with_show_psk() -> None:
    async with running_console(psk_store={IDENTITY: bytes.fromhex(KEY)}, mask_secrets=False) as console:
        await register_dtls(console)
        assert KEY in console.status_text()


async def test_status_says_resumed_after_deep_sleep_with_dtls_mode_1() -> None:
    async with running_console(psk_store={IDENTITY: bytes.fromhex(KEY)}) as console:
        await register_dtls(console, 'AT+QLACFG="dtls_mode",1')
        simulator = console.app.simulator
        assert simulator is not None
        await simulator.deep_sleep()
        recovered = console.urc("recovered")
        await simulator.wake()
        await recovered
        await console.settle()
        assert console.state.registered
        assert f"DTLS 1.2 · {CCM_8} · resumed" in " ".join(console.status_text().split())


async def test_status_without_security_has_no_dtls_line(console: Console) -> None:
    await console.register()
    text = console.status_text()
    assert "Security none" in " ".join(text.split()) and "Session" not in text


def test_a_real_module_does_not_report_its_cipher() -> None:
    state = DeviceState()
    state.config = ServerConfig(0, "example.com", 5684, "ep1", 300, 0, IDENTITY, KEY, 0)
    state.config_known = True
    pane = StatusPane(state)  # no simulator facts: a serial link
    out = RichConsole(width=46, record=True, file=io.StringIO())
    out.print(pane.render_state(0.0))
    text = " ".join(out.export_text().split())
    assert "cipher not reported by the module" in text
    assert "TLS-PSK" not in text and KEY not in text
