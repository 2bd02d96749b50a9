"""The hex view: every transcript line as its bytes on the link, hex and ASCII, CR and LF included."""

from __future__ import annotations

from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.transcript import RAW_KEPT, Entry, hex_rows
from tests.ui.conftest import Console


def shown(console: Console) -> list[str]:
    return [str(line) for line in console.app.transcript.lines]


def test_rows_of_hex_and_ascii() -> None:
    entry = Entry(0.0, Kind.FINAL, "OK", b"\r\n\r\nOK", 6)
    (row,) = hex_rows(entry)
    assert row.endswith("# 0D 0A 0D 0A 4F 4B" + " " * 30 + "  ....OK")
    long = Entry(0.0, Kind.URC, "x", b"A" * RAW_KEPT, 4000)
    rows = hex_rows(long, 8)
    assert len(rows) == RAW_KEPT // 8 + 1 and rows[-1].endswith(f"… 4000 bytes, the first {RAW_KEPT} shown")
    assert hex_rows(Entry(0.0, Kind.NOTE, "a remark")) == [Entry(0.0, Kind.NOTE, "a remark").line()]


async def test_the_key_shows_the_bytes_and_back(console: Console) -> None:
    await console.send("AT+CSQ")
    await console.settle()
    transcript = console.app.transcript
    await console.pilot.press("ctrl+y")
    await console.settle()
    assert transcript.hex_view and "hex" in str(transcript.border_subtitle)
    lines = shown(console)
    assert any("> 41 54 2B 43 53 51 0D" in line and line.endswith("AT+CSQ.") for line in lines)
    assert any("# 0D 0A 0D 0A 4F 4B" in line for line in lines)
    # new lines arrive in hex too, and the newest is in view
    await console.send("AT")
    await console.settle()
    assert shown(console)[-1].split("  ")[0].endswith("# 0D 0D 0A 4F 4B")  # the echo's CR, then CR LF
    assert transcript.scroll_y == transcript.max_scroll_y
    await console.pilot.press("ctrl+y")
    await console.settle()
    assert not transcript.hex_view and shown(console)[-1].endswith("# OK")


async def test_hex_rows_fit_a_narrow_transcript() -> None:
    from tests.ui.conftest import running_console

    async with running_console(size=(80, 24)) as console:
        console.app.action_hex_view()
        await console.settle()
        transcript = console.app.transcript
        width = transcript.scrollable_content_region.width
        assert all(len(line) <= width for line in shown(console))
        assert any(" 4F 4B " in line or line.rstrip().endswith("OK") for line in shown(console))


async def test_keys_are_masked_in_the_bytes_too(console: Console) -> None:
    key = "000102030405060708090A0B0C0D0E0F"
    line = f'AT+QLACONFIG=0,"127.0.0.1",5684,"ep",300,0,"ep","{key}"'
    console.app.session._publish(Traffic(0.0, Kind.SENT, line, raw=line.encode() + b"\r"))
    console.app.action_hex_view()
    await console.settle()
    entry = console.app.transcript.entries[-1]
    assert key.encode() not in entry.raw and entry.raw.endswith(b'"********"\r')
    assert key not in "".join(shown(console)) and key.encode().hex().upper() not in "".join(shown(console))


def test_the_palette_has_it(console: Console) -> None:
    assert "Hex view" in {e.action.title for e in console.app.palette_entries()}
