"""The later Block2 pieces of a device's answer, as the platform asks for them: a raw device answers the
first request with piece 0 of 2 and the test looks at the follow-up request option by option."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiocoap import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.optionnumbers import OptionNumber
from aiocoap.numbers.types import NON
from aiocoap.optiontypes import BlockOption

from qlaterm.lwm2m.formats import ContentFormat
from qlaterm.platform.model import RequestFailed
from qlaterm.platform.server import Platform
from tests.platform.rawdevice import RawDevice, raw_device

TLV, TEXT, SENML = int(ContentFormat.TLV), int(ContentFormat.TEXT), int(ContentFormat.SENML_JSON)
FIRST, LAST = b"A" * 16, b"BBB"


def piece(number: int, more: bool) -> BlockOption.BlockwiseTuple:
    return BlockOption.BlockwiseTuple(number, more, 0)  # 16-byte pieces


def options(message: Message) -> list[OptionNumber]:
    return sorted({option.number for option in message.opt.option_list()})


@pytest.fixture
async def device(platform: Platform) -> AsyncIterator[RawDevice]:
    async with raw_device(platform.port) as dev:
        await dev.register()
        yield dev


async def test_a_read_follow_up_repeats_path_and_accept_and_nothing_else(platform: Platform, device: RawDevice) -> None:
    read = asyncio.create_task(platform.read(device.endpoint, "/3/0", accept=TLV))
    first = await device.receive()
    device.answer(first, payload=FIRST, content_format=TLV, block2=piece(0, True))

    follow_up = await device.receive()
    assert follow_up.code == Code.GET and not follow_up.payload
    assert follow_up.opt.uri_path == ("3", "0") and follow_up.opt.accept == TLV
    assert follow_up.opt.block2 == piece(1, False)
    assert options(follow_up) == [OptionNumber.URI_PATH, OptionNumber.ACCEPT, OptionNumber.BLOCK2]
    device.answer(follow_up, payload=LAST, content_format=TLV, block2=piece(1, False))

    result = await read
    assert result.ok and result.payload == FIRST + LAST and result.content_format == TLV


async def test_a_follow_up_of_an_execute_carries_no_content_format(platform: Platform, device: RawDevice) -> None:
    execute = asyncio.create_task(platform.execute(device.endpoint, "/19/0/0", "reason=1"))
    first = await device.receive()
    assert first.opt.content_format == TEXT and first.payload == b"reason=1"
    device.answer(first, code=Code.CHANGED, payload=FIRST, content_format=TEXT, block2=piece(0, True))

    follow_up = await device.receive()
    assert follow_up.code == Code.POST and not follow_up.payload
    assert options(follow_up) == [OptionNumber.URI_PATH, OptionNumber.BLOCK2]
    device.answer(follow_up, code=Code.CHANGED, payload=LAST, content_format=TEXT, block2=piece(1, False))

    assert (await execute).payload == FIRST + LAST


async def test_a_notification_follow_up_is_a_plain_get_with_the_observation_accept(
    platform: Platform, device: RawDevice
) -> None:
    observe = asyncio.create_task(platform.observe(device.endpoint, "/19/0/0", accept=SENML))
    request = await device.receive()
    assert request.opt.observe == 0 and request.opt.accept == SENML
    device.answer(request, payload=b"[]", content_format=SENML, observe=1)
    observation = await observe

    notification = Message(code=Code.CONTENT, payload=FIRST)
    notification.opt.observe, notification.opt.content_format, notification.opt.block2 = 2, SENML, piece(0, True)
    device.send(notification, NON, token=request.token)
    follow_up = await device.receive()
    assert follow_up.code == Code.GET and follow_up.opt.observe is None and follow_up.opt.accept == SENML
    assert options(follow_up) == [OptionNumber.URI_PATH, OptionNumber.ACCEPT, OptionNumber.BLOCK2]
    device.answer(follow_up, payload=LAST, content_format=SENML, block2=piece(1, False))

    note = await observation.next(timeout=5)
    assert note.result.payload == FIRST + LAST


async def test_pieces_in_different_formats_fail_the_read(platform: Platform, device: RawDevice) -> None:
    read = asyncio.create_task(platform.read(device.endpoint, "/3/0"))
    first = await device.receive()
    device.answer(first, payload=FIRST, content_format=TLV, block2=piece(0, True))
    follow_up = await device.receive()
    device.answer(follow_up, payload=LAST, content_format=SENML, block2=piece(1, False))

    with pytest.raises(RequestFailed, match="piece 1 came as content-format 110, piece 0 as 11542"):
        await read


async def test_an_error_answer_to_a_follow_up_is_the_result(platform: Platform, device: RawDevice) -> None:
    read = asyncio.create_task(platform.read(device.endpoint, "/3/0", accept=TLV))
    first = await device.receive()
    device.answer(first, payload=FIRST, content_format=TLV, block2=piece(0, True))
    device.answer(await device.receive(), code=Code.BAD_OPTION)

    assert (await read).code == Code.BAD_OPTION
