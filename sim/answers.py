"""Small pieces shared by the module's command handlers and its network side."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from aiocoap.numbers.codes import Code

__all__ = ["COAP_CODES", "Parts", "add_part", "coap_code", "status_of", "within"]

log = logging.getLogger("sim.module")

COAP_CODES = {"2.04": 68, "2.05": 69, "4.00": 128, "4.01": 129, "4.04": 132, "4.05": 133, "4.06": 134}
"""The response codes of the QLA answer commands' ``<result>`` tables, as CoAP code numbers."""


@dataclass
class Parts:
    """Parts of a multi-part answer (index N-1 … 0) collected for one message ID or path."""

    values: dict[tuple[int, int, int], Any]


def add_part(parts: Parts, path: tuple[int, int, int], value: Any) -> None:
    """Parts with the same path are concatenated (long strings and opaque); others are kept apart."""
    if path in parts.values and isinstance(value, str | bytes):
        parts.values[path] = parts.values[path] + value
    else:
        parts.values[path] = value


def within(path: tuple[int, ...], scope: tuple[int, ...]) -> bool:
    """Is ``path`` the scope itself or below it?  (-1 in a scope means 'all')."""
    return all(theirs in (-1, mine) for mine, theirs in zip(path, scope, strict=False))


def coap_code(number: int) -> Code:
    return Code(number)


async def status_of(outcome: Awaitable[int]) -> int:
    """The status code of a network exchange; a failure to send at all is status 2 (packet not sent)."""
    try:
        return int(await outcome)
    except Exception:
        log.exception("network exchange failed")
        return 2
