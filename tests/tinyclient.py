"""A tiny LwM2M client on aiocoap for driving the platform in tests.

It registers from its own bound port with a link-format body, serves a few resources (text values,
writable, executable, observable with CON or NON notifications), accepts Bootstrap-Writes and
Bootstrap-Finish, and records every request it receives so tests can assert what the platform sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiocoap import Code, Context, Message, resource
from aiocoap.numbers import Reliable, Unreliable

from qlaterm.lwm2m import formats, linkformat
from qlaterm.lwm2m.paths import format_path


@dataclass
class Received:
    """One request the client received."""

    method: str
    path: tuple[str, ...]
    query: tuple[str, ...]
    content_format: int | None
    accept: int | None
    observe: int | None
    payload: bytes
    token: bytes


class ValueResource(resource.ObservableResource):
    """A resource with a text value: GET (text/plain or whatever Accept asks), PUT, POST, Observe."""

    def __init__(self, client: TinyClient, path: tuple[int, ...], value: Any) -> None:
        super().__init__()
        self.client = client
        self.path = path
        self.value = value
        self.observers = 0
        self.attributes: dict[str, str] = {}

    def update_observation_count(self, newcount: int) -> None:
        self.observers = newcount
        self.client.observer_changes.put_nowait((self.path, newcount))

    def _content(self, accept: int | None) -> Message:
        if accept == 40:  # Discover: the resource and its notification attributes
            link = linkformat.link_format([linkformat.Link(format_path(self.path), dict(self.attributes))])
            return Message(code=Code.CONTENT, payload=link.encode(), content_format=40)
        fmt = 0 if accept is None else accept
        try:
            payload = formats.encode(fmt, self.path, {self.path: self.value})
        except formats.CodecError:
            return Message(code=Code.NOT_ACCEPTABLE)
        return Message(code=Code.CONTENT, payload=payload, content_format=fmt)

    async def render_get(self, request: Message) -> Message:
        self.client.record(request, self.path)
        return self._content(request.opt.accept)

    async def render_put(self, request: Message) -> Message:
        self.client.record(request, self.path)
        if not request.payload:  # Write-Attributes
            for item in request.opt.uri_query:
                name, _, value = item.partition("=")
                self.attributes[name] = value
            return Message(code=Code.CHANGED)
        cf = request.opt.content_format
        values = formats.decode(int(cf) if cf is not None else 0, self.path, request.payload)
        self.value = values[self.path]
        return Message(code=Code.CHANGED)

    async def render_post(self, request: Message) -> Message:
        self.client.record(request, self.path)
        return Message(code=Code.CHANGED)

    def notify(self, value: Any, *, con: bool = False) -> None:
        """Change the value and send one notification to each observer."""
        self.value = value
        for observation in list(self._observations):
            msg = self._content(None)
            msg.transport_tuning = Reliable() if con else Unreliable()
            observation.trigger(msg)


class InstanceResource(resource.Resource):
    """An object instance that accepts (Bootstrap-)Writes and records them."""

    def __init__(self, client: TinyClient, path: tuple[int, ...]) -> None:
        super().__init__()
        self.client = client
        self.path = path
        self.values: dict[tuple[int, ...], Any] = {}

    async def render_put(self, request: Message) -> Message:
        self.client.record(request, self.path)
        cf = request.opt.content_format
        self.values = formats.decode(int(cf), self.path, request.payload)
        return Message(code=Code.CHANGED)

    async def render_post(self, request: Message) -> Message:
        self.client.record(request, self.path)
        cf = request.opt.content_format
        self.values.update(formats.decode(int(cf), self.path, request.payload))
        return Message(code=Code.CHANGED)


class BootstrapFinish(resource.Resource):
    def __init__(self, client: TinyClient) -> None:
        super().__init__()
        self.client = client

    async def render_post(self, request: Message) -> Message:
        self.client.record(request, ("bs",))  # type: ignore[arg-type]
        self.client.bootstrap_finished.set()
        return Message(code=Code.CHANGED)


@dataclass
class TinyClient:
    """Register with `register()`, then look at `received`, `resources` and `observer_changes`."""

    endpoint: str
    objects: str = "</1/0>,</3/0>,</19/0>"
    resources: dict[tuple[int, ...], ValueResource] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    location: str = ""
    ctx: Context | None = None
    port: int = 0

    def __post_init__(self) -> None:
        self.observer_changes: asyncio.Queue[tuple[tuple[int, ...], int]] = asyncio.Queue()
        self.requests: asyncio.Queue[Received] = asyncio.Queue()
        self.bootstrap_finished = asyncio.Event()
        self.instances: dict[tuple[int, ...], InstanceResource] = {}

    async def start(
        self,
        values: dict[tuple[int, ...], Any] | None = None,
        instances: tuple[tuple[int, ...], ...] = ((0, 0), (1, 0)),
    ) -> None:
        """Serve `values` (default /3/0/0 "ACME" and /19/0/0 "hello") and writable `instances`."""
        site = resource.Site()
        for path, value in (values or {(3, 0, 0): "ACME", (19, 0, 0): "hello"}).items():
            res = ValueResource(self, path, value)
            self.resources[path] = res
            site.add_resource(tuple(str(p) for p in path), res)
        for path in instances:
            inst = InstanceResource(self, path)
            self.instances[path] = inst
            site.add_resource(tuple(str(p) for p in path), inst)
        site.add_resource(("bs",), BootstrapFinish(self))
        self.ctx = await Context.create_server_context(site, bind=("127.0.0.1", 0), transports=["udp6"])
        mman = self.ctx.request_interfaces[0].token_interface
        self.port = mman.message_interface._local_port()

    async def stop(self) -> None:
        if self.ctx is not None:
            await self.ctx.shutdown()
            self.ctx = None

    def record(self, request: Message, path: tuple[int, ...] | None = None) -> None:
        """Remember a request; aiocoap's Site strips the path, so resources pass their own."""
        cf = request.opt.content_format
        accept = request.opt.accept
        item = Received(
            method=str(request.code),
            path=tuple(str(p) for p in path) if path is not None else tuple(request.opt.uri_path),
            query=tuple(request.opt.uri_query),
            content_format=None if cf is None else int(cf),
            accept=None if accept is None else int(accept),
            observe=request.opt.observe,
            payload=bytes(request.payload),
            token=bytes(request.token or b""),
        )
        self.received.append(item)
        self.requests.put_nowait(item)

    async def _send(self, msg: Message) -> Message:
        assert self.ctx is not None
        return await self.ctx.request(msg).response

    async def register(self, server_port: int, *, lifetime: int = 300, binding: str = "U") -> Message:
        msg = Message(
            code=Code.POST,
            uri=f"coap://127.0.0.1:{server_port}/rd?ep={self.endpoint}&lt={lifetime}&lwm2m=1.0&b={binding}",
            payload=self.objects.encode(),
            content_format=40,
        )
        response = await self._send(msg)
        if response.code == Code.CREATED:
            self.location = "/".join(response.opt.location_path)
        return response

    async def update(self, server_port: int, query: str = "", body: str | None = None) -> Message:
        uri = f"coap://127.0.0.1:{server_port}/{self.location}" + (f"?{query}" if query else "")
        msg = Message(code=Code.POST, uri=uri)
        if body is not None:
            msg.payload = body.encode()
            msg.opt.content_format = 40
        return await self._send(msg)

    async def deregister(self, server_port: int) -> Message:
        return await self._send(Message(code=Code.DELETE, uri=f"coap://127.0.0.1:{server_port}/{self.location}"))

    async def bootstrap_request(self, server_port: int) -> Message:
        return await self._send(Message(code=Code.POST, uri=f"coap://127.0.0.1:{server_port}/bs?ep={self.endpoint}"))

    async def send(self, server_port: int, payload: bytes, content_format: int = 110) -> Message:
        return await self._send(
            Message(
                code=Code.POST,
                uri=f"coap://127.0.0.1:{server_port}/dp",
                payload=payload,
                content_format=content_format,
            )
        )

    async def next_request(self, timeout: float = 5) -> Received:
        return await asyncio.wait_for(self.requests.get(), timeout)

    async def wait_observers(self, path: tuple[int, ...], count: int, timeout: float = 5) -> None:
        async def scan() -> None:
            while True:
                p, n = await self.observer_changes.get()
                if p == path and n == count:
                    return

        if self.resources[path].observers == count:
            return
        await asyncio.wait_for(scan(), timeout)


__all__ = ["Received", "TinyClient"]
