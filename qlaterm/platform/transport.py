"""How the platform's aiocoap Context is put together: the one place that knows about sockets.

One Context serves the LwM2M interfaces and sends device-management requests from the same bound
port, so a device sees requests coming from the server address it registered with. The stack is
built with `qlaterm.lwm2m.coap` (TokenManager -> MessageManager -> transport) rather than with
`Context.create_server_context`, because the platform needs a hook on every datagram in and out
(the CoAP log, retransmissions included), and the DTLS-PSK transport on port+1 is appended to the
same Context in exactly the same way.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Mapping
from typing import Any

from aiocoap import EMPTY, NON, RST, Context, Message
from aiocoap.messagemanager import MessageManager
from aiocoap.tokenmanager import TokenManager
from aiocoap.transports.udp6 import MessageInterfaceUDP6, UDP6EndpointAddress

from qlaterm.lwm2m.coap import append_transport, bound_port, new_context, open_udp
from qlaterm.lwm2m.dtls import create_dtls_endpoint
from qlaterm.platform.coaplog import CoapLog

log = logging.getLogger(__name__)


class LoggingMessageManager(MessageManager):
    """A MessageManager that reports every incoming and outgoing message to the CoAP log."""

    def __init__(self, token_manager: TokenManager, coap_log: CoapLog) -> None:
        super().__init__(token_manager)
        self._coap_log = coap_log

    def dispatch_message(self, message: Message) -> None:
        self._coap_log.record("in", message)
        super().dispatch_message(message)

    def _send_via_transport(self, message: Message) -> None:
        self._coap_log.record("out", message)
        super()._send_via_transport(message)

    def _process_response(self, response: Message) -> bool:
        matched = super()._process_response(response)
        if not matched and response.mtype == NON and not response.remote.is_multicast_locally:
            # aiocoap only rejects unmatched CON responses; an unmatched NON notification means the
            # device still observes something the platform forgot (replaced, platform restarted), and
            # RST is what ends that observation on the device (RFC 7641 section 3.6).
            self.reject(response.remote, response.mid)
        return matched

    def reject(self, remote: Any, mid: int) -> None:
        """Send RST for a Confirmable message that could not be processed (RFC 7252 section 4.2)."""
        rst = Message(_mtype=RST, _mid=mid, code=EMPTY, payload=b"")
        rst.remote = remote
        self._send_via_transport(rst)


def coap_format_error(data: bytes) -> str | None:
    """What makes a datagram a CoAP message format error, or None when its framing is sound.

    aiocoap's decoder is lenient (it accepts token lengths 9-15, short tokens and Empty messages
    with content); RFC 7252 sections 3 and 4.1 call those format errors, to be dropped, or rejected
    with RST when they are Confirmable. Option-level errors are still found by aiocoap's decoder.
    """
    if len(data) < 4:
        return "shorter than a CoAP header"
    if data[0] >> 6 != 1:
        return f"CoAP version {data[0] >> 6}"
    tkl = data[0] & 0x0F
    if tkl > 8:
        return f"reserved token length {tkl}"
    if len(data) < 4 + tkl:
        return "token shorter than its length field"
    code_class = data[1] >> 5
    if data[1] == 0 and len(data) > 4:
        return "Empty message with a token, options or payload"
    if code_class in (1, 6, 7):
        return f"reserved code class {code_class}"
    if _payload_marker(data, 4 + tkl) == len(data) - 1:
        return "payload marker without payload"
    return None


def _payload_marker(data: bytes, pos: int) -> int | None:
    """Offset of the payload marker after the options starting at `pos`; None if there is none
    or the options do not parse (aiocoap's decoder reports those)."""
    while pos < len(data):
        if data[pos] == 0xFF:
            return pos
        nibbles = [data[pos] >> 4, data[pos] & 0x0F]
        pos += 1
        for index, nibble in enumerate(nibbles):
            if nibble == 13:
                nibbles[index], pos = (data[pos] + 13 if pos < len(data) else 0), pos + 1
            elif nibble == 14:
                nibbles[index], pos = int.from_bytes(data[pos : pos + 2], "big") + 269, pos + 2
            elif nibble == 15:
                return None
        pos += nibbles[1]
    return None


class StrictUDP6(MessageInterfaceUDP6):
    """aiocoap's udp6 transport with the format checks aiocoap leaves out (see coap_format_error)."""

    coap_log: CoapLog | None = None

    def datagram_msg_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        problem = coap_format_error(data)
        if problem is None:
            super().datagram_msg_received(data, ancdata, flags, address)
            return
        remote = UDP6EndpointAddress(address, self)
        if self.coap_log is not None:
            self.coap_log.record_malformed(remote, data, problem)
        log.info("dropping a malformed datagram from %s: %s", remote, problem)
        is_con = len(data) >= 4 and data[0] >> 6 == 1 and (data[0] >> 4) & 0x03 == 0
        if is_con and isinstance(self._ctx, LoggingMessageManager):
            self._ctx.reject(remote, int.from_bytes(data[2:4], "big"))


class ForcedTokenManager(TokenManager):
    """A TokenManager that can send a request with a token chosen by the caller.

    Cancelling an observation with a GET carrying Observe=1 must reuse the observation's token
    (RFC 7641 section 3.6); aiocoap always draws a fresh one, so the platform marks such a request
    with `forced_token` and this manager honours it.
    """

    _forced: bytes | None = None

    def next_token(self) -> bytes:
        forced, self._forced = self._forced, None
        return forced if forced is not None else super().next_token()

    def request(self, request: Any) -> None:
        self._forced = getattr(request.request, "forced_token", None)
        try:
            super().request(request)
        finally:
            self._forced = None


async def create_context(
    site: Any,
    *,
    host: str,
    port: int,
    coap_log: CoapLog,
    psk_store: Mapping[str, bytes] | None = None,
) -> tuple[Context, int]:
    """Bind the platform's Context on host:port (0 = any free port); returns it and the bound port.

    With `psk_store` (identity -> key, read at every handshake) the Context also serves DTLS-PSK on
    port+1 (`qlaterm.lwm2m.dtls.dtls_transport_of(ctx)` gives that transport: refused identities,
    handshakes). With port 0, a port whose successor is free as well is chosen.
    """
    for _ in range(_PORT_PAIR_ATTEMPTS if psk_store is not None and not port else 1):
        ctx = new_context(site, "qlaterm.platform.coap")
        if port:
            _ensure_port_free(host, port)

        stack = await append_transport(
            ctx,
            functools.partial(_open_strict_udp, ctx=ctx, bind=(host, port), coap_log=coap_log),
            message_manager=functools.partial(LoggingMessageManager, coap_log=coap_log),
            token_manager=ForcedTokenManager,
        )
        udp_port = bound_port(stack.transport)
        if psk_store is None:
            return ctx, udp_port
        try:
            await create_dtls_endpoint(
                ctx,
                bind=(host, udp_port + 1),
                psk_store=psk_store,
                message_manager=lambda t: LoggingMessageManager(t, coap_log),
                token_manager=ForcedTokenManager,
            )
        except OSError:
            await ctx.shutdown()
            if port:
                raise
            continue
        return ctx, udp_port
    raise OSError(f"no free pair of UDP ports on {host}")


_PORT_PAIR_ATTEMPTS = 20


async def _open_strict_udp(
    mman: LoggingMessageManager, *, ctx: Context, bind: tuple[str, int], coap_log: CoapLog
) -> StrictUDP6:
    transport = await open_udp(StrictUDP6, mman, bind=bind, log=ctx.log, loop=ctx.loop)
    transport.coap_log = coap_log
    return transport


def _ensure_port_free(host: str, port: int) -> None:
    """Fail loudly when host:port is taken.

    aiocoap binds with SO_REUSEPORT, so a second server on the same port would start silently and
    receive only part of the traffic; a probe bind without that option catches it.
    """
    infos = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_DGRAM, 0, socket.AI_V4MAPPED)
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        probe.bind(infos[0][4])
