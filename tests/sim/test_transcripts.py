"""The vendor document's chapter 5 transcripts, replayed line for line against the simulator.

Each file in ``transcripts/`` is a session: ``> line`` is typed, ``< line`` must be the next line printed
(echo aside).  ``{name}`` in an expected line matches a number (a message ID) and binds it; ``{name:hex}``
matches hex digits; later uses of the name must repeat the bound value.  ``{host}`` and ``{port}`` are the
bundled platform's address.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qlaterm.platform.server import Platform
from tests.simkit import ModuleDriver, running_module

TRANSCRIPTS = Path(__file__).parent / "transcripts"
_VAR = re.compile(r"\{(\w+)(?::(\w+))?\}")

CASES = {
    "aep.txt": ("aep", {}),
    "telit.txt": ("telit", {"device1-api.10646.cn": "127.0.0.1"}),
    "andlink.txt": ("andlink", {"lwm.home.komect.com": "127.0.0.1"}),
}


def _pattern(expected: str, bound: dict[str, str]) -> str:
    """An expected line as a regex; unbound variables become named groups."""
    out, pos, seen = [], 0, set()
    for match in _VAR.finditer(expected):
        out.append(re.escape(expected[pos : match.start()]))
        name, kind = match.group(1), match.group(2)
        if name in bound:
            out.append(re.escape(bound[name]))
        elif name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>[0-9A-Fa-f]+)" if kind == "hex" else rf"(?P<{name}>\d+)")
        pos = match.end()
    out.append(re.escape(expected[pos:]))
    return "".join(out)


def _substitute(line: str, bound: dict[str, str]) -> str:
    return _VAR.sub(lambda m: bound[m.group(1)], line)


async def replay(driver: ModuleDriver, script: str, bound: dict[str, str]) -> None:
    for number, raw in enumerate(script.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        marker, text = raw[:1], raw[2:]
        if marker == ">":
            sent = _substitute(text, bound)
            driver.send(sent)
            echo = await driver.next_line()
            assert echo == sent, f"line {number}: expected the echo of {sent!r}, got {echo!r}"
        elif marker == "<":
            line = await driver.next_line(timeout=10)
            match = re.fullmatch(_pattern(text, bound), line)
            assert match, f"line {number}: expected {text!r}, got {line!r}; received so far: {driver.lines!r}"
            bound.update({k: v for k, v in match.groupdict().items() if v is not None})
        else:
            raise AssertionError(f"line {number}: unknown marker {marker!r}")


@pytest.mark.parametrize("name", sorted(CASES))
async def test_vendor_transcript_replays(name: str) -> None:
    profile, hosts = CASES[name]
    async with Platform(port=0, profile=profile) as platform, running_module(hosts=hosts) as driver:
        await replay(driver, (TRANSCRIPTS / name).read_text(), {"host": "127.0.0.1", "port": str(platform.port)})
        assert driver.drain() == []
