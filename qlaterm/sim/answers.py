"""Small pieces shared by the module's command handlers and its network side."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiocoap.numbers.codes import Code

from qlaterm.at.codes import StatusCode
from qlaterm.lwm2m.formats import Scalar

__all__ = ["Parts", "add_part", "coap_code", "status_of", "within"]

log = logging.getLogger("qlaterm.sim.module")

Parts = dict[tuple[int, ...], Scalar]
"""Parts of a multi-part answer (index N-1 … 0) collected for one message ID or path, by resource path."""


def add_part(parts: Parts, path: tuple[int, int, int], value: Scalar) -> None:
    """Parts with the same path are concatenated (long strings and opaque); others are kept apart."""
    earlier = parts.get(path)
    if earlier is None or not isinstance(value, str | bytes):
        parts[path] = value
    elif isinstance(earlier, str) and isinstance(value, str):
        parts[path] = earlier + value
    elif isinstance(earlier, bytes) and isinstance(value, bytes):
        parts[path] = b"".join((earlier, value))
    else:  # a string part and an opaque part of one resource cannot be joined: the command fails
        raise TypeError(f"cannot join {type(value).__name__} to {type(earlier).__name__}")


def within(path: tuple[int, ...], scope: tuple[int, ...]) -> bool:
    """Is ``path`` the scope itself or below it?  (-1 in a scope means 'all')."""
    return all(theirs in (-1, mine) for mine, theirs in zip(path, scope, strict=False))


def coap_code(dotted: str) -> Code:
    """``"2.05"`` (as the ``<result>`` tables of the catalogue write it) → the CoAP code."""
    klass, detail = dotted.split(".")
    return Code(int(klass) * 32 + int(detail))


async def status_of(outcome: Awaitable[int]) -> int:
    """The status code of a network exchange; a failure to send at all is status 2 (packet not sent)."""
    try:
        return int(await outcome)
    except Exception:
        log.exception("network exchange failed")
        return StatusCode.NOT_SENT
