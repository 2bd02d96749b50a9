"""A module whose NVM cannot be written (SPEC section 2): a setting whose save fails answers
``+CME ERROR: 1`` and changes nothing in memory; a registration whose save fails still ends with its
``+QLAREG:`` code and the module stays usable."""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import Any

import pytest

from qlaterm.sim.nvm import Nvm
from tests.sim.test_lwm2m import EP, registered


class FillingNvm(Nvm):
    """A file-backed NVM on a file system that can fill up: once ``full`` is set, saving fails as a full
    disk does."""

    full = False

    def save(self, data: dict[str, Any]) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        super().save(data)


def unwritable(tmp_path: Path) -> Nvm:
    """An NVM directory that cannot be created: its parent is a regular file (refused even to root)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    return Nvm(blocker / "state")


async def test_a_registration_whose_save_fails_still_ends_with_its_code(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    async with registered(objects=(), nvm=unwritable(tmp_path)) as (d, _platform):  # waits for +QLAREG: 0
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 2", "OK"]
        assert await d.command("AT+QLADEREG") == ["OK"]
        await d.expect(r"\+QLADEREG: 0")
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 4", "OK"]
    assert any("could not be saved" in r.getMessage() for r in caplog.records)
    assert not any("module task failed" in r.getMessage() for r in caplog.records)


async def test_settings_whose_save_fails_change_nothing(tmp_path: Path) -> None:
    nvm = FillingNvm(tmp_path)
    async with registered(nvm=nvm, lifetime=300) as (d, platform):
        nvm.full = True
        assert await d.command('AT+QLACFG="retransmit",3,4') == ["+CME ERROR: 1"]
        assert await d.command('AT+QLACFG="retransmit"') == ['+QLACFG: "retransmit",2,5', "OK"]
        assert await d.command("AT+QLAADDOBJ=20,0,1,0") == ["+CME ERROR: 1"]
        assert await d.command("AT+QLAADDOBJ?") == ["+QLAADDOBJ: 19,0,1,0", "OK"]
        assert await d.command("AT+QLADELOBJ=19") == ["+CME ERROR: 1"]
        assert await d.command("AT+QLAADDOBJ?") == ["+QLAADDOBJ: 19,0,1,0", "OK"]
        assert await d.command("AT+QLAUPDATE=0,1000") == ["+CME ERROR: 1"]
        assert (await d.command("AT+QLACONFIG?"))[0] == f'+QLACONFIG: 0,"127.0.0.1",{platform.port},"{EP}",300,3,0'
        assert platform.devices[EP].lifetime == 300  # no Update was sent for a change that was refused
        nvm.full = False
        assert await d.command('AT+QLACFG="retransmit",3,4') == ["OK"]  # space again: saved and applied
    assert Nvm(tmp_path).load()["settings"]["retransmit"] == [3, 4]
