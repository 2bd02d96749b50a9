"""The footer shows the most useful keys that fit, at 80 and at 120 columns, and never runs past its edge."""

from __future__ import annotations

import pytest

from qlaterm.ui.footer import RankedFooter
from tests.ui.conftest import Console, running_console


def drawn_footer(console: Console) -> str:
    """The bottom line of the screen as drawn."""
    return console.app.screen._compositor.render_strips()[-1].text


def footer(console: Console) -> RankedFooter:
    return console.app.query_one(RankedFooter)


async def test_at_80_columns_the_first_keys_and_the_palette_fit() -> None:
    async with running_console(size=(80, 24)) as console:
        line = drawn_footer(console)
        assert line.rstrip().endswith("^p palette")
        for key in ("f1 Help", "f2 Answer", "f3 Notify", "f4 Reg", "f5 Upd", "f6 Dereg", "f7 Server"):
            assert key in line
        assert "f9" not in line and "f9" not in [k for k in footer(console).shown()]


async def test_at_120_columns_more_keys_fit_and_none_is_cut() -> None:
    async with running_console(size=(120, 40)) as console:
        line = drawn_footer(console)
        assert line.rstrip().endswith("^p palette")
        for key in ("f7 Server", "f8 Opts", "f9 +Obj", "f10 -Obj", "^t Platform"):
            assert key in line
        console.app.transcript.focus()  # the transcript adds its own keys: they must not push others out
        await console.pilot.pause()
        await console.pilot.pause()
        line = drawn_footer(console)
        assert line.rstrip().endswith("^p palette") and "f1 Help" in line


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_key_the_state_calls_for_takes_the_place_of_a_less_useful_one(size: tuple[int, int]) -> None:
    async with running_console(size=size) as console:
        await console.send('AT+QLACFG="access_mode",1')
        await console.settle()
        await console.pilot.pause()
        line = drawn_footer(console)
        assert "^r Drain" in line and "f1 Help" in line
        assert line.rstrip().endswith("^p palette")
        keys = [k for k in footer(console).query_children() if k.display]
        assert all(k.region.right <= size[0] for k in keys)
