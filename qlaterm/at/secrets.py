"""Where a PSK appears on an AT line, so that nothing shows or stores it in clear.

A QLACONFIG line carries its key after the security mode (``…,<security_mode>,<PSK_ID>,<PSK>,…``), but
lines are mistyped: ``"host,port"`` in one field moves every later field one place to the left, a spare
comma one to the right, and security mode 3 with PSK fields still carries a key.  So in any line that names
QLACONFIG (a command, its echo, the module's answer), the field in PSK position and every even-length hex
run of 8 digits or more after the security mode count as keys; and a key once seen is masked on any line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .params import field_spans

__all__ = ["MASK", "conceal", "psk_fields"]

MASK = "********"

_QLACONFIG = re.compile(r"QLACONFIG\s*[=:]", re.IGNORECASE)
_PSK_INDEX = 7
_FIRST_AFTER_SECURITY = 6
_HEX_KEY = re.compile(r"(?:[0-9A-Fa-f]{2}){4,}")


def _key_spans(line: str) -> list[tuple[int, int]]:
    found = _QLACONFIG.search(line)
    if found is None:
        return []
    spans = field_spans(line, found.end())
    keys = [(lo, hi) for lo, hi in spans[_FIRST_AFTER_SECURITY:] if _HEX_KEY.fullmatch(line, lo, hi)]
    if len(spans) > _PSK_INDEX:
        lo, hi = spans[_PSK_INDEX]
        if hi > lo and (lo, hi) not in keys:
            keys.append((lo, hi))
    return sorted(keys)


def psk_fields(line: str) -> list[str]:
    """The values in ``line`` that are, or may be, a PSK (empty for lines that are not QLACONFIG's)."""
    return [line[lo:hi] for lo, hi in _key_spans(line)]


def conceal(line: str, secrets: Iterable[str] = ()) -> str:
    """``line`` with every PSK-looking QLACONFIG field and every known secret replaced by asterisks."""
    for lo, hi in reversed(_key_spans(line)):
        line = line[:lo] + MASK + line[hi:]
    for secret in secrets:
        if secret and secret in line:
            line = line.replace(secret, MASK)
    return line
