"""Free loopback ports, chosen at run time so that tests never collide with each other or the machine.

Something listens on UDP 25683/25684 on some machines, so those are never handed out.  A port is only
known to be free at the moment it is probed; the window before the caller binds it is short and the
kernel hands out ephemeral ports in rotation, so a collision is unlikely rather than impossible.
"""

from __future__ import annotations

import socket

AVOID: frozenset[int] = frozenset({25683, 25684})
"""Ports never returned, because something else on some machines already uses them."""

_HOST = "127.0.0.1"
_ATTEMPTS = 200


def _bindable(kind: int, port: int) -> bool:
    """True when a socket of *kind* can bind 127.0.0.1:*port* right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((_HOST, port))
        except OSError:
            return False
    return True


def _ephemeral(kind: int) -> int:
    """A port the kernel considers free for *kind*, never one in :data:`AVOID`."""
    for _ in range(_ATTEMPTS):
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind((_HOST, 0))
            port = sock.getsockname()[1]
        if port not in AVOID:
            return port
    raise RuntimeError("no free port found")


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that is free now."""
    return _ephemeral(socket.SOCK_DGRAM)


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    return _ephemeral(socket.SOCK_STREAM)


def free_udp_port_pair() -> int:
    """A port P such that P and P+1 are free for both UDP and TCP.

    For servers that take one port and derive the next: libcoap's ``coap-server-*`` and ``coap-rd-*``
    listen on ``-p P`` (UDP and TCP) and put DTLS/TLS on P+1, and the bundled platform pairs plain CoAP
    with DTLS the same way (5683/5684).
    """
    for _ in range(_ATTEMPTS):
        port = _ephemeral(socket.SOCK_DGRAM)
        ports = (port, port + 1)
        if port + 1 > 65535 or AVOID.intersection(ports):
            continue
        if all(_bindable(kind, p) for p in ports for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM)):
            return port
    raise RuntimeError("no free pair of ports found")
