"""The CoAP stack under both ends of the wire: an aiocoap Context with one layer chain per socket.

aiocoap layers each socket as ``TokenManager`` → ``MessageManager`` → transport (``Context``'s own
``_append_tokenmanaged_messagemanaged_transport``).  The module and the platform both need their own
layers in that chain — a message manager that reports acknowledgements and timeouts per exchange, or
logs every datagram; a token manager that can reuse a token; transports that bind without
SO_REUSEPORT or check framing — so the chain is built here, the one place that wires aiocoap's layers
together, and every socket of the simulator and the platform (plain UDP and DTLS-PSK) goes through
:func:`append_transport`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiocoap.messagemanager import MessageManager
from aiocoap.protocol import Context
from aiocoap.tokenmanager import TokenManager
from aiocoap.transports.udp6 import MessageInterfaceUDP6

__all__ = [
    "BUILT_FOR_AIOCOAP",
    "Stack",
    "append_transport",
    "bound_port",
    "new_context",
    "open_udp",
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
