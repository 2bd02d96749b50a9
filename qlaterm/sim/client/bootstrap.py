"""Client-initiated bootstrap (LwM2M 1.0 section 5.2.2) as the simulated BC26 does it with bs_flag=1.

The bootstrap server writes the Security (0) and Server (1) objects, may delete them first, and ends with
``POST /bs`` (Bootstrap-Finish). The module keeps only what it needs to register with the server that
bootstrap assigned; Writes to other objects are accepted and ignored. Writes of the lifetime and the
binding are reported (the AndLink transcript prints ``"binding_changed",U`` before ``"bs_finished"``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aiocoap import Message
from aiocoap.numbers.codes import BAD_REQUEST, CHANGED, DELETE, DELETED, METHOD_NOT_ALLOWED, NOT_FOUND, POST, PUT

from qlaterm.lwm2m.formats import CodecError, Scalar, decode
from qlaterm.sim.client import objects
from qlaterm.sim.client.requests import parse_path, reply, write_format
from qlaterm.sim.client.types import ClientHandler, ServerTarget

log = logging.getLogger("qlaterm.sim.client")


class BootstrapSession:
    """One bootstrap: what the server has written so far, and whether it has finished."""

    def __init__(self, target: ServerTarget, handler: ClientHandler) -> None:
        self.target = replace(target)
        self._handler = handler
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.instances: dict[tuple[int, int], dict[int, Scalar]] = {}

    def _later(self, func: Callable[..., None], *args: Any) -> None:
        """Report to the module once the response to the current request has gone out."""
        asyncio.get_running_loop().call_soon(func, *args)

    def render(self, req: Message) -> Message:
        """A request from the bootstrap server: Writes to /0 and /1 are kept, Delete clears, ``POST /bs``
        finishes."""
        segments = tuple(req.opt.uri_path)
        if req.code == POST and segments == ("bs",):
            if not self.finished.done():
                self.finished.set_result(None)
                self._later(self._handler.on_bootstrap_finished)
            return reply(CHANGED)
        path = () if segments in ((), ("",)) else parse_path(segments)
        if path is None:
            return reply(NOT_FOUND)
        if req.code == DELETE:
            for key in list(self.instances):
                if objects.under(key, path[:2]):
                    del self.instances[key]
            return reply(DELETED)
        if req.code not in (PUT, POST) or not path:
            return reply(METHOD_NOT_ALLOWED)
        if path[0] not in (objects.SECURITY, objects.SERVER):
            return reply(CHANGED)  # Bootstrap may configure other objects; the BC26 keeps only 0 and 1.
        fmt = write_format(req.opt.content_format, path)
        try:
            raw = decode(fmt, path, req.payload)
            written = {}
            for p, value in raw.items():
                if len(p) != 3:
                    continue
                res = objects.SCHEMA[p[0]].get(p[2])
                written[p] = objects.typed(value, res.kind) if res is not None else value
        except CodecError as exc:
            log.info("bootstrap write %s refused: %s", path, exc)
            return reply(BAD_REQUEST)
        for p, value in written.items():
            self.instances.setdefault((p[0], p[1]), {})[p[2]] = value
        for p, value in written.items():
            if p[0] == objects.SERVER and p[2] in (1, 7):
                self._later(self._handler.on_server_write, p, value, True)
        return reply(CHANGED)

    async def assigned_server(self) -> ServerTarget | None:
        """The LwM2M server of the non-bootstrap Security instance and its Server instance (the one with
        the same Short Server ID), None when the bootstrap server did not provide a usable one."""
        security = None
        security_instance = 0
        for (obj, inst), res in sorted(self.instances.items()):
            if obj == objects.SECURITY and not res.get(1, False) and res.get(0):
                security, security_instance = res, inst
                break
        if security is None:
            return None
        uri = urllib.parse.urlsplit(str(security[0]))
        if uri.scheme not in ("coap", "coaps") or not uri.hostname:
            return None
        port = uri.port if uri.port is not None else (5684 if uri.scheme == "coaps" else 5683)
        host = uri.hostname
        try:
            ipaddress.ip_address(host)
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
            except OSError:
                return None
            host = str(infos[0][4][0])
        ssid = security.get(10)
        server: dict[int, Scalar] = {}
        server_instance = 0
        for (obj, inst), res in sorted(self.instances.items()):
            if obj == objects.SERVER and (ssid is None or res.get(0) == ssid):
                server, server_instance = res, inst
                break
        short_id = server.get(0, ssid if ssid is not None else 1)
        mode = int(security.get(2, 3))
        identity = security.get(3)
        key = security.get(5)
        return ServerTarget(
            host=host,
            port=port,
            endpoint=self.target.endpoint,
            lifetime=int(server.get(1, self.target.lifetime)),
            binding=str(server.get(7, self.target.binding)),
            security_mode=0 if mode == 0 else 3,
            psk_id=identity.decode("utf-8", "replace") if isinstance(identity, bytes) and identity else None,
            psk=key if isinstance(key, bytes) and key else None,
            bootstrap=False,
            short_server_id=int(short_id),
            security_instance=security_instance,
            server_instance=server_instance,
        )
