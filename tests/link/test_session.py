"""The AT session: replies matched to their command, asynchronous results and URCs kept apart.

A scripted transport plays the module here so that timing corner cases (a URC between a command and its
OK, a result arriving while the next command is in flight, silence, a reboot mid-command) are exact;
tests/test_console_sim.py runs the same session against the real simulator.
"""

from __future__ import annotations

import asyncio

import pytest

from qlaterm.at.parse import Final, Info, Urc
from qlaterm.link.base import LinkState, LinkStatus
from qlaterm.link.session import Kind, Rebooted, Reply, Session, SessionEvent, Traffic
from tests.scripted import frame, opened


def kinds(events: list[SessionEvent]) -> list[tuple[Kind, str]]:
    return [(e.kind, e.text) for e in events if isinstance(e, Traffic)]


async def test_reply_collects_information_lines_and_final() -> None:
    session, transport, events = await opened({"AT+QLASTATUS?": [frame("+QLASTATUS: 2", "OK")]})
    reply = await session.send("AT+QLASTATUS?")
    assert transport.written == [b"AT+QLASTATUS?\r"]
    assert reply.ok and not reply.timed_out
    assert [x.text for x in reply.lines] == ["+QLASTATUS: 2"]
    assert kinds(events) == [
        (Kind.SENT, "AT+QLASTATUS?"),
        (Kind.ECHO, "AT+QLASTATUS?"),
        (Kind.REPLY, "+QLASTATUS: 2"),
        (Kind.FINAL, "OK"),
    ]
    assert events[-1] is reply  # the finished reply is published after its final line


async def test_cme_error_either_spelling() -> None:
    session, _, _ = await opened({"AT+QLAREG": [frame("+CME ERROR: 33")], "AT+QLADEREG": [frame("+CMEE ERROR: 4")]})
    first = await session.send("AT+QLAREG")
    second = await session.send("AT+QLADEREG")
    assert first.final == Final("CME", 33, "+CME ERROR: 33") and not first.ok
    assert second.final is not None and second.final.code == 4


async def test_urc_between_command_and_ok_is_not_part_of_the_reply() -> None:
    script = {"AT+QLASTATUS?": [frame("+QLASTATUS: 2", '+QLAURC: "read",36581,19,0,0', "OK")]}
    session, _, events = await opened(script)
    reply = await session.send("AT+QLASTATUS?")
    assert [x.text for x in reply.lines] == ["+QLASTATUS: 2"]
    urcs = [e.event for e in events if isinstance(e, Traffic) and e.kind is Kind.URC]
    assert len(urcs) == 1 and isinstance(urcs[0], Urc) and urcs[0].kind == "read" and urcs[0].mid == 36581


async def test_update_message_id_is_reply_but_its_result_is_not() -> None:
    script = {"AT+QLAUPDATE=0,100": [frame("+QLAUPDATE: 4711", "OK", "+QLAUPDATE: 0,4711")]}
    session, _, events = await opened(script)
    reply = await session.send("AT+QLAUPDATE=0,100")  # the script's bytes arrive in one piece
    assert [x.text for x in reply.lines] == ["+QLAUPDATE: 4711"]
    assert (Kind.RESULT, "+QLAUPDATE: 0,4711") in kinds(events)


async def test_result_of_earlier_command_while_next_is_in_flight() -> None:
    # +QLAREG: 0 lands between AT+QLASTATUS? and its reply: it is a result, not a status line.
    script = {"AT+QLAREG": [frame("OK")], "AT+QLASTATUS?": [frame("+QLAREG: 0", "+QLASTATUS: 2", "OK")]}
    session, _, events = await opened(script)
    assert (await session.send("AT+QLAREG")).ok
    status = await session.send("AT+QLASTATUS?")
    assert [x.text for x in status.lines] == ["+QLASTATUS: 2"]
    assert (Kind.RESULT, "+QLAREG: 0") in kinds(events)


async def test_query_lines_with_a_result_name_are_the_reply() -> None:
    # AT+QLAADDOBJ? prints +QLAADDOBJ lines that are the answer, not asynchronous results.
    script = {"AT+QLAADDOBJ?": [frame("+QLAADDOBJ: 19,0,2,0,1", "+QLAADDOBJ: 19,1,1,0", "OK")]}
    session, _, _ = await opened(script)
    reply = await session.send("AT+QLAADDOBJ?")
    assert [x.fields for x in reply.infos("+QLAADDOBJ")] == [(19, 0, 2, 0, 1), (19, 1, 1, 0)]


async def test_timeout_is_reported_and_releases_the_line() -> None:
    session, _, events = await opened({"AT+QLARD?": [frame("+QLARD: 0", "OK")]})
    silent = await session.send("AT+SILENT")
    assert silent.timed_out and silent.final is None
    assert any(isinstance(e, Traffic) and e.kind is Kind.NOTE and "AT+SILENT" in e.text for e in events)
    after = await session.send("AT+QLARD?")  # the next command is not blocked or confused
    assert after.ok and [x.text for x in after.lines] == ["+QLARD: 0"]


async def test_one_command_in_flight_at_a_time() -> None:
    script = {"AT": [frame("OK")], "ATI": [frame("Quectel", "BC26", "Revision: BC26NBR01A08", "OK")]}
    session, transport, _ = await opened(script)
    first, second = await asyncio.gather(session.send("ATI"), session.send("AT"))
    assert [x.text for x in first.lines] == ["Quectel", "BC26", "Revision: BC26NBR01A08"]
    assert second.ok and second.lines == []
    assert transport.written == [b"ATI\r", b"AT\r"]


async def test_reboot_interrupts_command_and_is_announced() -> None:
    session, _, events = await opened({"AT+QRST=1": [frame("OK"), b"Leaving the BROM\r\n", frame("RDY", "+CFUN: 1")]})
    reply = await session.send("AT+QRST=1")
    assert reply.ok
    assert any(isinstance(e, Rebooted) for e in events)
    assert (Kind.TEXT, "Leaving the BROM") in kinds(events)


async def test_broken_line_is_flagged_not_raised() -> None:
    _session, transport, events = await opened({})
    transport.emit(frame('+QLAURC: "read",notanumber,19,0,0') + b"\r\n\xff\xfe\r\n")
    broken = [e for e in events if isinstance(e, Traffic) and e.kind is Kind.BROKEN]
    assert len(broken) == 2


async def test_non_at_line_is_written_without_waiting() -> None:
    session, transport, _ = await opened({})
    reply = await session.send("hello")
    assert transport.written == [b"hello\r"] and reply.final is None and not reply.timed_out


async def test_link_loss_interrupts_the_command_in_flight() -> None:
    session, transport, _events = await opened({})
    task = asyncio.create_task(session.send("AT+SILENT", timeout=30))
    await session.wait_for(lambda e: isinstance(e, Traffic) and e.kind is Kind.SENT)
    assert transport.on_state is not None
    transport.on_state(LinkStatus(LinkState.LOST, "unplugged"))
    reply = await task
    assert reply.interrupted and session.link.state is LinkState.LOST


async def test_listener_errors_do_not_break_the_session() -> None:
    session, _, _ = await opened({"AT": [frame("OK")]})

    def bad(event: SessionEvent) -> None:
        raise RuntimeError("listener bug")

    session.subscribe(bad)
    assert (await session.send("AT")).ok


@pytest.mark.parametrize("split", [1, 2, 7])
async def test_reply_survives_any_split(split: int) -> None:
    session, transport, _ = await opened({}, echo=False)
    data = frame("+QLACFG: \"retransmit\",2,5", "+QLACFG: \"auto_ack\",0", "OK")

    def feed() -> None:
        assert transport.on_data is not None
        for i in range(0, len(data), split):
            transport.on_data(data[i : i + split])

    asyncio.get_running_loop().call_soon(feed)
    reply = await session.send("AT+QLACFG?")
    assert isinstance(reply, Reply) and reply.ok
    assert [x.fields for x in reply.lines if isinstance(x, Info)] == [("retransmit", 2, 5), ("auto_ack", 0)]




async def test_against_the_simulator_register_and_answer_a_read() -> None:
    """The session and model over the in-process link: the value typed reaches the bundled platform."""
    from qlaterm.link.inproc import InProcTransport
    from qlaterm.state import DeviceState

    transport = InProcTransport(platform_port=0, network="ideal")
    session = Session(transport)
    state = DeviceState()
    session.subscribe(state.apply)
    await session.open()
    try:
        assert transport.platform is not None
        port = transport.platform.port
        for line in ("AT+QLASTATUS?", f'AT+QLACONFIG=0,"127.0.0.1",{port},"ep1",300,3', "AT+QLAADDOBJ=19,0,1,0"):
            assert (await session.send(line)).ok
        registered = asyncio.create_task(session.wait_for(lambda e: isinstance(e, Traffic) and e.text == "+QLAREG: 0"))
        assert (await session.send("AT+QLAREG")).ok
        await registered
        assert state.status == 2 and state.objects == {19: {0: (0,)}}
        urc = asyncio.create_task(session.wait_for(lambda e: isinstance(e, Traffic) and e.kind is Kind.URC))
        read = asyncio.create_task(transport.platform.read("ep1", "/19/0/0"))
        event = await urc
        assert isinstance(event, Traffic) and isinstance(event.event, Urc)
        assert state.requests[event.event.mid].label == "read /19/0/0"
        assert (await session.send(f'AT+QLARDRSP={event.event.mid},1,19,0,0,1,5,"hello",0')).ok
        assert (await read).value == "hello"
        assert not state.requests and state.values[(19, 0, 0)] == "hello"
    finally:
        await session.close()


async def test_every_line_keeps_its_bytes_on_the_wire() -> None:
    session, _, events = await opened({"AT+CSQ": [frame("+CSQ: 31,0", "OK")]})
    await session.send("AT+CSQ")
    session.note("a remark")
    assert [(e.kind, e.raw) for e in events if isinstance(e, Traffic)] == [
        (Kind.SENT, b"AT+CSQ\r"),
        (Kind.ECHO, b"AT+CSQ"),
        (Kind.REPLY, b"\r\r\n+CSQ: 31,0"),
        (Kind.FINAL, b"\r\n\r\nOK"),
        (Kind.NOTE, b""),
    ]
