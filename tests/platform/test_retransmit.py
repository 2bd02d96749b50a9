"""The platform's retransmission of requests to devices (``Platform(retransmit=…)``, ``--retransmit``): a
request not acknowledged is sent again ``max_retransmit`` times, the first wait ``ack_timeout``, then
doubling; its Block2 follow-ups go the same way."""

from __future__ import annotations

import asyncio

import pytest
from aiocoap import Code, Message
from aiocoap.optiontypes import BlockOption

from qlaterm.lwm2m.transport import RetransmitTuning
from qlaterm.platform import blocks
from qlaterm.platform.cli import build_parser
from qlaterm.platform.model import RequestFailed
from qlaterm.platform.server import Platform
from tests.platform.rawdevice import raw_device


async def test_a_request_lost_six_times_is_answered_on_its_seventh_transmission() -> None:
    async with Platform(port=0, retransmit=RetransmitTuning(0.02, 6)) as platform, \
            raw_device(platform.port, "lossy") as device:
        await device.register()
        task = asyncio.create_task(platform.read("lossy", "/3/0/0", timeout=10))
        lost = [await device.receive() for _ in range(6)]
        seventh = await device.receive()
        assert {m.mid for m in lost} == {seventh.mid}
        device.answer(seventh, payload=b"Quectel", content_format=0)
        assert (await task).value == "Quectel"

async def test_a_request_is_given_up_after_max_retransmit_retransmissions() -> None:
    async with Platform(port=0, retransmit=RetransmitTuning(0.01, 2)) as platform, \
            raw_device(platform.port, "silent") as device:
        await device.register()
        with pytest.raises(RequestFailed):
            await platform.read("silent", "/3/0/0", timeout=10)
        sent = [r for r in platform.coap_log if r.direction == "out" and r.path == "/3/0/0"]
        assert len(sent) == 3

def test_block2_follow_ups_keep_the_request_s_retransmission() -> None:
    tuning = RetransmitTuning(0.5, 9)
    request = Message(code=Code.GET, uri_path=("3", "0"), transport_tuning=tuning)
    follow_up = blocks.follow_up(request, BlockOption.BlockwiseTuple(1, False, 6))
    assert follow_up.transport_tuning is tuning

def test_the_command_line_sets_the_retransmission() -> None:
    options = build_parser().parse_args(["--retransmit", "0.5,8"])
    assert (options.retransmit.ACK_TIMEOUT, options.retransmit.MAX_RETRANSMIT) == (0.5, 8)
    assert build_parser().parse_args([]).retransmit is None
    for wrong in ("0,4", "2", "2,-1", "x,4", "2,21"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["--retransmit", wrong])
