"""What ends with the registration or with a restart: pending requests, observations, the server's reboot
request and its note."""

from __future__ import annotations

from tests.scripted import frame
from tests.test_device_checks import objection
from tests.test_state import model

OBSERVED = {
    "AT+QLASTATUS?": [frame("+QLASTATUS: 2", "OK")],
    "AT+QLAOBSRSP=5,1,19,0,0,1,2,hi,0": [frame("OK", "+QLAOBSRSP: 0")],
    "AT+QLADEREG": [frame("OK", "+QLADEREG: 0")],
}


async def test_deregistering_drops_pending_requests_and_observations() -> None:
    session, transport, state = await model(OBSERVED)
    await session.send("AT+QLASTATUS?")
    transport.emit(frame('+QLAURC: "observe",5,0,19,0,0'))
    await session.send("AT+QLAOBSRSP=5,1,19,0,0,1,2,hi,0")
    transport.emit(frame('+QLAURC: "read",6,19,0,0'))
    assert state.is_observed((19, 0, 0)) and 6 in state.requests
    await session.send("AT+QLADEREG")
    assert state.status == 4
    assert not state.requests and not state.observed
    assert "left the registration" in (objection(state, 'AT+QLARDRSP=6,1,19,0,0,1,2,"hi",0') or "")


async def test_a_status_read_that_finds_the_registration_gone_drops_them_too() -> None:
    session, transport, state = await model({"AT+QLASTATUS?": [frame("+QLASTATUS: 2", "OK")]})
    await session.send("AT+QLASTATUS?")
    transport.script["AT+QLASTATUS?"] = [frame("+QLASTATUS: 0", "OK")]
    state.observed.add((19, 0, 0))
    transport.emit(frame('+QLAURC: "read",6,19,0,0'))
    await session.send("AT+QLASTATUS?")
    assert state.status == 0 and not state.requests and not state.observed


async def test_deep_sleep_keeps_observations_but_not_requests() -> None:
    session, transport, state = await model({"AT+QLASTATUS?": [frame("+QLASTATUS: 2", "OK")]})
    await session.send("AT+QLASTATUS?")
    transport.script["AT+QLASTATUS?"] = [frame("+QLASTATUS: 7", "OK")]
    state.observed.add((19, 0, 0))
    transport.emit(frame('+QLAURC: "read",6,19,0,0'))
    await session.send("AT+QLASTATUS?")
    assert state.status == 7 and not state.requests and state.is_observed((19, 0, 0))


async def test_the_restart_ends_the_reboot_request_its_note_and_the_observations() -> None:
    session, transport, state = await model(OBSERVED)
    await session.send("AT+QLASTATUS?")
    state.observed.add((19, 0, 0))
    transport.emit(frame('+QLAURC: "execute",9,3,0,4'))
    assert state.reboot_requested == (3, 0, 4)
    assert "reboot" in state.notices[-1].text
    transport.emit(frame("RDY"))
    assert state.reboot_requested is None and not state.observed
    assert not any("reboot" in n.text for n in state.notices)
