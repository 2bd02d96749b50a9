"""Security in the status pane: mode, PSK identity, and in simulator mode the negotiated DTLS session."""

from __future__ import annotations

import io

import pytest
from rich.console import Console as RichConsole
from textual.widgets import Input, Select, Static

from qlaterm.link.session import Traffic
from qlaterm.state import DeviceState, ServerConfig
from qlaterm.ui.dialogs import ConfigDialog
from qlaterm.ui.folding_log import FoldingLog
from qlaterm.ui.platform_pane import PlatformPane
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
    assert "TLS-PSK-WITH" not in text and KEY not in text


def test_psk_option_feeds_the_platform_store() -> None:
    from qlaterm.__main__ import parse_args

    args = parse_args(["--sim", "--psk", f"{IDENTITY}:{KEY}", "--psk", "a:b:0102"])
    assert args.psk == {IDENTITY: bytes.fromhex(KEY), "a:b": b"\x01\x02"}
    for bad in (["--sim", "--psk", "nokey"], ["--sim", "--psk", "id:xyz"], ["/dev/ttyUSB0", "--psk", "id:00"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def platform_security(console: Console) -> str:
    return str(console.app.query_one("#platform-security", Static).render())


async def test_platform_pane_shows_the_store_masked_and_logs_refused_identities() -> None:
    async with running_console(psk_store={IDENTITY: bytes.fromhex(KEY)}) as console:
        port = console.platform.dtls_port
        assert port == console.platform.port + 1
        text = platform_security(console)
        assert f"DTLS-PSK on :{port}" in text and f"{IDENTITY} (********)" in text and KEY not in text
        wrong = "FF" * 16
        await console.send(f'AT+QLACONFIG=0,"127.0.0.1",{port},"ep1",300,0,"{IDENTITY}","{wrong}"')
        failed = console.waiter(lambda e: isinstance(e, Traffic) and e.text.startswith("+QLAREG: ")
                                and e.text != "+QLAREG: 0")
        await console.send("AT+QLAREG")
        await failed
        pane = console.app.query_one(PlatformPane)
        pane._flush()  # the pane's 0.1 s timer, now
        log = "\n".join(pane.query_one("#platform-log", FoldingLog).source_lines())
        assert f"DTLS refused identity {IDENTITY!r}" in log and "wrong PSK" in log
        assert "1 refused" in platform_security(console)


async def test_platform_pane_shows_keys_with_show_psk() -> None:
    async with running_console(psk_store={IDENTITY: bytes.fromhex(KEY)}, mask_secrets=False) as console:
        assert f"{IDENTITY} ({KEY})" in platform_security(console)


async def test_configure_dialog_proposes_the_dtls_port_and_the_first_psk() -> None:
    async with running_console(psk_store={IDENTITY: bytes.fromhex(KEY), "other": b"\x01"}) as console:
        pilot = console.pilot
        await pilot.press("f7")
        dialog = console.app.screen
        assert isinstance(dialog, ConfigDialog)
        port = dialog.query_one("#port", Input)
        assert port.value == str(console.platform.port)
        dialog.query_one("#security", Select).value = 0
        await pilot.pause()
        assert port.value == str(console.platform.dtls_port)
        assert dialog.query_one("#psk_id", Input).value == IDENTITY
        assert dialog.query_one("#psk", Input).value == KEY
        preview = str(dialog.query_one("#dialog-preview", Static).render())
        assert '"********"' in preview and KEY not in preview  # masked like the transcript
        assert KEY in dialog.lines()[0]  # but sent as typed
        dialog.query_one("#security", Select).value = 3  # back: the plain port again
        await pilot.pause()
        assert port.value == str(console.platform.port)
        dialog.query_one("#security", Select).value = 0
        await pilot.pause()
        registered = console.line("+QLAREG: 0")
        await pilot.press("ctrl+s")
        await console.settle()
        await pilot.press("f4")
        await registered
        await console.settle()
        assert f"DTLS 1.2 · {CCM_8}" in " ".join(console.status_text().split())
