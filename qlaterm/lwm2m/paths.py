"""LwM2M paths: ``/object/instance/resource/resource-instance``, each id 0–65535.

A path has one spelling.  :func:`parse_path` accepts exactly what :func:`format_path` writes, with the
leading ``/`` and one trailing ``/`` optional: ids are ASCII decimal digits without a sign, spaces,
underscores or leading zeros (``"+1"``, ``" 1"``, ``"1_0"``, ``"01"``, ``"\u0663"`` are refused, though
``int()`` takes them all), no segment is empty (``"/3//0"``), none exceeds 65535, and there are at most
four.  The root ``"/"`` is the empty path ``()``.

What a CoAP request may address at the client is narrower — an object, an instance or a resource — so
:func:`parse_segments` takes the Uri-Path options and a depth range.
"""

from __future__ import annotations

from collections.abc import Sequence

from qlaterm.lwm2m.errors import CodecError

__all__ = [
    "MAX_DEPTH",
    "MAX_ID",
    "Path",
    "PathError",
    "check_path",
    "format_path",
    "is_under",
    "parse_path",
    "parse_segments",
    "to_path",
]

Path = tuple[int, ...]
"""``(19, 0, 1)`` for ``/19/0/1``; ``()`` for the root."""

MAX_ID = 0xFFFF
"""Object, instance, resource and resource-instance ids are 16-bit."""

MAX_DEPTH = 4
"""object / instance / resource / resource instance."""


class PathError(CodecError):
    """Text or a tuple that is not an LwM2M path (a ValueError, as every bad input of the codec)."""


def _segment(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 5 or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def parse_segments(segments: Sequence[str], *, min_depth: int = 0, max_depth: int = MAX_DEPTH) -> Path:
    """Uri-Path options (``["19", "0", "1"]``) → ``(19, 0, 1)``; PathError for anything else."""
    if not min_depth <= len(segments) <= max_depth:
        depth = f"{min_depth}" if min_depth == max_depth else f"{min_depth} to {max_depth}"
        raise PathError(f"not an LwM2M path of {depth} ids: /{'/'.join(segments)}")
    ids = []
    for text in segments:
        value = _segment(text)
        if value is None:
            raise PathError(f"bad path segment {text!r} in /{'/'.join(segments)}")
        ids.append(value)
    return tuple(ids)


def parse_path(text: str, *, min_depth: int = 0, max_depth: int = MAX_DEPTH) -> Path:
    """``"/19/0/1"`` (or ``"19/0/1"``, ``"/19/0/"``) → ``(19, 0, 1)``; ``"/"`` → ``()``; PathError else."""
    body = text[1:] if text.startswith("/") else text
    if body.endswith("/"):
        body = body[:-1]
    segments = body.split("/") if body else []
    try:
        return parse_segments(segments, min_depth=min_depth, max_depth=max_depth)
    except PathError:
        raise PathError(f"not an LwM2M path: {text!r}") from None


def check_path(path: object, *, min_depth: int = 0, max_depth: int = MAX_DEPTH) -> Path:
    """A tuple of ids, validated: ``min_depth``–``max_depth`` ints (not bools) 0–65535; PathError else."""
    if (
        not isinstance(path, tuple)
        or not min_depth <= len(path) <= max_depth
        or not all(type(p) is int and 0 <= p <= MAX_ID for p in path)
    ):
        raise PathError(f"bad path {path!r}")
    return path


def to_path(path: str | Path) -> Path:
    """A path given as text (``"/3/0/1"``) or as a tuple, validated."""
    return parse_path(path) if isinstance(path, str) else check_path(path)


def format_path(path: Path) -> str:
    """``(19, 0, 1)`` → ``"/19/0/1"``; the empty path is ``"/"``."""
    return "/" + "/".join(str(part) for part in path)


def is_under(path: Path, base: Path) -> bool:
    """Whether ``path`` is ``base`` or lies below it."""
    return path[: len(base)] == base
