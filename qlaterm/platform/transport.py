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
import weakref
from collections.abc import Mapping
from typing import Any

from aiocoap import EMPTY, NON, RST, Context, Message
from aiocoap.tokenmanager import TokenManager

from qlaterm.lwm2m.coap import (
    CheckedUDP6,
    CheckingMessageManager,
    Malformed,
    append_transport,
    bound_port,
    new_context,
    open_udp,
)
from qlaterm.lwm2m.dtls import create_dtls_endpoint
from qlaterm.platform.coaplog import CoapLog

log = logging.getLogger(__name__)


class LoggingMessageManager(CheckingMessageManager):
    """A MessageManager that reports every incoming and outgoing message to the CoAP log, and the
    malformed datagrams as often as they are logged (at most one record per kind a second)."""

    def __init__(self, token_manager: TokenManager, coap_log: CoapLog) -> None:
        super().__init__(token_manager)
        self._coap_log = coap_log
        # The message of each running exchange, so that abandoning an old request never ends a newer
        # exchange that reuses its message ID.
        self._exchange_messages: weakref.WeakValueDictionary[tuple[Any, int], Message] = weakref.WeakValueDictionary()

    def _add_exchange(self, message: Message, messageerror_monitor: Any) -> None:
        super()._add_exchange(message, messageerror_monitor)
        self._exchange_messages[(message.remote, message.mid)] = message

    def abandon(self, message: Message) -> None:
        """Stop retransmitting ``message``, a confirmable request nobody waits for any more (RFC 7252
        section 4.2 lets a sender give up), and send the next request held for its peer (NSTART 1).
        A message that was ACKed or RSTed already is left alone."""
        backlog = self._backlogs.get(message.remote, [])
        for held in backlog:
            if held[0] is message:
                backlog.remove(held)
                return
        key = (message.remote, message.mid)
        if self._active_exchanges is None or key not in self._active_exchanges:
            return
        if key not in self._exchange_messages or self._exchange_messages[key] is not message:
            return
        del self._exchange_messages[key]
        _monitor, next_retransmission = self._active_exchanges.pop(key)
        next_retransmission.cancel()
        self._continue_backlog(message.remote)

    def dispatch_message(self, message: Message) -> None:
        self._coap_log.record("in", message)
        super().dispatch_message(message)

    def _send_via_transport(self, message: Message) -> None:
        self._coap_log.record("out", message)
        super()._send_via_transport(message)

    def malformed(self, malformed: Malformed) -> None:
        suppressed = self.malformed_log.report(malformed)
        if suppressed is not None:
            self._coap_log.record_malformed(malformed, suppressed)

    def _process_response(self, response: Message) -> bool:
        matched = super()._process_response(response)
        if not matched and response.mtype == NON and not response.remote.is_multicast_locally:
            # aiocoap only rejects unmatched CON responses; an unmatched NON notification means the
            # device still observes something the platform forgot (replaced, platform restarted), and
            # RST is what ends that observation on the device (RFC 7641 section 3.6).
            self.reject(response.remote, response.mid)
        return matched

    def reject(self, remote: Any, mid: int) -> None:
        """Send RST for a message that could not be processed (RFC 7252 section 4.2)."""
        rst = Message(_mtype=RST, _mid=mid, code=EMPTY, payload=b"")
        rst.remote = remote
        self._send_via_transport(rst)


class ForcedTokenManager(TokenManager):
    """A TokenManager that can send a request with a token chosen by the caller, and that stops
    retransmitting a request once nobody waits for its answer.

    Cancelling an observation with a GET carrying Observe=1 must reuse the observation's token
    (RFC 7641 section 3.6); aiocoap always draws a fresh one, so the platform marks such a request
    with `forced_token` and this manager honours it.

    aiocoap keeps retransmitting a confirmable request whose response future was cancelled (a
    timeout) until MAX_RETRANSMIT is spent, and with NSTART 1 every later request to that device
    waits behind it; here the end of interest in a request also ends its exchange.
    """

    _forced: bytes | None = None

    def next_token(self) -> bytes:
        forced, self._forced = self._forced, None
        return forced if forced is not None else super().next_token()

    def request(self, request: Any) -> None:
        message = request.request
        if isinstance(self.token_interface, LoggingMessageManager):
            # called with the message once its ID is drawn: at the response, a cancel or a failure
            request.on_interest_end(functools.partial(self.token_interface.abandon, message))
        self._forced = getattr(message, "forced_token", None)
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
            functools.partial(_open_udp, ctx=ctx, bind=(host, port)),
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
        except OSError as exc:
            await ctx.shutdown()
            if port:
                busy = f"UDP port {host}:{udp_port + 1} (DTLS, the port after {port}) is in use"
                raise OSError(exc.errno, busy) from exc
            continue
        return ctx, udp_port
    raise OSError(f"no free pair of UDP ports on {host}")


_PORT_PAIR_ATTEMPTS = 20


async def _open_udp(mman: LoggingMessageManager, *, ctx: Context, bind: tuple[str, int]) -> CheckedUDP6:
    return await open_udp(CheckedUDP6, mman, bind=bind, log=ctx.log, loop=ctx.loop)


def _ensure_port_free(host: str, port: int) -> None:
    """Fail loudly when host:port is taken.

    aiocoap binds with SO_REUSEPORT, so a second server on the same port would start silently and
    receive only part of the traffic; a probe bind without that option catches it.
    """
    infos = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_DGRAM, 0, socket.AI_V4MAPPED)
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        try:
            probe.bind(infos[0][4])
        except OSError as exc:
            raise OSError(exc.errno, f"UDP port {host}:{port} is in use") from exc
