"""The network view's model: identity, registration, signal in dBm, address, RRC and PSM from 27.007 lines."""

from __future__ import annotations

from qlaterm.at import network as net
from tests.scripted import frame
from tests.test_state import model

ANSWERS = {
    "AT+CGSN=1": [frame("+CGSN: 866971030603068", "OK")],
    "AT+CIMI": [frame("460111174590523", "OK")],
    "AT+QCCID": [frame("+QCCID: 89860316244593936587", "OK")],
    "AT+CEREG?": [frame('+CEREG: 2,1,"5A1E","0C7BC541",9', "OK")],
    "AT+CSQ": [frame("+CSQ: 25,0", "OK")],
    "AT+CESQ": [frame("+CESQ: 99,99,255,255,20,61", "OK")],
    "AT+CGPADDR=1": [frame("+CGPADDR: 1,10.110.2.8", "OK")],
    "AT+CSCON?": [frame("+CSCON: 1,0", "OK")],
    "AT+CPSMS?": [frame("+CPSMS: 1,,,\"01000011\",\"00000101\"", "OK")],
}


def test_signal_as_dbm() -> None:
    assert net.csq_dbm((0, 0)) == -113 and net.csq_dbm((31, 0)) == -51 and net.csq_dbm((99, 99)) is None
    assert net.cesq_dbm((99, 99, 255, 255, 20, 61)) == -80 and net.cesq_dbm((99, 99, 255, 255, 255, 255)) is None
    assert net.cereg(("x",), answer=False) is None


async def test_answers_fill_the_network_view() -> None:
    session, _, state = await model(ANSWERS)
    for line in ANSWERS:
        await session.send(line)
    n = state.network
    assert (n.imei, n.imsi, n.iccid, n.ip) == ("866971030603068", "460111174590523", "89860316244593936587",
                                               "10.110.2.8")
    assert n.registration == net.Registration(1, "5A1E", "0C7BC541") and n.registration.text == "registered, home"
    assert (n.rssi_dbm, n.rsrp_dbm, n.rrc_connected, n.psm_enabled) == (-63, -80, False, True)
    assert not n.unanswered


async def test_urcs_keep_it_current_even_inside_another_reply() -> None:
    session, transport, state = await model({"AT+QLASTATUS?": [frame("+CSCON: 1", "+QLASTATUS: 0", "OK")]})
    transport.emit(frame("+CEREG: 2", '+QNBIOTEVENT: "ENTER PSM"', "+IP: 10.0.0.9"))
    n = state.network
    assert n.registration is not None and n.registration.text == "searching"
    assert n.in_psm and n.ip == "10.0.0.9"
    await session.send("AT+QLASTATUS?")
    assert n.rrc_connected is True and state.status == 0


async def test_error_answers_are_remembered_as_unanswered() -> None:
    session, _, state = await model({"AT+QCCID": [frame("ERROR")], "AT+CGSN=0": [frame("+CGSN: 123", "OK")]})
    await session.send("AT+QCCID")
    await session.send("AT+CGSN=0")  # the serial number, not the IMEI
    assert state.network.unanswered == {"iccid"} and state.network.imei is None
