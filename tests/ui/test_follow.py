"""Follow mode of the transcript and the platform log: decided by the user's scrolling, never by the layout."""

from __future__ import annotations

import pytest

from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.folding_log import FoldingLog
from tests.ui.conftest import Console, running_console


def newest_visible(log: FoldingLog) -> bool:
    """The last line of the log is inside the drawn window."""
    top = round(log.scroll_y)
    return len(log.lines) - 1 < top + log.scrollable_content_region.height


async def type_and_wait(console: Console, line: str) -> None:
    final = console.waiter(lambda e: isinstance(e, Traffic) and e.kind is Kind.FINAL)
    await console.pilot.press(*line)
    await console.pilot.press("enter")
    await final
    await console.pilot.pause(0.12)  # two transcript flushes


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_typed_commands_stay_in_view_while_the_hint_grows(size: tuple[int, int]) -> None:
    async with running_console(size=size) as console:
        transcript = console.app.transcript
        for line in ("AT+CSQ", "AT+CIMI", "AT+CGSN=1", "ATI"):
            await type_and_wait(console, line)
        assert transcript.following and transcript.border_subtitle == "following"
        assert newest_visible(transcript), (transcript.scroll_y, transcript.max_scroll_y)
        assert transcript.lines[-1].endswith("# OK")


async def test_a_burst_of_long_lines_keeps_following(console: Console) -> None:
    transcript = console.app.transcript
    burst = b"".join(b'\r\n+QLAURC: "x",' + bytes([65 + i % 26]) * 4000 + b"\r\n" for i in range(300))
    console.app.session._on_data(burst)
    await console.pilot.pause(0.12)
    await console.pilot.resize_terminal(80, 24)
    await console.pilot.pause(0.12)
    console.app.session._on_data(b'\r\n+QLAURC: "newest"\r\n')
    await console.pilot.pause(0.12)
    assert transcript.following and transcript.border_subtitle == "following"
    assert newest_visible(transcript)
    assert "newest" in transcript.lines[-1]


async def test_scrolling_up_pauses_and_end_follows_again(console: Console) -> None:
    transcript = console.app.transcript
    console.app.session._on_data(b"".join(b"\r\n+QLAURC: \"line\",%d\r\n" % i for i in range(200)))
    await console.pilot.pause(0.12)
    transcript.focus()
    await console.pilot.press("pageup")
    assert not transcript.following and transcript.border_subtitle == "paused · End follows"
    top = transcript.scroll_y
    console.app.session._on_data(b'\r\n+QLAURC: "more"\r\n')
    await console.pilot.pause(0.12)
    assert transcript.scroll_y == top  # the reader's place is kept
    await console.pilot.resize_terminal(100, 30)
    await console.pilot.pause(0.12)
    assert not transcript.following  # a relayout is not the user scrolling
    await console.pilot.press("end")
    assert transcript.following and newest_visible(transcript)
    await console.pilot.press("pageup", "pagedown")
    await console.pilot.pause()
    assert transcript.following  # scrolled back down to the end: following again


async def test_platform_log_follows_through_a_relayout(console: Console) -> None:
    log = console.app.query_one("#platform-log", FoldingLog)
    log.add_lines([f"12:00:00.000 ● event {i}" for i in range(300)])
    await console.pilot.pause()
    await console.pilot.resize_terminal(80, 24)
    await console.pilot.pause()
    log.add_lines(["12:00:01.000 ● newest"])
    await console.pilot.pause()
    assert log.following and newest_visible(log) and log.lines[-1].endswith("newest")
