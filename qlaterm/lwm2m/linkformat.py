"""The CoRE link format (RFC 6690) of LwM2M registration payloads and Discover answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from qlaterm.lwm2m.errors import CodecError

__all__ = ["Link", "link_format", "parse_link_format"]


_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
_BARE_VALUE_FORBIDDEN = frozenset(';,"<> \t\r\n')
_SPACE = " \t\r\n"


@dataclass(frozen=True)
class Link:
    """One link: a target path and its attributes.

    Attribute values are kept exactly as written, quotes included (``rt`` → ``'"oma.lwm2m"'``), so a
    registration payload survives parse → format unchanged; ``None`` is a flag attribute (``;obs``).
    :meth:`value` gives the unquoted text.
    """

    path: str
    attrs: dict[str, str | None] = field(default_factory=dict, hash=False)

    def value(self, name: str) -> str | None:
        """The attribute's value with surrounding quotes and backslash escapes removed."""
        raw = self.attrs.get(name)
        if raw is None or len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
            return raw
        out, escaped = [], False
        for ch in raw[1:-1]:
            if escaped or ch != "\\":
                out.append(ch)
                escaped = False
            else:
                escaped = True
        return "".join(out)


def _quoted_end(text: str, start: int) -> int:
    """Index just past the quoted-string that opens at ``text[start]`` (a ``"``)."""
    pos = start + 1
    while pos < len(text):
        ch = text[pos]
        if ch == "\\":
            pos += 2
            continue
        if ch == '"':
            return pos + 1
        pos += 1
    raise CodecError(f"unterminated quoted string at {start}")


def _check_attr_value(value: str) -> None:
    if value.startswith('"'):
        if len(value) < 2 or _quoted_end(value, 0) != len(value):
            raise CodecError(f"bad quoted attribute value {value!r}")
    elif not value or any(ch in _BARE_VALUE_FORBIDDEN for ch in value):
        raise CodecError(f"attribute value {value!r} must be quoted")


def link_format(links: Iterable[Link]) -> str:
    """``</1/0>,</3/0>;obs;pmin=10`` — validates what it writes so that parse_link_format reads it back."""
    parts = []
    for link in links:
        if any(ch in "<>" for ch in link.path):
            raise CodecError(f"link path {link.path!r} contains '<' or '>'")
        text = f"<{link.path}>"
        for name, value in link.attrs.items():
            if not name or not set(name) <= _TOKEN_CHARS:
                raise CodecError(f"bad attribute name {name!r}")
            if value is None:
                text += f";{name}"
            else:
                _check_attr_value(value)
                text += f";{name}={value}"
        parts.append(text)
    return ",".join(parts)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def parse_link_format(text: str) -> list[Link]:
    """Parse a link-format document; whitespace between links and attributes is tolerated."""
    links: list[Link] = []
    pos = _skip_space(text, 0)
    if pos == len(text):
        return links
    while True:
        if pos >= len(text) or text[pos] != "<":
            raise CodecError(f"expected '<' at {pos}")
        close = text.find(">", pos + 1)
        if close < 0 or "<" in text[pos + 1 : close]:
            raise CodecError(f"unterminated link at {pos}")
        path = text[pos + 1 : close]
        attrs: dict[str, str | None] = {}
        pos = _skip_space(text, close + 1)
        while pos < len(text) and text[pos] == ";":
            pos = _skip_space(text, pos + 1)
            start = pos
            while pos < len(text) and text[pos] in _TOKEN_CHARS:
                pos += 1
            name = text[start:pos]
            if not name:
                raise CodecError(f"missing attribute name at {start}")
            pos = _skip_space(text, pos)
            value: str | None = None
            if pos < len(text) and text[pos] == "=":
                pos = _skip_space(text, pos + 1)
                if pos < len(text) and text[pos] == '"':
                    end = _quoted_end(text, pos)
                    value = text[pos:end]
                    pos = end
                else:
                    start = pos
                    while pos < len(text) and text[pos] not in _BARE_VALUE_FORBIDDEN:
                        pos += 1
                    value = text[start:pos]
                    if not value:
                        raise CodecError(f"missing value for attribute {name!r}")
                pos = _skip_space(text, pos)
            attrs[name] = value
        links.append(Link(path, attrs))
        if pos == len(text):
            return links
        if text[pos] != ",":
            raise CodecError(f"expected ',' or ';' at {pos}")
        pos = _skip_space(text, pos + 1)
