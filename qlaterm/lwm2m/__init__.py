"""What both ends of the LwM2M wire share: paths, content formats, link format, PSKs, the CoAP stack, DTLS.

The names below load their module on first use (PEP 562): ``import qlaterm.lwm2m`` costs nothing, and
aiocoap and Mbed TLS load only with the modules that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qlaterm.lwm2m.dtls import ClientCredentials, DTLSTransport, create_dtls_endpoint
    from qlaterm.lwm2m.dtls_session import DTLSOptions
    from qlaterm.lwm2m.errors import CodecError
    from qlaterm.lwm2m.formats import ContentFormat, decode, describe, encode
    from qlaterm.lwm2m.linkformat import Link, link_format, parse_link_format
    from qlaterm.lwm2m.paths import Path, PathError, format_path, parse_path
    from qlaterm.lwm2m.psk import parse_psk

_EXPORTS: dict[str, tuple[str, ...]] = {
    "formats": ("ContentFormat", "decode", "describe", "encode"),
    "dtls": ("ClientCredentials", "DTLSTransport", "create_dtls_endpoint"),
    "dtls_session": ("DTLSOptions",),
    "errors": ("CodecError",),
    "linkformat": ("Link", "link_format", "parse_link_format"),
    "paths": ("Path", "PathError", "format_path", "parse_path"),
    "psk": ("parse_psk",),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [  # noqa: RUF022 - grouped by the module each name loads
    "ContentFormat",
    "decode",
    "describe",
    "encode",
    "ClientCredentials",
    "DTLSTransport",
    "create_dtls_endpoint",
    "DTLSOptions",
    "CodecError",
    "Link",
    "link_format",
    "parse_link_format",
    "Path",
    "PathError",
    "format_path",
    "parse_path",
    "parse_psk",
]


def __getattr__(name: str) -> Any:
    try:
        module = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
