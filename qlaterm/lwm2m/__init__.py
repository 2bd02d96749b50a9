"""What both ends of the LwM2M wire share: paths, content formats, link format, PSKs, the CoAP stack, DTLS.

The names below load their module on first use (PEP 562): ``import qlaterm.lwm2m`` costs nothing, and
aiocoap and Mbed TLS load only with the modules that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlaterm.lazy import lazy_surface

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


__getattr__, __dir__ = lazy_surface(__name__, _EXPORTS)
