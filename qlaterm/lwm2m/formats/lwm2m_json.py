"""LwM2M JSON (Content-Format 11543, and 1543 before registration; TS 1.0 §6.4.4).

``{"bn": ..., "e": [{"n": ..., "v"|"sv"|"bv"|"ov": ...}]}``. LwM2M 1.0 has no opaque type: bytes travel
base64-encoded in ``sv`` and decode as the string.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.records import full_path, is_number, json_dumps, json_loads, names, number
from qlaterm.lwm2m.formats.values import Scalar, sorted_items
from qlaterm.lwm2m.paths import Path

__all__ = ["decode", "encode"]


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    items = sorted_items(base, values)
    bn, record_names = names(base, items)
    entries = []
    for (_, value), name in zip(items, record_names, strict=True):
        entry: dict[str, Any] = {} if name is None else {"n": name}
        if isinstance(value, bool):
            entry["bv"] = value
        elif isinstance(value, int | float):
            entry["v"] = number(value)
        elif isinstance(value, str):
            entry["sv"] = value
        else:
            entry["sv"] = base64.b64encode(value).decode("ascii")
        entries.append(entry)
    return json_dumps({"bn": bn, "e": entries})


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    document = json_loads(payload)
    if not isinstance(document, dict) or not isinstance(document.get("e"), list):
        raise CodecError('LwM2M JSON needs an object with an "e" array')
    bn = document.get("bn", "")
    if not isinstance(bn, str):
        raise CodecError('"bn" is not a string')
    out: dict[Path, Scalar] = {}
    for entry in document["e"]:
        if not isinstance(entry, dict):
            raise CodecError("LwM2M JSON entry is not an object")
        name = entry.get("n", "")
        if not isinstance(name, str):
            raise CodecError('"n" is not a string')
        present = [key for key in ("v", "sv", "bv", "ov") if key in entry]
        if len(present) != 1:
            raise CodecError(f"entry {name!r} needs exactly one of v, sv, bv, ov")
        key = present[0]
        value = entry[key]
        if key == "v" and not is_number(value):
            raise CodecError(f'"v" of {name!r} is not a number')
        if key in ("sv", "ov") and not isinstance(value, str):
            raise CodecError(f'"{key}" of {name!r} is not a string')
        if key == "bv" and not isinstance(value, bool):
            raise CodecError(f'"bv" of {name!r} is not a boolean')
        out[full_path(bn, name, base)] = value
    return out
