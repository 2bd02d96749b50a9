"""The CoAP stack under both ends of the wire: an aiocoap Context with one layer chain per socket.

aiocoap layers each socket as ``TokenManager`` → ``MessageManager`` → transport (``Context``'s own
``_append_tokenmanaged_messagemanaged_transport``).  The module and the platform both need their own
layers in that chain — a message manager that reports acknowledgements and timeouts per exchange, or
logs every datagram; a token manager that can reuse a token; transports that bind without
SO_REUSEPORT or check framing — so the chain is built here, the one place that wires aiocoap's layers
together, and every socket of the simulator and the platform (plain UDP and DTLS-PSK) goes through
:func:`append_transport`.

Every datagram that comes in, over plain UDP or out of a DTLS record, goes through :func:`receive`:
a message with a format error (RFC 7252 sections 3, 4.2 and 4.3: a reserved token length, a payload
marker without payload, a reserved option delta or length, truncated options, a code that does not fit
the message type) is rejected with RST when it is Confirmable and dropped otherwise; a request whose
Uri-Path or Uri-Query is not UTF-8 gets 4.00.  None of those reaches aiocoap's message layer, so none
of them is remembered for deduplication, and each kind is logged at most once a second
(:class:`MalformedLog`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from aiocoap import Message
from aiocoap.error import UnparsableMessage
from aiocoap.interfaces import EndpointAddress
from aiocoap.messagemanager import MessageManager
from aiocoap.numbers.codes import BAD_REQUEST, EMPTY
from aiocoap.numbers.types import ACK, NON, RST
from aiocoap.protocol import Context
from aiocoap.tokenmanager import TokenManager
from aiocoap.transports.udp6 import MessageInterfaceUDP6, UDP6EndpointAddress

__all__ = [
    "BUILT_FOR_AIOCOAP",
    "CheckedUDP6",
    "CheckingMessageManager",
    "Malformed",
    "MalformedLog",
    "Stack",
    "append_transport",
    "bound_port",
    "format_error",
    "new_context",
    "open_udp",
    "receive",
    "transport_of",
    "transports",
]

BUILT_FOR_AIOCOAP = "0.4.17"
"""The aiocoap release whose private layer methods the project's subclasses override (guarded by a test)."""

M = TypeVar("M", bound=MessageManager)
T = TypeVar("T")
U = TypeVar("U", bound=MessageInterfaceUDP6)


def new_context(site: Any, loggername: str) -> Context:
    """An empty Context whose incoming requests ``site`` renders; sockets are added with
    :func:`append_transport`."""
    return Context(serversite=site, loggername=loggername)


@dataclass(frozen=True)
class Stack(Generic[M, T]):
    """The layers above one socket, as appended to a Context."""

    tman: TokenManager
    mman: M
    transport: T


async def append_transport(
    ctx: Context,
    make_transport: Callable[[M], Awaitable[T]],
    *,
    message_manager: Callable[[TokenManager], M],
    token_manager: Callable[[Context], TokenManager] = TokenManager,
) -> Stack[M, T]:
    """Build ``token_manager`` → ``message_manager`` → ``make_transport(mman)`` and append the chain to
    ``ctx``, so that requests to the transport's scheme go out through it and its incoming requests reach
    the Context's site.  An error binding the transport leaves ``ctx`` as it was."""
    tman = token_manager(ctx)
    mman = message_manager(tman)
    transport = await make_transport(mman)
    mman.message_interface = transport
    tman.token_interface = mman
    ctx.request_interfaces.append(tman)
    return Stack(tman, mman, transport)


async def open_udp(
    kind: type[U], mman: MessageManager, *, bind: tuple[str, int], log: logging.Logger, loop: asyncio.AbstractEventLoop
) -> U:
    """A udp6 transport of class ``kind`` bound to ``bind`` (the ``make_transport`` of plain CoAP)."""
    transport: U = await kind.create_server_transport_endpoint(mman, log=log, loop=loop, bind=bind, multicast=[])
    return transport


def transports(ctx: Context) -> Iterator[object]:
    """The transports appended to ``ctx``, in order."""
    for request_interface in ctx.request_interfaces:
        transport = getattr(getattr(request_interface, "token_interface", None), "message_interface", None)
        if transport is not None:
            yield transport


def transport_of(ctx: Context, kind: type[T]) -> T | None:
    """The first transport of class ``kind`` appended to ``ctx``, if any."""
    for transport in transports(ctx):
        if isinstance(transport, kind):
            return transport
    return None


def bound_port(transport: MessageInterfaceUDP6) -> int:
    """The local UDP port a udp6 transport is bound to."""
    return int(transport.transport.get_extra_info("socket").getsockname()[1])


# ------------------------------------------------------------------------------ malformed datagrams

Reply = Literal["RST", "4.00"]


@dataclass(frozen=True)
class Malformed:
    """A datagram that is not a CoAP message the stack can process, and what was answered to it."""

    kind: str  # one of a few words: what is rate-limited together
    detail: str  # the exact problem, for the log
    remote: EndpointAddress
    data: bytes
    reply: Reply | None

    def describe(self) -> str:
        answer = f", answered {self.reply}" if self.reply else ", dropped"
        return f"{self.detail} ({len(self.data)} bytes){answer}"


def format_error(data: bytes) -> tuple[str, str] | None:
    """(kind, detail) of a CoAP message format error in ``data``, or None when its framing is sound.

    aiocoap's decoder is lenient: it takes token lengths 9-15, short tokens, Empty messages with content
    and a payload marker with nothing after it. RFC 7252 calls all of those format errors (sections 3,
    3.1, 4.1-4.3), as it does a request carried in an ACK or a RST with a code.
    """
    if len(data) < 4:
        return "header", "shorter than a CoAP header"
    if data[0] >> 6 != 1:
        return "header", f"CoAP version {data[0] >> 6}"
    mtype = (data[0] >> 4) & 0x03
    tkl = data[0] & 0x0F
    if tkl > 8:
        return "token", f"reserved token length {tkl}"
    if len(data) < 4 + tkl:
        return "token", "token shorter than its length field"
    code = data[1]
    if code == 0 and len(data) > 4:
        return "empty", "Empty message with a token, options or payload"
    if code >> 5 in (1, 6, 7):
        return "code", f"reserved code class {code >> 5}"
    if mtype == 3 and code != 0:
        return "code", "RST that is not Empty"
    if mtype == 1 and code == 0:
        return "code", "Empty non-confirmable message"
    if mtype == 2 and 1 <= code < 32:
        return "code", "ACK carrying a request"
    return _option_error(data, 4 + tkl)


def _option_error(data: bytes, pos: int) -> tuple[str, str] | None:
    """The first framing error in the options starting at ``pos`` (RFC 7252 section 3.1)."""
    number = 0
    while pos < len(data):
        if data[pos] == 0xFF:
            if pos == len(data) - 1:
                return "payload marker", "payload marker without payload"
            return None
        fields = [data[pos] >> 4, data[pos] & 0x0F]
        pos += 1
        for index, nibble in enumerate(fields):
            if nibble == 15:
                return "options", "reserved option " + ("delta" if index == 0 else "length") + " 15"
            extra = {13: 1, 14: 2}.get(nibble, 0)
            if pos + extra > len(data):
                return "options", "option header cut short"
            if extra:
                fields[index] = int.from_bytes(data[pos : pos + extra], "big") + (13 if extra == 1 else 269)
            pos += extra
        number += fields[0]
        if number > 0xFFFF:
            return "options", f"option number {number} out of range"
        pos += fields[1]
        if pos > len(data):
            return "options", "option value cut short"
    return None


class MalformedLog:
    """At most one log line per kind of malformed datagram per ``interval`` seconds; the datagrams in
    between are counted, and the next line says how many there were."""

    def __init__(self, log: logging.Logger, *, interval: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self._log = log
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def admit(self, kind: str) -> int | None:
        """None when a line of ``kind`` was logged less than ``interval`` ago (this one is counted);
        otherwise the number of datagrams of that kind not logged since the last line."""
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return None
        self._last[kind] = now
        return self._suppressed.pop(kind, 0)

    def report(self, malformed: Malformed) -> int | None:
        """Log ``malformed`` unless its kind was logged within the interval; returns what :meth:`admit` did."""
        suppressed = self.admit(malformed.kind)
        if suppressed is not None:
            more = f"; {suppressed} more like it since the last line" if suppressed else ""
            self._log.info("malformed CoAP from %s: %s%s", malformed.remote.hostinfo, malformed.describe(), more)
        return suppressed

    def failed(self, remote: EndpointAddress) -> None:
        """A well-formed message the stack could not process: the traceback, once per interval."""
        if self.admit("internal error") is not None:
            self._log.error("a CoAP message from %s could not be processed", remote.hostinfo, exc_info=True)


class CheckingMessageManager(MessageManager):  # type: ignore[misc]  # aiocoap ships no type information
    """aiocoap's MessageManager told about the datagrams :func:`receive` keeps from it.

    :meth:`malformed` logs them (rate-limited); a subclass may show them elsewhere too."""

    def __init__(self, token_manager: TokenManager) -> None:
        super().__init__(token_manager)
        self.malformed_log = MalformedLog(self.log)

    def malformed(self, malformed: Malformed) -> None:
        """A datagram that was answered with RST or 4.00, or dropped, without reaching the stack."""
        self.malformed_log.report(malformed)


def receive(mman: MessageManager, data: bytes, remote: EndpointAddress) -> None:
    """Put one incoming datagram (or decrypted DTLS record) through ``mman``, or reject it."""
    problem = format_error(data)
    message: Message | None = None
    if problem is None:
        try:
            message = Message.decode(data, remote)
        except UnicodeDecodeError:  # Uri-Path, Uri-Query, Location-* …: string options
            problem = "option value", "string option that is not UTF-8"
        except (UnparsableMessage, ValueError) as exc:
            problem = "option value", f"option value not understood ({exc})"
    if message is not None:
        try:
            mman.dispatch_message(message)
        except Exception:
            _malformed_log(mman).failed(remote)
        return
    assert problem is not None
    kind, detail = problem
    reply = _reject(mman, data, remote, kind)
    malformed = Malformed(kind, detail, remote, bytes(data), reply)
    if isinstance(mman, CheckingMessageManager):
        mman.malformed(malformed)
    else:
        _malformed_log(mman).report(malformed)


def _malformed_log(mman: MessageManager) -> MalformedLog:
    if isinstance(mman, CheckingMessageManager):
        return mman.malformed_log
    log: MalformedLog | None = getattr(mman, "_qlaterm_malformed_log", None)
    if log is None:
        log = MalformedLog(mman.log)
        mman._qlaterm_malformed_log = log  # a plain aiocoap manager gets one too
    return log


def _reject(mman: MessageManager, data: bytes, remote: EndpointAddress, kind: str) -> Reply | None:
    """Answer a datagram that cannot be processed: 4.00 for a request whose option values cannot be read
    (a NON one gets a NON answer), RST for any other Confirmable message, nothing otherwise."""
    mtype = (data[0] >> 4) & 0x03 if len(data) >= 4 and data[0] >> 6 == 1 else None
    interface = getattr(mman, "message_interface", None)
    if mtype is None or interface is None or remote.is_multicast_locally:
        return None
    mid = int.from_bytes(data[2:4], "big")
    if kind == "option value" and 1 <= data[1] < 32 and mtype in (0, 1):
        tkl = data[0] & 0x0F
        answer = Message(code=BAD_REQUEST, payload=b"option value is not valid")
        answer.mtype = ACK if mtype == 0 else NON
        answer.mid = mid if mtype == 0 else mman._next_message_id()
        answer.token = bytes(data[4 : 4 + tkl])
        answer.remote = remote.as_response_address()
        interface.send(answer)
        return "4.00"
    if mtype != 0:
        return None
    rst = Message(code=EMPTY, payload=b"")
    rst.mtype, rst.mid = RST, mid
    rst.remote = remote.as_response_address()
    interface.send(rst)
    return "RST"


class CheckedUDP6(MessageInterfaceUDP6):  # type: ignore[misc]  # aiocoap ships no type information
    """aiocoap's udp6 transport whose datagrams go through :func:`receive`."""

    def datagram_msg_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        pktinfo = None
        for level, kind, value in ancdata:
            if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                pktinfo = value
        receive(self._ctx, data, UDP6EndpointAddress(address, self, pktinfo=pktinfo))

