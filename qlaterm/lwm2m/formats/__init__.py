"""LwM2M content formats: plain text, opaque, TLV, LwM2M JSON, SenML JSON/CBOR and CBOR, one module each.

Both ends of the simulator's LwM2M traffic go through :func:`encode` and :func:`decode`: the simulated
module's client encodes read answers and decodes writes, the bundled server encodes writes, decodes read
answers and notifications, and prints one-line summaries of payloads (:func:`describe`) in its CoAP log.
One codec for both ends means a payload the server accepts is, by construction, one the client could have
produced — so interop with peers written elsewhere (libcoap, lwm2m-node-lib) is tested separately.

Conventions shared by every format:

* Values are keyed by full paths under ``base``, the path of the request (see
  :mod:`qlaterm.lwm2m.formats.values`).
* Decoders raise only :class:`CodecError` on bad input, so a malformed datagram can always be answered
  with 4.00 (or dropped) instead of crashing the endpoint.
* TLV carries no types: its decoder returns raw ``bytes``, read with :func:`~.tlv.tlv_value` once the
  caller knows the resource's type. Text returns ``str``. JSON, SenML and CBOR carry their own types and
  return ``int``/``float``/``str``/``bool``/``bytes``.

The CoRE link format (Content-Format 40) carries links, not values: :mod:`qlaterm.lwm2m.linkformat`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import IntEnum
from typing import Protocol

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats import cbor, lwm2m_json, opaque, senml_cbor, senml_json, text, tlv
from qlaterm.lwm2m.formats.tlv import scalar_bytes
from qlaterm.lwm2m.formats.values import Scalar, check_base
from qlaterm.lwm2m.linkformat import parse_link_format
from qlaterm.lwm2m.paths import Path

__all__ = [
    "CodecError",
    "ContentFormat",
    "Scalar",
    "decode",
    "describe",
    "encode",
    "format_label",
    "scalar_bytes",
]


class ContentFormat(IntEnum):
    """CoAP Content-Format numbers used by LwM2M 1.0/1.1 (and the pre-registration 15xx numbers
    that older servers such as lwm2m-node-lib still send)."""

    TEXT = 0
    LINK = 40
    OPAQUE = 42
    CBOR = 60
    SENML_JSON = 110
    SENML_CBOR = 112
    OLD_TEXT = 1541
    OLD_TLV = 1542
    OLD_JSON = 1543
    OLD_OPAQUE = 1544
    TLV = 11542
    LWM2M_JSON = 11543


class _Format(Protocol):
    """What each format module offers: values keyed by full paths under ``base``, to bytes and back."""

    def encode(self, base: Path, values: Mapping[Path, Scalar]) -> bytes: ...

    def decode(self, base: Path, payload: bytes) -> dict[Path, Scalar]: ...


_CF = ContentFormat
_FORMATS: dict[int, _Format] = {
    _CF.TEXT: text,
    _CF.OLD_TEXT: text,
    _CF.OPAQUE: opaque,
    _CF.OLD_OPAQUE: opaque,
    _CF.TLV: tlv,
    _CF.OLD_TLV: tlv,
    _CF.LWM2M_JSON: lwm2m_json,
    _CF.OLD_JSON: lwm2m_json,
    _CF.SENML_JSON: senml_json,
    _CF.SENML_CBOR: senml_cbor,
    _CF.CBOR: cbor,
}

_LABELS: dict[int, str] = {
    _CF.TEXT: "text",
    _CF.LINK: "link",
    _CF.OPAQUE: "opaque",
    _CF.CBOR: "cbor",
    _CF.SENML_JSON: "senml+json",
    _CF.SENML_CBOR: "senml+cbor",
    _CF.OLD_TEXT: "text(1541)",
    _CF.OLD_TLV: "tlv(1542)",
    _CF.OLD_JSON: "json(1543)",
    _CF.OLD_OPAQUE: "opaque(1544)",
    _CF.TLV: "tlv",
    _CF.LWM2M_JSON: "lwm2m+json",
}


def format_label(fmt: int | None) -> str:
    """Short name of a content format for logs (``tlv``, ``senml+json``, ``ct=99`` for unknown ones)."""
    if fmt is None:
        return "no-format"
    return _LABELS.get(fmt, f"ct={fmt}")


def _format(fmt: int, use_instead: str) -> _Format:
    if fmt == _CF.LINK:
        raise CodecError(f"link-format carries links, not values: use {use_instead}()")
    try:
        return _FORMATS[fmt]
    except (KeyError, TypeError):
        raise CodecError(f"unsupported content format {fmt}") from None


def encode(fmt: int, base: Path, values: Mapping[Path, Scalar]) -> bytes:
    """Encode ``values`` (full paths under ``base``) in content format ``fmt``.

    Text, opaque and CBOR carry exactly one value, which must sit at ``base`` (a resource path). Opaque
    takes bytes (or a string, sent as UTF-8); anything else raises CodecError, which a client answers
    with 4.06 Not Acceptable. TLV, JSON and SenML take any number of resources under ``base``.
    """
    base = check_base(base)
    return _format(fmt, "link_format").encode(base, values)


def decode(fmt: int, base: Path, payload: bytes) -> dict[Path, Scalar]:
    """Decode ``payload`` in content format ``fmt`` into values keyed by full paths under ``base``.

    TLV and opaque give bytes, text gives str, the self-describing formats give typed values.
    Raises only CodecError.
    """
    base = check_base(base)
    return _format(fmt, "parse_link_format").decode(base, bytes(payload))


# --------------------------------------------------------------------------------------------------
# describe: one line for a CoAP log

_DESCRIBE_MAX = 300
_TLV_FORMATS = frozenset({_CF.TLV, _CF.OLD_TLV})
_STRUCTURED = _TLV_FORMATS | {_CF.LWM2M_JSON, _CF.OLD_JSON, _CF.SENML_JSON, _CF.SENML_CBOR, _CF.CBOR}


def _printable(data: bytes) -> str | None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if decoded and decoded.isprintable() else None


def _show_value(value: Scalar, untyped: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if not untyped:
        return "0x" + value.hex()
    # TLV bytes carry no type: show every reading that is plausible, so b"d" is both 100 and "d".
    shown = _printable(value)
    quoted = json.dumps(shown, ensure_ascii=False) if shown is not None else None
    if len(value) in (1, 2, 4, 8):
        readings = [str(int.from_bytes(value, "big", signed=True))]
        if quoted is not None:
            readings.append(quoted)
        return f"0x{value.hex()}({','.join(readings)})"
    return quoted if quoted is not None else "0x" + value.hex()


def _show_path(path: Path, unknown: int) -> str:
    return "/" + "/".join("?" if i < unknown else str(p) for i, p in enumerate(path))


def _describe(fmt: int | None, payload: bytes, base: Path) -> str:
    label = format_label(fmt)
    if not payload:
        return f"{label} (empty)"
    if fmt in _STRUCTURED:
        unknown = 0
        if fmt in _TLV_FORMATS and not base:
            # No request path known: show the structure with '?' for the ids the TLV does not carry.
            unknown = tlv.base_depth(payload)
            base = (0,) * unknown
        elif fmt == _CF.CBOR and len(base) < 3:
            return f"{label} {cbor.loads(payload)!r}"
        values = decode(fmt, base, payload)
        shown = " ".join(
            f"{_show_path(p, unknown)}={_show_value(v, fmt in _TLV_FORMATS)}" for p, v in values.items()
        )
        return f"{label} {len(payload)}B {shown}".rstrip()
    if fmt in (_CF.OPAQUE, _CF.OLD_OPAQUE):
        return f"{label} {len(payload)}B 0x{payload.hex()}"
    if fmt == _CF.LINK:
        links = payload.decode("utf-8")
        parse_link_format(links)
        return f"{label} {links}"
    printable = _printable(payload)
    if printable is not None:
        return f"{label} {json.dumps(printable, ensure_ascii=False)}"
    return f"{label} {len(payload)}B 0x{payload.hex()}"


def describe(fmt: int | None, payload: bytes, base: Path = ()) -> str:
    """One human-readable line for a CoAP log: the decoded values, else the payload in hex.

    Never raises: a log line must not take the endpoint down, whatever a peer sent.
    """
    try:
        line = _describe(fmt, bytes(payload), tuple(base))
    except Exception:  # logging must survive any payload, whatever the decoder thinks of it
        try:
            line = f"{format_label(fmt)} {len(payload)}B 0x{bytes(payload).hex()} (undecodable)"
        except Exception:
            line = f"{format_label(fmt)} (undecodable {type(payload).__name__})"
    line = line.replace("\r", "\\r").replace("\n", "\\n")
    return line if len(line) <= _DESCRIBE_MAX else line[: _DESCRIBE_MAX - 1] + "…"
