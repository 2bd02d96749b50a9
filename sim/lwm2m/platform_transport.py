"""How the platform's aiocoap Context is put together: the one place that knows about sockets.

One Context serves the LwM2M interfaces and sends device-management requests from the same bound
port, so a device sees requests coming from the server address it registered with. The stack is
built by hand (TokenManager -> MessageManager -> transport) rather than with
`Context.create_server_context`, because the platform needs a hook on every datagram in and out
(the CoAP log, retransmissions included) and because a DTLS-PSK transport on port+1 gets appended
here later in exactly the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiocoap import Context, Message
from aiocoap.messagemanager import MessageManager
from aiocoap.tokenmanager import TokenManager
from aiocoap.transports.udp6 import MessageInterfaceUDP6

from .platform_coaplog import CoapLog

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


class ForcedTokenManager(TokenManager):
    """A TokenManager that can send a request with a token chosen by the caller.

    Cancelling an observation with a GET carrying Observe=1 must reuse the observation's token
    (RFC 7641 section 3.6); aiocoap always draws a fresh one, so the platform marks such a request
    with `forced_token` and this manager honours it.
    """

    def request(self, request: Any) -> None:
        forced = getattr(request.request, "forced_token", None)
        if forced is None:
            super().request(request)
            return
        original = self.next_token
        self.next_token = lambda: forced  # type: ignore[method-assign]
        try:
            super().request(request)
        finally:
            self.next_token = original  # type: ignore[method-assign]


async def create_context(
    site: Any,
    *,
    host: str,
    port: int,
    coap_log: CoapLog,
    psk_store: Mapping[str, bytes] | None = None,
) -> tuple[Context, int]:
    """Bind the platform's Context on host:port (0 = any free port); returns it and the bound port.

    `psk_store` is accepted for the coaps transport on port+1; plain UDP is the only transport
    set up today.
    """
    ctx = Context(serversite=site, loggername="qlaterm.platform.coap")
    tman = ForcedTokenManager(ctx)
    mman = LoggingMessageManager(tman, coap_log)
    transport = await MessageInterfaceUDP6.create_server_transport_endpoint(
        mman, log=ctx.log, loop=ctx.loop, bind=(host, port), multicast=[]
    )
    mman.message_interface = transport
    tman.token_interface = mman
    ctx.request_interfaces.append(tman)
    bound_port = transport.transport.get_extra_info("socket").getsockname()[1]
    return ctx, int(bound_port)
