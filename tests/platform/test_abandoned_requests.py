"""A request the platform gave up on (its timeout passed, or its caller cancelled it) leaves the wire: no
more retransmissions, and the next request to the same device is not held behind it (NSTART 1)."""

from __future__ import annotations

import asyncio

import pytest

from qlaterm.platform.model import RequestTimeout
from qlaterm.platform.server import Platform
from tests.platform.rawdevice import raw_device

RETRANSMISSION_AFTER = 2.0  # CoAP ACK_TIMEOUT: the earliest a request that is not ACKed is sent again


async def test_a_timed_out_request_is_not_retransmitted_and_the_next_goes_at_once() -> None:
    async with Platform(port=0) as platform, raw_device(platform.port, "silent") as device:
        await device.register()
        with pytest.raises(RequestTimeout):
            await platform.read("silent", "/3/0/0", timeout=0.2)
        first = await device.receive()  # never ACKed

        second = asyncio.create_task(platform.read("silent", "/19/0/0", timeout=5))
        following = await asyncio.wait_for(device.receive(), RETRANSMISSION_AFTER * 0.75)
        assert following.mid != first.mid and tuple(following.opt.uri_path) == ("19", "0", "0")
        device.answer(following, payload=b"x", content_format=0)
        assert (await second).value == "x"
        sent_first = [r for r in platform.coap_log if r.direction == "out" and r.mid == first.mid]
        assert len(sent_first) == 1


async def test_a_cancelled_request_is_not_retransmitted() -> None:
    async with Platform(port=0) as platform, raw_device(platform.port, "silent") as device:
        await device.register()
        read = asyncio.create_task(platform.read("silent", "/3/0/0"))
        first = await device.receive()
        read.cancel()
        with pytest.raises(asyncio.CancelledError):
            await read
        second = asyncio.create_task(platform.read("silent", "/19/0/0", timeout=5))
        following = await asyncio.wait_for(device.receive(), RETRANSMISSION_AFTER * 0.75)
        assert following.mid != first.mid
        device.answer(following, payload=b"y", content_format=0)
        assert (await second).value == "y"
