"""Blockwise transfers (RFC 7959) on the module's server side.

A terminal can answer a read in several ``AT+QLARDRSP`` parts, and an instance-level read collects
several resources, so an answer can outgrow one datagram. The module then sends the first Block2 piece
and serves the later pieces from memory, without asking the terminal again: the ``+QLAURC: "read"`` is
printed once, however many pieces the server fetches. A notification too big for one datagram is cut
the same way; the server fetches its remaining pieces with GETs that carry the observation's key.
Writes the server sends in Block1 pieces are put together before the module sees them.

aiocoap's own :class:`aiocoap.blockwise.Block2Cache` only works for answers produced inside the request
handler; the module's answers arrive later (from an AT command) and must go out the moment they do, so
this keeps aiocoap's key, timeout and cutting, and stores answers synchronously.
"""

from __future__ import annotations

from aiocoap import Message, error
from aiocoap import blockwise as aiocoap_blockwise
from aiocoap.blockwise import _extract_block_key
from aiocoap.numbers import TransportTuning
from aiocoap.numbers.codes import Code
from aiocoap.util.asyncio.timeoutdict import TimeoutDict


class Block1Spool(aiocoap_blockwise.Block1Spool):  # type: ignore[misc]  # aiocoap ships no type information
    """aiocoap's assembly of Block1 pieces, with a piece out of sequence (a gap, an overlap, a repeat
    of an earlier piece) answered 4.08 Request Entity Incomplete as RFC 7959 section 2.3 asks instead of
    escaping as an error (5.00).  The pieces received so far stay: the peer may still send the one that
    comes next."""

    def feed_and_take(self, req: Message) -> Message:
        try:
            return super().feed_and_take(req)
        except ValueError:
            raise aiocoap_blockwise.IncompleteException from None


class BlockwiseAnswers:
    """Whole requests out of Block1 pieces, and Block2 pieces out of whole answers."""

    def __init__(self) -> None:
        # Kept as long as a peer can take to ask for the next piece, as aiocoap does.
        self._answers: TimeoutDict[object, Message] = TimeoutDict(TransportTuning().MAX_TRANSMIT_WAIT)
        self._requests = Block1Spool()

    def assemble(self, request: Message) -> Message:
        """The whole request once its last Block1 piece is in (a request without Block1 as it is).
        Raises aiocoap's ``ConstructionRenderableError`` subclasses otherwise: 2.31 Continue for a piece
        that is not the last, 4.08 for a piece that belongs to nothing; answer with ``to_message()``."""
        return self._requests.feed_and_take(request)

    def later_block(self, request: Message) -> Message | None:
        """The answer to a request for a later Block2 piece (number > 0), from the stored answer; None
        when ``request`` is not one, so that it is handled as a new request."""
        block2 = request.opt.block2
        if block2 is None or block2.block_number == 0:
            return None
        try:
            answer = self._answers[_extract_block_key(request)]
        except KeyError:  # never given, or kept longer than a peer may take
            return Message(code=Code.REQUEST_ENTITY_INCOMPLETE)
        try:
            return answer._extract_block(
                block2.block_number, block2.size_exponent, request.remote.maximum_payload_size
            )
        except error.BadRequest:
            return Message(code=Code.BAD_REQUEST)

    def first_block(self, request: Message, answer: Message) -> Message:
        """``answer`` to ``request`` as it goes on the wire: whole if it fits the block size the peer
        allows, otherwise its first Block2 piece (the whole answer is kept for the rest)."""
        remote = request.remote
        block2 = request.opt.block2
        size_exp = remote.maximum_block_size_exp if block2 is None else min(
            block2.size_exponent, remote.maximum_block_size_exp
        )
        limit = remote.maximum_payload_size if block2 is None else 2 ** (size_exp + 4)
        if len(answer.payload) <= limit:
            return answer
        self._answers[_extract_block_key(request)] = answer
        return answer._extract_block(0, size_exp, remote.maximum_payload_size)
