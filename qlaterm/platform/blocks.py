"""The later Block2 pieces of a device's answer (RFC 7959 section 2.4), fetched by the platform.

An answer to a read, a discover, an observation's first answer and every notification can come as the
first of several Block2 pieces. Each later piece is asked for with a request that repeats what selects
the representation, the method, Uri-Path, Uri-Query and Accept of the first request, and carries the
Block2 option it wants. Nothing else goes with it: no Observe (a later piece of a notification is a
plain GET), no payload and so no Content-Format, no Block1 or Size1. Every piece must come in the
format of the first; an answer whose pieces disagree fails instead of being put together.
"""

from __future__ import annotations

from typing import Any

from aiocoap import Message, error
from aiocoap.optiontypes import BlockOption


class MixedPieces(error.Error):
    """The device sent a later piece that does not continue the first (another format, another ETag)."""


def follow_up(request: Message, block2: Any) -> Message:
    """The request for the Block2 piece ``block2`` of the answer to ``request``."""
    message = Message(code=request.code, uri_path=tuple(request.opt.uri_path), uri_query=tuple(request.opt.uri_query))
    if request.opt.accept is not None:
        message.opt.accept = request.opt.accept
    message.opt.block2 = block2
    message.remote = request.remote
    message.transport_tuning = request.transport_tuning
    return message


async def whole(ctx: Any, request: Message, first: Message) -> Message:
    """``first``, the answer to ``request``, with its later Block2 pieces appended (asked for through
    ``ctx``); as it is when it is not the first of several pieces. A later piece answered with an error
    code (4.08, 4.02, …) is returned in place of the whole answer."""
    block2 = first.opt.block2
    if block2 is None or not block2.more:
        return first
    if block2.block_number != 0:
        raise MixedPieces(f"the first answer is piece {block2.block_number}, not piece 0")
    assembled = first.copy()
    while True:
        size_exp = assembled.opt.block2.size_exponent
        wanted = BlockOption.BlockwiseTuple(len(assembled.payload) >> (size_exp + 4), False, size_exp)
        ask = follow_up(request, wanted.reduced_to(first.remote.maximum_block_size_exp))
        ask.remote = first.remote
        piece = await ctx.request(ask, handle_blockwise=False).response
        if not piece.code.is_successful():
            return piece
        if piece.opt.block2 is None:
            raise MixedPieces("a later piece came without Block2")
        if piece.opt.content_format != first.opt.content_format:
            raise MixedPieces(
                f"piece {piece.opt.block2.block_number} came as content-format {_cf(piece)}, "
                f"piece 0 as {_cf(first)}"
            )
        assembled._append_response_block(piece)
        if not piece.opt.block2.more:
            assembled.opt.block2 = None
            return assembled


def _cf(message: Message) -> str:
    cf = message.opt.content_format
    return "none" if cf is None else str(int(cf))
