"""The platform's use of `qlaterm.lwm2m.formats`: one place that decides formats and never raises.

A server must keep serving whatever a device sends, so decoding failures become an empty value map
plus a description that says what went wrong; only encoding (our own requests) may raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlaterm.lwm2m import formats
from qlaterm.lwm2m.formats import ContentFormat
from qlaterm.lwm2m.linkformat import parse_link_format
from qlaterm.lwm2m.paths import Path, to_path

TEXT_FORMATS = {int(ContentFormat.TEXT), int(ContentFormat.OLD_TEXT)}
LINK_FORMAT = int(ContentFormat.LINK)


def effective_format(content_format: int | None, accept: int | None, path: Path) -> int | None:
    """The format to decode a payload with.

    Some clients (lwm2m-node-lib) answer without a Content-Format option; then the format the
    request asked for is what was sent, and a plain single-resource read means text/plain.
    """
    if content_format is not None:
        return int(content_format)
    if accept is not None:
        return int(accept)
    if len(path) >= 3:
        return int(ContentFormat.TEXT)
    return None


def decode_values(fmt: int | None, base: Path, payload: bytes) -> dict[Path, Any]:
    """Decoded values keyed by full path, or {} when the payload is empty or not decodable."""
    if fmt is None or not payload or fmt == LINK_FORMAT:
        return {}
    try:
        return dict(formats.decode(fmt, base, payload))
    except Exception:
        return {}


def describe(fmt: int | None, payload: bytes, base: Path = ()) -> str:
    """Human-readable one-line rendering of a payload for logs and results."""
    return formats.describe(fmt, payload, base) if payload else ""  # the codec's describe never raises


def encode_write(path: Path, value: Any, content_format: int | None) -> tuple[int, bytes]:
    """Choose the format for a Write of `value` at `path` and encode it.

    A dict is an instance (or object) write and goes as TLV unless told otherwise; its keys may be
    resource ids or full paths. A scalar on a resource goes as text/plain, bytes as opaque.
    """
    if isinstance(value, Mapping):
        fmt = int(ContentFormat.TLV) if content_format is None else int(content_format)
        values = {_full_path(path, key): v for key, v in value.items()}
        return fmt, formats.encode(fmt, path, values)
    if content_format is None:
        fmt = int(ContentFormat.OPAQUE) if isinstance(value, bytes | bytearray) else int(ContentFormat.TEXT)
    else:
        fmt = int(content_format)
    if fmt in TEXT_FORMATS and isinstance(value, str):
        return fmt, value.encode("utf-8")
    return fmt, formats.encode(fmt, path, {path: value})


def _full_path(base: Path, key: int | Path | str) -> Path:
    if isinstance(key, int):
        return (*base, key)
    key = to_path(key)
    return key if len(key) > len(base) else (*base, *key)


def parse_links(text: str) -> list[Any]:
    """Links of a link-format body; [] when it does not parse."""
    try:
        return list(parse_link_format(text))
    except Exception:
        return []
