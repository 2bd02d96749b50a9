"""Buffer mode (QLACFG "access_mode",1): drained requests are aged from when the console first learned of
them, expire 60 s after that, and the count of waiting entries follows every answer that tells it."""

from __future__ import annotations

from qlaterm.at.catalogue import URC_BUFFER_CAPACITY
from qlaterm.link.session import Session
from qlaterm.state import REQUEST_TIMEOUT, DeviceState
from tests.scripted import Scripted, frame


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def buffered(script: dict[str, list[bytes]]) -> tuple[Session, Scripted, DeviceState, Clock]:
    clock = Clock()
    transport = Scripted(script)
    session = Session(transport, timeout=0.5, clock=clock)
    state = DeviceState(clock=clock)
    session.subscribe(state.apply)
    await session.open()
    return session, transport, state, clock


async def test_a_drained_request_is_as_old_as_the_buffer_urc_that_announced_it() -> None:
    session, transport, state, clock = await buffered({"AT+QLARD": [frame('+QLARD: 0,"read",7,19,0,0', "OK")]})
    transport.emit(frame('+QLAURC: "buffer"'))
    clock.now += 51
    await session.send("AT+QLARD")
    request = state.requests[7]
    assert request.buffered and round(request.age(state.now())) == 51
    assert state.buffer_count == 0


async def test_a_request_drained_after_60_s_is_expired_at_once() -> None:
    session, transport, state, clock = await buffered({"AT+QLARD": [frame('+QLARD: 0,"read",7,19,0,0', "OK")]})
    transport.emit(frame('+QLAURC: "buffer"'))
    clock.now += REQUEST_TIMEOUT + 5
    await session.send("AT+QLARD")
    assert [r.mid for r in state.expire_requests()] == [7]  # the module answered 5.03 while it waited
    assert 7 not in state.requests


async def test_the_expiry_counts_from_the_announcement_not_from_the_drain() -> None:
    session, transport, state, clock = await buffered({"AT+QLARD": [frame('+QLARD: 0,"read",7,19,0,0', "OK")]})
    transport.emit(frame('+QLAURC: "buffer"'))
    announced = clock.now
    clock.now += 20
    await session.send("AT+QLARD")
    assert state.expire_requests(announced + REQUEST_TIMEOUT - 1) == []
    assert [r.mid for r in state.expire_requests(announced + REQUEST_TIMEOUT)] == [7]


async def test_entries_that_join_a_non_empty_buffer_date_from_the_count_that_showed_them() -> None:
    script = {
        "AT+QLARD?": [frame("+QLARD: 3", "OK")],
        "AT+QLARD": [frame('+QLARD: 2,"read",7,19,0,0', '+QLARD: 1,"read",8,19,0,1', "OK")],
    }
    session, transport, state, clock = await buffered(script)
    transport.emit(frame('+QLAURC: "buffer"'))
    first = clock.now
    clock.now += 10
    await session.send("AT+QLARD?")
    counted = clock.now
    assert state.buffer_count == 3
    clock.now += 30
    await session.send("AT+QLARD")
    assert state.requests[7].received == first and state.requests[8].received == counted
    assert state.buffer_count == 1
    assert state.buffer.refused(first + REQUEST_TIMEOUT + 10) == 1  # the third waits since the count


async def test_a_full_buffer_is_known_from_the_count() -> None:
    session, _, state, _ = await buffered({"AT+QLARD?": [frame(f"+QLARD: {URC_BUFFER_CAPACITY}", "OK")]})
    assert not state.buffer.full
    await session.send("AT+QLARD?")
    assert state.buffer.full and state.buffer_count == URC_BUFFER_CAPACITY
