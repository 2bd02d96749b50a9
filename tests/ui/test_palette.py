"""The command palette finds the console's actions by title and by the AT command they send, with their keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from qlaterm.link.inproc import InProcTransport
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.dialogs import AnswerDialog, ConfigDialog

from .conftest import SIZE, Console, running_console


async def search(app: QlatermApp, pilot: Pilot[None], query: str) -> list[str]:
    """Open the palette, type ``query``, and return its hits as plain text (first line of each: no help)."""
    await pilot.press("ctrl+p")
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query)
    await app.workers.wait_for_complete()
    await pilot.pause()
    hits = app.screen.query_one(CommandList)
    return [str(hits.get_option_at_index(i).prompt).split("\n")[0] for i in range(hits.option_count)]


@pytest.mark.parametrize(("query", "first"), [
    ("QLACONFIG", "Configure server  AT+QLACONFIG  f7"),
    ("qlareg", "Register  AT+QLAREG  f4"),
    ("QLARDRSP", "Answer request  AT+QLARDRSP AT+QLAOBSRSP AT+QLAWRRSP AT+QLAEXERSP  f2"),
    ("qlacfg", "Optional settings  AT+QLACFG  f8"),
    ("qrst", "Reboot module  AT+QRST  ctrl+b"),
])
async def test_an_at_name_finds_the_action_that_sends_it(console: Console, query: str, first: str) -> None:
    hits = await search(console.app, console.pilot, query)
    assert hits[0] == first, hits


async def test_choosing_the_hit_runs_the_action(console: Console) -> None:
    await search(console.app, console.pilot, "QLACONFIG")
    await console.pilot.press("enter")
    await console.pilot.pause()
    assert isinstance(console.app.screen, ConfigDialog)


async def test_titles_still_find_their_action_with_its_key(console: Console) -> None:
    hits = await search(console.app, console.pilot, "hex view")
    assert hits[0] == "Hex view  ctrl+y"


async def test_the_palette_opened_empty_lists_the_actions_with_their_keys(console: Console) -> None:
    hits = await search(console.app, console.pilot, "")
    assert "Configure server  AT+QLACONFIG  f7" in hits and "Deregister  AT+QLADEREG  f6" in hits
    assert "Command list  alt+c" in hits


async def test_a_remapped_key_is_the_one_shown(tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keys]\nconfigure = "ctrl+k,f7"\n')
    app = QlatermApp(InProcTransport(platform_port=None, network="ideal"), keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        hits = await search(app, pilot, "QLACONFIG")
        assert hits[0] == "Configure server  AT+QLACONFIG  ctrl+k"


async def test_at_80_columns_the_longest_hit_is_drawn_whole() -> None:
    async with running_console(size=(80, 24)) as console:
        await search(console.app, console.pilot, "QLAOBSRSP")
        hits = console.app.screen.query_one(CommandList)
        drawn = "".join(s.text for s in hits.render_line(0)) + "".join(s.text for s in hits.render_line(1))
        assert "AT+QLAEXERSP  f2" in drawn
        await console.pilot.press("enter")
        await console.pilot.pause()
        assert not isinstance(console.app.screen, (CommandPalette, AnswerDialog))  # nothing waits: a warning
        assert any("no server request" in str(n.message) for n in console.app._notifications)
