"""What LwM2M JSON and SenML share: base and record names, JSON text, JSON numbers."""

from __future__ import annotations

import json
import math
from typing import Any

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.values import Scalar, payload_path
from qlaterm.lwm2m.paths import Path, format_path, parse_path

__all__ = ["full_path", "is_number", "json_dumps", "json_loads", "names", "number"]


def names(base: Path, items: list[tuple[Path, Scalar]]) -> tuple[str, list[str | None]]:
    """Base name and per-record names. A single value at ``base`` itself gets ``bn`` = its path and no
    ``n`` (as Leshan writes it); otherwise ``bn`` ends in ``/`` and each ``n`` is relative to it."""
    if len(items) == 1 and items[0][0] == base and base:
        return format_path(base), [None]
    prefix = format_path(base) + "/" if base else "/"
    return prefix, ["/".join(str(p) for p in path[len(base) :]) for path, _ in items]


def full_path(bn: str, n: str, base: Path) -> Path:
    """Resolve a record's name. Names that do not start with ``/`` are relative to the request path."""
    name = bn + n
    if not name:
        return base
    if not name.startswith("/"):
        name = format_path(base) + "/" + name
    path = parse_path(name)
    if len(path) < 3:
        raise CodecError(f"record name {name!r} is not a resource path")
    return payload_path(path, base)


def json_loads(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CodecError(f"not JSON: {exc}") from None


def json_dumps(document: Any) -> bytes:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except ValueError as exc:
        raise CodecError(str(exc)) from None


def number(value: int | float) -> int | float:
    """A number JSON (and SenML) can carry: finite."""
    if isinstance(value, float) and not math.isfinite(value):
        raise CodecError(f"{value} cannot be sent as a JSON number")
    return value


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
