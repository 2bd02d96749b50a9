"""The continuous session log: one 0600 file per session, time-stamped and marked, masked, rotated."""

from __future__ import annotations

import re
import stat
import time
from pathlib import Path

from qlaterm.at.secrets import conceal as mask
from qlaterm.link.base import LinkState, LinkStatus
from qlaterm.link.sessionlog import SessionLog, log_name, prune
from tests.scripted import frame, opened

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (?P<marker>\S) (?P<text>.*)$")


def test_file_names_say_when_and_which_port() -> None:
    started = time.mktime((2025, 1, 14, 9, 30, 12, 0, 0, -1))
    assert log_name(started, "/dev/ttyUSB0") == "20250114-093012-ttyUSB0.log"
    assert log_name(started, "socket://127.0.0.1:7000") == "20250114-093012-socket-127.0.0.1-7000.log"


async def test_every_line_is_written_as_it_happens_masked_with_its_marker(tmp_path: Path) -> None:
    secrets = {"C0FFEE"}
    session, _, _ = await opened({"AT+QLACONFIG?": [frame('+QLACONFIG: 0,"h",5684,"ep",300,0,"id","C0FFEE"',
                                                                  "OK")]})
    log = SessionLog.in_directory(tmp_path, "/dev/ttyUSB0", lambda text: mask(text, secrets))
    session.subscribe(log)
    await session.send("AT+QLACONFIG?")
    lines = log.path.read_text().splitlines()  # no close: written as it happens
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["marker"], m["text"]) for m in parsed if m] == [
        (">", "AT+QLACONFIG?"), ("=", "AT+QLACONFIG?"), ("<", '+QLACONFIG: 0,"h",5684,"ep",300,0,"id","********"'),
        ("#", "OK")]
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    log.close()


async def test_the_link_going_down_and_coming_back_is_written(tmp_path: Path) -> None:
    session, transport, _ = await opened({})
    log = SessionLog(tmp_path / "one.log")
    session.subscribe(log)
    assert transport.on_state is not None
    transport.on_state(LinkStatus(LinkState.LOST, "device gone · retrying"))
    transport.on_state(LinkStatus(LinkState.LOST, "device gone · retrying"))
    transport.on_state(LinkStatus(LinkState.CONNECTED, "/dev/ttyUSB0 @ 115200"))
    texts = [line.split(" ", 3)[2:] for line in log.path.read_text().splitlines()]
    assert texts == [["~", "link lost: device gone · retrying"], ["~", "link back: /dev/ttyUSB0 @ 115200"]]


def test_rotation_keeps_the_newest_sessions_under_the_size_cap(tmp_path: Path) -> None:
    for day in range(1, 6):
        (tmp_path / f"202501{day:02d}-000000-ttyUSB0.log").write_text("x" * 100)
    (tmp_path / "notes.txt").write_text("not a log")
    gone = prune(tmp_path, keep=3, max_bytes=10_000)
    assert [p.name[:8] for p in gone] == ["20250101", "20250102"]
    gone = prune(tmp_path, keep=3, max_bytes=150)
    assert [p.name[:8] for p in gone] == ["20250103", "20250104"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20250105-000000-ttyUSB0.log", "notes.txt"]
    log = SessionLog.in_directory(tmp_path, "sim", keep=1)
    assert sorted(p.name for p in tmp_path.glob("*.log")) == [log.path.name]
    log.close()


def test_log_options() -> None:
    from qlaterm.__main__ import parse_args

    assert parse_args(["--sim", "--log", "/tmp/x.log"]).log == Path("/tmp/x.log")
    assert parse_args(["--sim", "--no-log"]).no_log
