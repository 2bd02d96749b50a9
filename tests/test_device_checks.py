"""Checks that know the device: what the model makes of a well-formed line before it is sent."""

from __future__ import annotations

from qlaterm.at.check import Checked, check_line
from qlaterm.state import REQUEST_TIMEOUT, DeviceState
from tests.scripted import frame
from tests.test_state import model


def objection(state: DeviceState, line: str) -> str | None:
    verdict = check_line(line)
    assert isinstance(verdict, Checked), verdict
    return state.objection(verdict)


async def test_answers_to_message_ids_unknown_answered_or_expired_are_explained() -> None:
    session, transport, state = await model({'AT+QLARDRSP=100,1,19,0,0,1,2,"hi",0': [frame("OK")]})
    transport.emit(frame('+QLAURC: "read",100,19,0,0', '+QLAURC: "write",101,19,0,1,2,1,"01",0'))
    transport.emit(frame('+QLAURC: "read",102,19,0,0'))
    assert objection(state, 'AT+QLARDRSP=100,1,19,0,0,1,2,"hi",0') is None
    assert objection(state, "AT+QLARDRSP=7,1,19,0,0,1,2,\"hi\",0") == (
        "no server request with message ID 7 is waiting (waiting: 100, 101, 102)")
    assert objection(state, "AT+QLAWRRSP=100,2") == "message ID 100 is a read /19/0/0 request: AT+QLARDRSP answers it"
    await session.send('AT+QLARDRSP=100,1,19,0,0,1,2,"hi",0')
    assert objection(state, 'AT+QLARDRSP=100,1,19,0,0,1,2,"hi",0') == "message ID 100 was answered already"
    state.expire_requests(now=state.requests[102].received + REQUEST_TIMEOUT)
    assert objection(state, "AT+QLAWRRSP=101,2") == (
        "message ID 101 was expired (the module answered 5.03 after 60 s)")


async def test_registration_notify_observation_objects_and_platform() -> None:
    script = {"AT+QLASTATUS?": [frame("+QLASTATUS: 0", "OK")],
              "AT+QLACFG?": [frame('+QLACFG: "platform",0', "OK")],
              "AT+QLAADDOBJ?": [frame("+QLAADDOBJ: 19,0,1,0", "OK")]}
    session, transport, state = await model(script)
    assert objection(state, "AT+QLADEREG") is None  # nothing known yet: nothing to object to
    for line in script:
        await session.send(line)
    not_registered = "the module is not registered (status 0: not registered)"
    assert objection(state, "AT+QLADEREG").startswith(not_registered)  # type: ignore[union-attr]
    assert objection(state, "AT+QLAUPDATE=0,600").startswith(not_registered)  # type: ignore[union-attr]
    assert objection(state, "AT+QLAREG") is None
    assert objection(state, "AT+QLAADDOBJ=19,0,1,0") == (
        "instance /19/0 exists already: AT+QLADELOBJ=19 deletes the object first")
    assert objection(state, "AT+QLAADDOBJ=19,1,1,0") is None
    transport.emit(frame("+QLAREG: 0"))
    assert objection(state, "AT+QLAREG") == (
        "the module is registered already (status 2): AT+QLAREG is refused; F5 sends an Update")
    assert objection(state, "AT+QLANOTIFY=19,0,0,1,2,\"hi\",0,0") == (
        "the server observes nothing that covers /19/0/0: there is nobody to notify")
    state.observed.add((19, 0, -1))
    assert objection(state, "AT+QLANOTIFY=19,0,0,1,2,\"hi\",0,0") is None
    assert objection(state, 'AT+QLASENDDATA=1,2,"hi",0') == (
        'AT+QLASENDDATA is for AndLink (QLACFG "platform" 2); this module\'s platform is 0')


async def test_any_command_while_the_module_sleeps() -> None:
    _, transport, state = await model({})
    transport.emit(frame('+QNBIOTEVENT: "ENTER PSM"'))
    assert state.asleep
    assert objection(state, "AT").startswith("the module is in power saving")  # type: ignore[union-attr]
    transport.emit(frame('+QNBIOTEVENT: "EXIT PSM"'))
    assert objection(state, "AT") is None
    state.deep_sleep = True
    assert objection(state, "AT") == "the module is in deep sleep: it answers nothing until it is woken"
