"""Where the module's server addresses lead: the simulated network's name service and routes.

A module is configured with a server as its firmware prints it — an IP address or a cloud host name such
as ``lwm.home.komect.com``, and a port.  :class:`Routes` turns that into the UDP address the module's
datagrams really go to:

* a route for the host and port (``--route HOST[:PORT]=HOST:PORT``), or for the host on any port;
* with a default destination (``--route-all``, and always in ``qlaterm --sim``), every other server: NoSec
  to the destination's UDP port, DTLS to its DTLS port — so the vendor document's lines work as printed
  and a busy 5683 never sends the module to somebody else's server;
* otherwise the host as given (an entry of ``hosts`` first, a name resolved by DNS) and the port as given.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass, field

__all__ = ["Destination", "Routes", "parse_route"]


@dataclass(frozen=True, slots=True)
class Destination:
    """Where routed traffic goes: a host with a plain CoAP port and, if it has one, a DTLS port."""

    host: str
    port: int
    dtls_port: int | None = None

    def port_for(self, security_mode: int) -> int:
        """The port for a security mode (0 DTLS-PSK, 3 NoSec)."""
        if security_mode == 0 and self.dtls_port is not None:
            return self.dtls_port
        return self.port


@dataclass(frozen=True)
class Routes:
    """Host names, single routes and the default destination of the simulated network."""

    hosts: dict[str, str] = field(default_factory=dict)
    """Names the network's DNS knows, name → IP address."""
    routes: dict[tuple[str, int | None], tuple[str, int]] = field(default_factory=dict)
    """(host, port or None for any port) → (host, port)."""
    everything: Destination | None = None
    """Where every server without a route goes (None: servers are used as given)."""

    def with_everything(self, destination: Destination) -> Routes:
        """These routes, with every other server sent to ``destination``."""
        return Routes(hosts=self.hosts, routes=self.routes, everything=destination)

    async def resolve(self, host: str, port: int, security_mode: int = 3) -> tuple[str, int] | None:
        """The (IP address, port) the module's datagrams for ``host``:``port`` go to; None when the name
        does not resolve (the module's err 34)."""
        key = host.lower()
        routed = self.routes.get((key, port)) or self.routes.get((key, None))
        if routed is not None:
            host, port = routed
        elif self.everything is not None:
            host, port = self.everything.host, self.everything.port_for(security_mode)
        address = await self._address(self.hosts.get(host, self.hosts.get(key, host)))
        return None if address is None else (address, port)

    @staticmethod
    async def _address(name: str) -> str | None:
        try:
            ipaddress.ip_address(name)
            return name
        except ValueError:
            pass
        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(name, None), 0.25)
        except (OSError, TimeoutError):
            return None
        return str(infos[0][4][0]) if infos else None


def parse_route(text: str) -> tuple[tuple[str, int | None], tuple[str, int]]:
    """``HOST[:PORT]=HOST:PORT`` → ((host, port or None), (host, port)); ValueError when malformed."""
    source, sep, target = text.partition("=")
    if not sep:
        raise ValueError(f"expected HOST[:PORT]=HOST:PORT, got {text!r}")
    src_host, src_port = _split(source, port_required=False)
    dst_host, dst_port = _split(target, port_required=True)
    assert dst_port is not None
    return (src_host.lower(), src_port), (dst_host, dst_port)


def _split(text: str, *, port_required: bool) -> tuple[str, int | None]:
    text = text.strip()
    if text.startswith("["):  # [v6]:port
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"no host in {text!r}")
    if not port_text:
        if port_required:
            raise ValueError(f"no port in {text!r}")
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        raise ValueError(f"bad port in {text!r}")
    return host, int(port_text)
