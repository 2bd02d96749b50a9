"""Snapshots of the main screen and every dialog at 120×40 (``pytest --snapshot-update`` refreshes them)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from qlaterm.link.ports import Port
from qlaterm.ui.port_picker import PortPickerApp
from tests.ui.scenes import DIALOGS, SIZE, dialog_scene, fixed_app, hex_scene, main_scene
from tests.ui.test_port_picker import PORTS

os.environ["TZ"] = "UTC"
time.tzset()


def test_main_screen(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(fixed_app(), terminal_size=SIZE, run_before=main_scene)


def test_main_screen_in_a_100_by_30_terminal(snap_compare: Callable[..., bool]) -> None:
    """Below 120 columns the right-hand panes narrow so that the platform pane's controls still fit."""
    assert snap_compare(fixed_app(), terminal_size=(100, 30), run_before=main_scene)


def test_main_screen_in_an_80_by_24_terminal(snap_compare: Callable[..., bool]) -> None:
    """The status pane keeps to its essentials so that Objects and Requests keep rows of their own."""
    assert snap_compare(fixed_app(), terminal_size=(80, 24), run_before=main_scene)


@pytest.mark.parametrize("name", DIALOGS)
def test_dialog(name: str, snap_compare: Callable[..., bool]) -> None:
    async def scene(pilot: Any) -> None:
        await dialog_scene(pilot, name)

    assert snap_compare(fixed_app(), terminal_size=SIZE, run_before=scene)


@pytest.mark.parametrize("name", ["config", "serial"])
def test_tall_dialog_in_an_80_by_24_terminal(name: str, snap_compare: Callable[..., bool]) -> None:
    """The fields scroll; the preview and the buttons stay in view."""

    async def scene(pilot: Any) -> None:
        await dialog_scene(pilot, name)

    assert snap_compare(fixed_app(), terminal_size=(80, 24), run_before=scene)


@pytest.mark.parametrize("size", [(80, 24), SIZE], ids=["80x24", "120x40"])
def test_hex_view(size: tuple[int, int], snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(fixed_app(), terminal_size=size, run_before=hex_scene)


@pytest.mark.parametrize("found", [PORTS, []], ids=["ports", "none"])
def test_port_picker_in_an_80_by_24_terminal(found: list[Port], snap_compare: Callable[..., bool]) -> None:
    """``qlaterm`` alone: the ports found, Quectel's first and marked, then the simulator."""
    assert snap_compare(PortPickerApp(lambda: list(found)), terminal_size=(80, 24))
