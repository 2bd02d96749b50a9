"""What every content format checks: the values it carries and the paths they sit at.

Values are keyed by full paths, ``(obj, inst, res)`` or ``(obj, inst, res, res_inst)``. ``base`` is the
path of the request (what was read, written or observed); every value lies under it, and a decoded path
outside ``base`` is an error.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.paths import Path, PathError, check_path, format_path, is_under

__all__ = [
    "Scalar",
    "check_base",
    "check_scalar",
    "float32_exact",
    "payload_path",
    "single_base",
    "single_value",
    "sorted_items",
]

Scalar = str | bytes | int | float | bool
"""One resource value. ``bool`` is listed though it is an ``int``: the formats that carry types keep it."""


def float32_exact(value: float) -> bool:
    """True when ``value`` survives a float32 round trip (NaN counts: any NaN is a NaN)."""
    if math.isnan(value):
        return True
    try:
        return bool(struct.unpack(">f", struct.pack(">f", value))[0] == value)
    except OverflowError:
        return False


def check_base(base: object) -> Path:
    """The request path an encode or decode works under."""
    try:
        return check_path(base)
    except PathError:
        raise CodecError(f"bad base path {base!r}") from None


def check_scalar(value: object) -> Scalar:
    """A value a format can carry; CodecError for anything else."""
    if not isinstance(value, str | bytes | int | float):  # bool is an int
        raise CodecError(f"unsupported value type {type(value).__name__}")
    return value


def _value_path(path: object, base: Path, min_depth: int) -> Path:
    """One key of an ``encode`` mapping: a tuple of ids under ``base``."""
    path = check_path(path, min_depth=min_depth)
    if not is_under(path, base):
        raise CodecError(f"path {format_path(path)} is not under {format_path(base)}")
    return path


def sorted_items(base: Path, values: Mapping[Path, Scalar], min_depth: int = 3) -> list[tuple[Path, Scalar]]:
    """The values to encode, checked and sorted by path."""
    return sorted((_value_path(p, base, min_depth), check_scalar(v)) for p, v in values.items())


def payload_path(path: Path, base: Path) -> Path:
    """A decoded path, refused when it lies outside the request's path."""
    if not is_under(path, base):
        raise CodecError(f"payload path {format_path(path)} is not under {format_path(base)}")
    return path


def single_base(base: Path, fmt_name: str) -> Path:
    """The path a single-value format's one value sits at: the request's, a resource."""
    if len(base) < 3:
        raise CodecError(f"{fmt_name} carries one resource; {format_path(base)} is not a resource path")
    return base


def single_value(base: Path, values: Mapping[Path, Scalar], fmt_name: str) -> Scalar:
    """The one value a single-value format carries; it must sit at ``base`` itself."""
    single_base(base, fmt_name)
    if len(values) != 1 or base not in values:
        raise CodecError(f"{fmt_name} carries exactly one value, at {format_path(base)}")
    return check_scalar(values[base])
