"""The network view: read on connect, kept current from URCs, polled only while nobody waits."""

from __future__ import annotations

from qlaterm.link.session import Kind
from tests.ui.conftest import Console


def sent(console: Console) -> list[str]:
    return [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]


async def test_read_on_connect_and_shown_with_question_marks_for_errors(console: Console) -> None:
    for line in ("AT+CGSN=1", "AT+CIMI", "AT+QCCID", "AT+CEREG?", "AT+CSQ", "AT+CGPADDR=1", "AT+CSCON?", "AT+CPSMS?"):
        assert line in sent(console)
    network = console.state.network
    words = " ".join(console.status_text().split())
    assert network.imei and f"IMEI {network.imei}" in words
    assert f"Network {network.registration.text} · {network.rssi_dbm} dBm" in words
    for attribute in network.unanswered:  # what the module answered ERROR to is a "?"
        assert attribute in {"imei", "imsi", "iccid", "registration", "rssi_dbm", "ip", "rrc_connected",
                             "psm_enabled"}
    if "iccid" in network.unanswered:
        assert "ICCID ?" in words


async def test_urcs_keep_the_view_current(console: Console) -> None:
    console.app.session._on_data(b'\r\n+CEREG: 2\r\n\r\n+QNBIOTEVENT: "ENTER PSM"\r\n')
    await console.settle()
    words = " ".join(console.status_text().split())
    assert "Network searching" in words and "PSM asleep" in words


async def test_the_poll_waits_while_the_user_types_and_runs_at_idle(console: Console) -> None:
    before = sent(console).count("AT+CSQ")
    await console.pilot.press(*"AT+QLA")
    console.app.poll_network()
    await console.settle()
    assert sent(console).count("AT+CSQ") == before  # something typed: no poll
    console.app.query_one("#command-input").value = ""  # type: ignore[attr-defined]
    console.app.poll_network()
    await console.settle()
    assert sent(console).count("AT+CSQ") == before + 1 and sent(console)[-1] == "AT+CEREG?"


async def test_the_attach_completing_is_shown_at_once_not_at_the_next_poll() -> None:
    from qlaterm.at.network import ATTACH_COMMANDS
    from tests.ui.conftest import running_console

    async with running_console(network="good") as console:
        attached = console.waiter(lambda e: getattr(e, "text", "").startswith("+IP:"), timeout=20)
        if not console.state.network.ip:
            await attached
        await console.settle()
        after_ip = sent(console)
        assert after_ip[-len(ATTACH_COMMANDS):] == list(ATTACH_COMMANDS)
        network = console.state.network
        assert network.registration is not None and network.registration.registered, network.registration
        assert network.ip
        assert "searching" not in " ".join(console.status_text().split())
