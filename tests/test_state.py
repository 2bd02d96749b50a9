"""The device model: what the panes show, built from the session's parsed events only."""

from __future__ import annotations

from qlaterm.link.session import Session
from qlaterm.state import DeviceState, ServerConfig, update_interval
from tests.scripted import Scripted, frame


async def model(script: dict[str, list[bytes]]) -> tuple[Session, Scripted, DeviceState]:
    transport = Scripted(script)
    session = Session(transport, timeout=0.5)
    state = DeviceState()
    session.subscribe(state.apply)
    await session.open()
    return session, transport, state


STARTUP = {
    "AT+QLASTATUS?": [frame("+QLASTATUS: 2", "OK")],
    "AT+QLACONFIG?": [frame('+QLACONFIG: 0,"127.0.0.1",5684,"ep1",300,0,"ep1","0A0B0C0D",1', "OK")],
    "AT+QLACFG?": [frame('+QLACFG: "retransmit",2,5', '+QLACFG: "access_mode",1', '+QLACFG: "cfg_res",3,0,17,"dt"',
                         '+QLACFG: "lifetime_enable",1', "OK")],
    "AT+QLAADDOBJ?": [frame("+QLAADDOBJ: 19,0,2,0,1", "+QLAADDOBJ: 19,1,1,0", "OK")],
}


async def test_startup_queries_fill_the_model() -> None:
    session, _, state = await model(STARTUP)
    for line in STARTUP:
        await session.send(line)
    assert state.status == 2 and state.registered
    assert state.config == ServerConfig(0, "127.0.0.1", 5684, "ep1", 300, 0, "ep1", "0A0B0C0D", 1)
    assert state.config.binding_text == "UQ" and state.config.security_text == "DTLS-PSK"
    assert state.settings["retransmit"] == (2, 5) and state.settings["cfg_res"] == ("dt",)
    assert state.buffer_mode
    assert state.objects == {19: {0: (0, 1), 1: (0,)}}
    assert "0A0B0C0D" in state.secrets


async def test_empty_config_query_means_not_configured() -> None:
    session, _, state = await model({"AT+QLACONFIG?": [frame("OK")]})
    await session.send("AT+QLACONFIG?")
    assert state.config_known and state.config is None


async def test_psk_learned_from_the_sent_line_before_any_answer() -> None:
    session, _, state = await model({})
    session.send_raw('AT+QLACONFIG=0,"h",5684,"ep",300,0,"id","C0FFEE"')
    assert "C0FFEE" in state.secrets


async def test_successful_set_commands_update_the_model() -> None:
    ok = [frame("OK")]
    script = {
        'AT+QLACONFIG=0,"127.0.0.1",5683,"ep",86400,3': ok,
        'AT+QLACFG="platform",2': ok,
        "AT+QLAADDOBJ=19,0,2,0,1": [frame("OK", "+QLAADDOBJ: 0")],
        "AT+QLADELOBJ=19": [frame("OK", "+QLADELOBJ: 0")],
    }
    session, _, state = await model(script)
    await session.send('AT+QLACONFIG=0,"127.0.0.1",5683,"ep",86400,3')
    assert state.config is not None and state.config.lifetime == 86400 and state.config.binding == 0
    await session.send('AT+QLACFG="platform",2')
    assert state.settings["platform"] == (2,)
    await session.send("AT+QLAADDOBJ=19,0,2,0,1")
    assert state.resources() == [(19, 0, 0), (19, 0, 1)]
    await session.send("AT+QLADELOBJ=19")
    assert state.objects == {}


async def test_refused_command_changes_nothing() -> None:
    session, _, state = await model({'AT+QLACFG="platform",2': [frame("+CME ERROR: 3")]})
    await session.send('AT+QLACFG="platform",2')
    assert "platform" not in state.settings


async def test_registration_results_and_next_update() -> None:
    now = [1000.0]
    session, transport, state = await model({"AT+QLAREG": [frame("OK")]})
    state._clock = lambda: now[0]
    state.config = ServerConfig(0, "h", 5683, "ep", 300, 3)
    await session.send("AT+QLAREG")
    transport.emit(frame("+QLAREG: 0"))
    assert state.status == 2
    assert state.registered_at is not None
    remaining = state.next_update_in(state.registered_at + 10)
    assert remaining == update_interval(300) - 10 == 250 - 10
    transport.emit(frame("+QLADEREG: 0"))
    assert state.status == 4 and state.next_update_in() is None


async def test_failed_update_invalidates_registration() -> None:
    script = {"AT+QLAUPDATE=0,600": [frame("+QLAUPDATE: 17", "OK")]}
    session, transport, state = await model(script)
    state.status = 2
    state.config = ServerConfig(0, "h", 5683, "ep", 300, 3)
    await session.send("AT+QLAUPDATE=0,600")
    transport.emit(frame("+QLAUPDATE: 0,17"))
    assert state.config.lifetime == 600
    await session.send("AT+QLAUPDATE=0,600")
    transport.emit(frame("+QLAUPDATE: 1,17"))
    assert state.status == 5


async def test_requests_from_urcs_and_their_answers() -> None:
    ok = [frame("OK", "+QLARDRSP: 0")]
    script = {
        'AT+QLARDRSP=100,1,19,0,0,1,5,"hello",0': ok,
        "AT+QLAOBSRSP=101,1,19,0,0,3,2,42,0": [frame("OK", "+QLAOBSRSP: 0")],
        "AT+QLAWRRSP=102,2": [frame("OK", "+QLAWRRSP: 0")],
    }
    session, transport, state = await model(script)
    transport.emit(frame('+QLAURC: "read",100,19,0,0', '+QLAURC: "observe",101,0,19,0,0'))
    transport.emit(frame('+QLAURC: "write",102,19,0,1,2,2,"0102",1', '+QLAURC: "write",102,19,0,1,2,1,"03",0'))
    assert [r.label for r in state.requests.values()] == ["read /19/0/0", "observe /19/0/0", "write /19/0/1"]
    write = state.requests[102]
    assert write.complete and write.value == b"\x01\x02\x03"
    await session.send('AT+QLARDRSP=100,1,19,0,0,1,5,"hello",0')
    assert state.values[(19, 0, 0)] == "hello" and 100 not in state.requests
    await session.send("AT+QLAOBSRSP=101,1,19,0,0,3,2,42,0")
    assert state.is_observed((19, 0, 0)) and state.values[(19, 0, 0)] == 42
    await session.send("AT+QLAWRRSP=102,2")
    assert state.values[(19, 0, 1)] == b"\x01\x02\x03" and not state.requests


async def test_cancel_ends_observation() -> None:
    session, transport, state = await model({"AT+QLAOBSRSP=7,1,19,0,0,1,0,,0": [frame("OK")]})
    state.observed.add((19, 0, 0))
    transport.emit(frame('+QLAURC: "observe",7,1,19,0,0'))
    assert state.requests[7].kind == "cancel"
    await session.send("AT+QLAOBSRSP=7,1,19,0,0,1,0,,0")
    assert not state.is_observed((19, 0, 0))


async def test_buffer_drain_creates_requests() -> None:
    script = {
        "AT+QLARD?": [frame("+QLARD: 2", "OK")],
        "AT+QLARD": [frame('+QLARD: 1,"observe",36581,0,19,0,0', "OK")],
    }
    session, transport, state = await model(script)
    transport.emit(frame('+QLAURC: "buffer"'))
    assert state.buffer_count == 1
    await session.send("AT+QLARD?")
    assert state.buffer_count == 2
    await session.send("AT+QLARD")
    assert state.buffer_count == 1
    request = state.requests[36581]
    assert request.kind == "observe" and request.path == (19, 0, 0) and request.buffered


async def test_con_notify_report_ack_becomes_a_notice() -> None:
    script = {"AT+QLANOTIFY=19,0,0,1,2,hi,0,1": [frame("OK", '+QLAURC: "report",55', "+QLANOTIFY: 0")]}
    session, transport, state = await model(script)
    await session.send("AT+QLANOTIFY=19,0,0,1,2,hi,0,1")
    assert state.reports[55] == (19, 0, 0)
    transport.emit(frame('+QLAURC: "report_ack",0,55'))
    assert state.notices[-1].name == "report_ack" and state.notices[-1].ok
    assert 55 not in state.reports  # settled


async def test_a_reset_con_notification_ends_the_observation_it_went_out_on() -> None:
    script = {"AT+QLANOTIFY=19,0,0,1,2,hi,0,1": [frame("OK", '+QLAURC: "report",56', "+QLANOTIFY: 0")]}
    session, transport, state = await model(script)
    state.observed |= {(19, 0, -1), (19, 1, 0)}  # /19/0 observed as an instance, /19/1/0 on its own
    await session.send("AT+QLANOTIFY=19,0,0,1,2,hi,0,1")
    transport.emit(frame('+QLAURC: "report_ack",9,56'))
    assert not state.is_observed((19, 0, 0)) and state.is_observed((19, 1, 0))
    assert state.notices[-1].name == "report_ack" and state.notices[-1].status == 9


async def test_a_reset_non_notification_ends_a_sole_observation_only() -> None:
    _, transport, state = await model({})
    state.observed |= {(19, 0, 0), (19, 1, 0)}
    transport.emit(frame('+QLAURC: "lw_event",0,9,57'))  # which one went out is not said: both stay marked
    assert state.is_observed((19, 0, 0)) and state.is_observed((19, 1, 0))
    state.observed.discard((19, 1, 0))
    transport.emit(frame('+QLAURC: "lw_event",0,9,58'))
    assert not state.observed


async def test_reboot_forgets_session_state() -> None:
    session, transport, state = await model(STARTUP)
    await session.send("AT+QLASTATUS?")
    transport.emit(frame('+QLAURC: "read",1,19,0,0'))
    transport.emit(frame("RDY"))
    assert state.status is None and not state.requests


def test_update_interval_follows_the_module() -> None:
    assert [update_interval(x) for x in (20, 30, 50, 100, 300, 86400)] == [10, 15, 30, 70, 250, 82045]


async def test_requests_expire_like_the_module_and_unknown_ids_are_dropped() -> None:
    session, transport, state = await model({"AT+QLAWRRSP=9,2": [frame("+CME ERROR: 3")]})
    transport.emit(frame('+QLAURC: "read",8,19,0,0', '+QLAURC: "execute",9,19,0,1'))
    received = state.requests[8].received
    assert state.expire_requests(received + 59) == []
    assert [r.mid for r in state.expire_requests(received + 61)] == [8, 9]
    transport.emit(frame('+QLAURC: "write",9,19,0,0,1,1,"x",0'))
    await session.send("AT+QLAWRRSP=9,2")
    assert not state.requests
