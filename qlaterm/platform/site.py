"""The platform's server side: the CoAP resources a device talks to.

`POST /rd` Register, `POST /rd/<id>` Update, `DELETE /rd/<id>` De-register, `POST /bs`
Bootstrap-Request and `POST /dp` Send. Requests are routed here by path rather than through an
aiocoap Site so that the LwM2M rules (which method on which path, what a bad query means) read in
one place; every answer is a CoAP response code, never an exception into aiocoap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from aiocoap import Code, Message, interfaces

from qlaterm.lwm2m.blockwise import Block1Spool
from qlaterm.lwm2m.linkformat import parse_link_format
from qlaterm.platform.coaplog import remote_address
from qlaterm.platform.fairness import RegistrationBudget
from qlaterm.platform.model import Device
from qlaterm.platform.registry import DEFAULT_LIFETIME, Registry

log = logging.getLogger(__name__)

BINDING_RE = re.compile(r"^[UQSTN]{1,4}$")
LINK_FORMATS = {None, 40}

BootstrapHandler = Callable[[str, Any], Code]
SendHandler = Callable[[Device, Message], Code]


class BadRequest(Exception):
    """A malformed LwM2M request: answered 4.00 with the reason as diagnostic payload."""


def query_params(request: Message) -> dict[str, str]:
    """Uri-Query options as a dict; a bare `Q` (old binding flag) maps to an empty string."""
    params: dict[str, str] = {}
    for item in request.opt.uri_query:
        key, _, value = item.partition("=")
        params[key] = value
    return params


def _lifetime(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise BadRequest(f"lifetime {text!r} is not a number") from exc
    if value <= 0:
        raise BadRequest(f"lifetime {value} is not positive")
    return value


def _binding(text: str | None) -> str | None:
    if text is None:
        return None
    if not BINDING_RE.match(text):
        raise BadRequest(f"binding {text!r} is not a LwM2M binding")
    return text


def _links(request: Message) -> tuple[list[Any], str]:
    cf = request.opt.content_format
    if cf is not None and int(cf) not in LINK_FORMATS:
        raise BadRequest(f"registration body must be link-format, not content-format {int(cf)}")
    try:
        text = bytes(request.payload).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("registration body is not UTF-8") from exc
    try:
        links = list(parse_link_format(text)) if text.strip() else []
    except Exception as exc:
        raise BadRequest(f"registration body is not link-format: {exc}") from exc
    return links, text


def _not_allowed() -> Message:
    return Message(code=Code.METHOD_NOT_ALLOWED)


class PlatformSite(interfaces.Resource):
    """Routes the device-initiated LwM2M requests to the registry, bootstrap and send handlers."""

    def __init__(
        self,
        registry: Registry,
        *,
        on_bootstrap: BootstrapHandler,
        on_send: SendHandler,
        budget: RegistrationBudget | None = None,
    ) -> None:
        super().__init__()
        self.budget = budget if budget is not None else RegistrationBudget()
        self._block1 = Block1Spool()  # the assembly aiocoap's Resource uses, with 4.08 for pieces out of sequence
        self.registry = registry
        self.on_bootstrap = on_bootstrap
        self.on_send = on_send

    async def needs_blockwise_assembly(self, request: Message) -> bool:
        return True

    async def render_to_pipe(self, pipe: Any) -> None:
        await self._render_to_pipe(pipe)

    async def render(self, request: Message) -> Message:
        try:
            return self._route(request)
        except BadRequest as exc:
            return Message(code=Code.BAD_REQUEST, payload=str(exc).encode())
        except Exception:
            log.exception("platform failed on %r", request)
            return Message(code=Code.INTERNAL_SERVER_ERROR)

    def _route(self, request: Message) -> Message:
        path = tuple(request.opt.uri_path)
        method = request.code
        if path == ("rd",):
            return self._register(request) if method == Code.POST else _not_allowed()
        if len(path) == 2 and path[0] == "rd":
            device = self.registry.by_location(path[1])
            if method not in (Code.POST, Code.DELETE):
                return _not_allowed()
            if device is None:
                return Message(code=Code.NOT_FOUND)
            if method == Code.DELETE:
                self.registry.deregister(device)
                return Message(code=Code.DELETED)
            return self._refusal(device.endpoint) or self._update(device, request)
        if path == ("bs",):
            return self._bootstrap(request) if method == Code.POST else _not_allowed()
        if path == ("dp",):
            return self._send(request) if method == Code.POST else _not_allowed()
        return Message(code=Code.NOT_FOUND)

    def _register(self, request: Message) -> Message:
        params = query_params(request)
        endpoint = params.get("ep")
        if not endpoint:
            raise BadRequest("Register without an endpoint name (ep)")
        refusal = self._refusal(endpoint)
        if refusal is not None:
            return refusal
        lifetime = _lifetime(params.get("lt"))
        binding = _binding(params.get("b")) or "U"
        if "Q" in params and "Q" not in binding:  # LwM2M 1.0 draft clients send a separate Q
            binding += "Q"
        links, text = _links(request)
        device = self.registry.register(
            endpoint,
            lifetime=lifetime or DEFAULT_LIFETIME,
            binding=binding,
            version=params.get("lwm2m", "1.0"),
            objects=links,
            links_text=text,
            remote=request.remote,
            sms=params.get("sms"),
        )
        return Message(code=Code.CREATED, location_path=tuple(device.location.split("/")))

    def _refusal(self, endpoint: str) -> Message | None:
        """5.03 Service Unavailable with Max-Age when `endpoint` is over its registration budget."""
        wait = self.budget.admit(endpoint)
        if wait is None:
            return None
        return Message(code=Code.SERVICE_UNAVAILABLE, max_age=wait, payload=b"too many registration requests")

    def _update(self, device: Device, request: Message) -> Message:
        params = query_params(request)
        lifetime = _lifetime(params.get("lt"))
        binding = _binding(params.get("b"))
        objects: list[Any] | None = None
        text: str | None = None
        if request.payload:
            objects, text = _links(request)
        self.registry.update(
            device,
            lifetime=lifetime,
            binding=binding,
            objects=objects,
            links_text=text,
            remote=request.remote,
            sms=params.get("sms"),
        )
        return Message(code=Code.CHANGED)

    def _bootstrap(self, request: Message) -> Message:
        endpoint = query_params(request).get("ep")
        if not endpoint:
            raise BadRequest("Bootstrap-Request without an endpoint name (ep)")
        return Message(code=self.on_bootstrap(endpoint, request.remote))

    def _send(self, request: Message) -> Message:
        device = self.registry.by_address(remote_address(request.remote))
        if device is None:
            return Message(code=Code.NOT_FOUND, payload=b"Send from a device that is not registered")
        return Message(code=self.on_send(device, request))
