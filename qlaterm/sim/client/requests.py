"""How the client reads an incoming CoAP request: which LwM2M path and operation it names, which content
format an answer or a Write uses, and the error response that stops it before the terminal hears of it.

Pure functions of the request (no client state), so that the rules a real BC26 applies (4.04 for a path
never added, 4.05 for a method the operation does not allow, 4.06 for an Accept the path cannot carry)
read in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from aiocoap import Message
from aiocoap.numbers.codes import (
    BAD_REQUEST,
    GET,
    NOT_ACCEPTABLE,
    NOT_FOUND,
    POST,
    PUT,
    UNSUPPORTED_CONTENT_FORMAT,
    Code,
)

from qlaterm.lwm2m.formats import CodecError, ContentFormat, Scalar, decode
from qlaterm.lwm2m.paths import Path, PathError, parse_segments
from qlaterm.sim.client.types import Op, ServerRequest

log = logging.getLogger("qlaterm.sim.client")

READ_FORMATS = frozenset(int(f) for f in ContentFormat) - {ContentFormat.LINK}
SINGLE_VALUE_FORMATS = frozenset(
    {ContentFormat.TEXT, ContentFormat.OLD_TEXT, ContentFormat.OPAQUE, ContentFormat.OLD_OPAQUE, ContentFormat.CBOR}
)
ATTRIBUTE_NAMES = frozenset({"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "cancel"})
TERMINAL_OPS: Mapping[str, Op] = {"read": "read", "write": "write", "execute": "execute", "observe": "observe",
                                  "cancel": "cancel"}
"""The operations the terminal answers over AT (discover and write-attributes the client answers itself)."""


def parse_path(segments: Sequence[str]) -> Path | None:
    """``("19", "0", "1")`` → ``(19, 0, 1)``; None for anything that is not an LwM2M object,
    instance or resource path (what a server may address at the client)."""
    try:
        return parse_segments(segments, min_depth=1, max_depth=3)
    except PathError:
        return None


def choose_format(accept: int | None, path: Path, values: Mapping[Path, Scalar]) -> int:
    """The Accept option when given; else text/plain for one non-opaque resource, opaque for bytes,
    TLV for anything larger (instances, objects, multi-instance resources)."""
    if accept is not None:
        return accept
    if len(path) == 3 and len(values) == 1 and path in values:
        return ContentFormat.OPAQUE if isinstance(values[path], bytes) else ContentFormat.TEXT
    return ContentFormat.TLV


def write_format(content_format: int | None, path: Path) -> int:
    """Content format of a Write: as declared, else text for a resource and TLV for an instance."""
    if content_format is not None:
        return content_format
    return ContentFormat.TEXT if len(path) == 3 else ContentFormat.TLV


def operation(req: Message, path: Path) -> str | None:
    """The LwM2M operation a CoAP request on ``path`` asks for, None when the method does not map to
    one (→ 4.05)."""
    if req.code == GET:
        if req.opt.accept == ContentFormat.LINK:
            return "discover"
        if req.opt.observe == 0:
            return "observe"
        if req.opt.observe == 1:
            return "cancel"
        return "read"
    if req.code == PUT:
        names = {q.split("=", 1)[0] for q in req.opt.uri_query}
        if not req.payload and names and names <= ATTRIBUTE_NAMES:
            return "write_attributes"
        return "write" if len(path) >= 2 else None
    if req.code == POST:
        if len(path) == 3:
            return "execute"
        if len(path) == 2:
            return "write"
        return None
    return None


def reply(code: Code, payload: bytes = b"", content_format: int | None = None) -> Message:
    """A response message (the client's own answers carry no transport tuning: they are piggybacked)."""
    msg = Message(code=code, payload=payload)
    if content_format is not None:
        msg.opt.content_format = content_format
    return msg


def custom_request(
    req: Message, path: Path, op: str, exists: Callable[[Path], bool]
) -> tuple[ServerRequest | None, Message | None]:
    """The ServerRequest for a request on a custom object (``exists`` tells which paths were added), or
    the error response that stops it: 4.06 for an Accept the path cannot carry, 4.15/4.00 for a Write
    that cannot be decoded, 4.04 for a Write to a resource that was never added."""
    accept = req.opt.accept
    values: dict[tuple[int, ...], Scalar] = {}
    if (
        op in ("read", "observe", "cancel")
        and accept is not None
        and (accept not in READ_FORMATS or (accept in SINGLE_VALUE_FORMATS and len(path) < 3))
    ):
        return None, reply(NOT_ACCEPTABLE)
    if op == "write":
        fmt = write_format(req.opt.content_format, path)
        if fmt not in READ_FORMATS:
            return None, reply(UNSUPPORTED_CONTENT_FORMAT)
        try:
            values = decode(fmt, path, req.payload)
        except CodecError as exc:
            log.info("write to %s refused: %s", path, exc)
            return None, reply(BAD_REQUEST)
        if not values:
            return None, reply(BAD_REQUEST)
        if not all(exists(p[:3]) for p in values):
            return None, reply(NOT_FOUND)
    query = "&".join(req.opt.uri_query) if req.opt.uri_query else None
    sreq = ServerRequest(
        mid=req.mid,
        op=TERMINAL_OPS[op],
        path=path,
        accept=accept,
        content_format=req.opt.content_format,
        payload=bytes(req.payload),
        values=values,
        uri_query=query,
        token=bytes(req.token),
    )
    return sreq, None
