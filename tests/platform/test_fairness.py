"""One endpoint's registration operations cannot take the platform from the others: a client that sends
Updates without pause gets 5.03 with Max-Age past its budget, its refusals are logged once per interval,
and another device's read goes through meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import CON

from qlaterm.platform.fairness import RegistrationBudget
from qlaterm.platform.model import Updated
from qlaterm.platform.server import Platform
from tests.tinyclient import TinyClient


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_and_the_rest_wait_whole_seconds() -> None:
    clock = Clock()
    budget = RegistrationBudget(rate=2, burst=3, clock=clock)

    assert [budget.admit("a") for _ in range(4)] == [None, None, None, 1]
    assert budget.admit("b") is None  # each endpoint has its own budget
    clock.now += 0.5
    assert budget.admit("a") is None and budget.admit("a") == 1
    slow = RegistrationBudget(rate=0.25, burst=1, clock=clock)
    assert slow.admit("a") is None and slow.admit("a") == 4


def test_refusals_are_logged_once_per_endpoint_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    budget = RegistrationBudget(rate=1, burst=1, log_interval=10, clock=clock)
    caplog.set_level(logging.WARNING, "qlaterm.platform.fairness")

    for _ in range(100):
        budget.admit("flood")
        budget.admit("other")
    assert len(caplog.records) == 2 and {"flood", "other"} == {r.args[0] for r in caplog.records}  # type: ignore[index]  # the log call's arguments
    clock.now += 10
    budget.admit("flood")
    budget.admit("flood")
    assert len(caplog.records) == 3 and "(99 refused since the last such line)" in caplog.records[-1].getMessage()


def _flood(port: int, seconds: float, answers: list[Message], ready: threading.Event) -> None:
    """Register as "flood", then for `seconds` keep WINDOW Updates outstanding, sending the next one the
    moment an answer arrives: the way a client with lifetime 0 updates, only more so."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        register = Message(code=Code.POST, uri_path=("rd",), uri_query=("ep=flood", "lt=300"), payload=b"</3/0>")
        register.mtype, register.mid, register.token = CON, 1, b"\x01"
        sock.sendto(bytes(register.encode()), ("127.0.0.1", port))
        location = tuple(Message.decode(sock.recv(2048)).opt.location_path)
        ready.set()
        mids = itertools.count(2)

        def update() -> None:
            mid = next(mids)
            message = Message(code=Code.POST, uri_path=location)
            message.mtype, message.mid, message.token = CON, mid & 0xFFFF, mid.to_bytes(4, "big")
            sock.sendto(bytes(message.encode()), ("127.0.0.1", port))

        for _ in range(WINDOW):
            update()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            answers.append(Message.decode(sock.recv(2048)))
            update()


WINDOW = 8


@pytest.fixture
async def other() -> AsyncIterator[TinyClient]:
    client = TinyClient("other")
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


async def test_an_update_flood_gets_503_while_another_device_is_read_promptly(
    platform: Platform, other: TinyClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "qlaterm.platform.fairness")
    await other.register(platform.port)
    events = platform.events()
    answers: list[Message] = []
    ready = threading.Event()
    flood = threading.Thread(target=_flood, args=(platform.port, 2.0, answers, ready), daemon=True)
    started = time.monotonic()
    flood.start()
    await asyncio.to_thread(ready.wait, 5)

    latencies = []
    while flood.is_alive():
        before = time.monotonic()
        result = await platform.read("other", "/3/0/0", timeout=5)
        latencies.append(time.monotonic() - before)
        assert result.value == "ACME"
        await asyncio.sleep(0.1)
    await asyncio.to_thread(flood.join)
    elapsed = time.monotonic() - started

    assert latencies and max(latencies) < 1.0, latencies
    refused = [a for a in answers if a.code == Code.SERVICE_UNAVAILABLE]
    assert len(refused) > 100 and all(a.opt.max_age is not None and a.opt.max_age >= 1 for a in refused)
    budget = platform.registration_budget
    allowed = budget.burst + budget.rate * elapsed
    assert len(answers) - len(refused) <= allowed
    updated = [e for e in events.pending() if isinstance(e, Updated) and e.endpoint == "flood"]
    assert 1 <= len(updated) <= allowed
    assert len([r for r in caplog.records if r.args and r.args[0] == "flood"]) == 1  # type: ignore[index]  # the log call's arguments
