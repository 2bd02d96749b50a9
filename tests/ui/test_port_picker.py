"""``qlaterm`` with neither a port nor --sim: the picker lists the serial ports found and the simulator."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from qlaterm.__main__ import parse_args
from qlaterm.link.ports import Port
from qlaterm.ui.port_picker import SIMULATOR, PortPicker, PortPickerApp

PORTS = [Port("/dev/ttyUSB1", "Quectel BC26", 0x2C7C, 0x0296), Port("/dev/ttyS0", ""),
         Port("/dev/ttyUSB0", "CP2102 USB to UART Bridge Controller", 0x10C4, 0xEA60)]


def shown(pilot: Pilot[str | None]) -> tuple[str, list[str], int | None]:
    """The note, the options' prompts and the highlighted option's index."""
    screen = pilot.app.screen
    assert isinstance(screen, PortPicker)
    options = screen.query_one(OptionList)
    prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return str(screen.query_one("#picker-note", Static).render()), prompts, options.highlighted


async def test_the_ports_are_listed_quectels_marked_and_first_then_the_simulator() -> None:
    app = PortPickerApp(lambda: list(PORTS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note, prompts, highlighted = shown(pilot)
        assert "3 serial ports found" in note and "Quectel" in note
        assert prompts[0] == "/dev/ttyUSB1  Quectel BC26 [2C7C:0296]  ← Quectel" and highlighted == 0
        assert prompts[1:3] == ["/dev/ttyS0", "/dev/ttyUSB0  CP2102 USB to UART Bridge Controller [10C4:EA60]"]
        assert prompts[-1].startswith("Simulator")
        await pilot.press("enter")
    assert app.return_value == "/dev/ttyUSB1"


async def test_another_port_is_chosen_with_the_arrows() -> None:
    app = PortPickerApp(lambda: list(PORTS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "enter")
    assert app.return_value == "/dev/ttyUSB0"


async def test_a_click_on_a_port_opens_it() -> None:
    app = PortPickerApp(lambda: list(PORTS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        row = options.content_region.y - options.region.y + 1  # the second option's row
        await pilot.click(OptionList, offset=(options.content_region.x - options.region.x + 2, row))
        await pilot.pause()
    assert app.return_value == "/dev/ttyS0"


async def test_the_simulator_is_offered_last() -> None:
    app = PortPickerApp(lambda: list(PORTS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("end", "enter")
    assert app.return_value == SIMULATOR


async def test_no_port_found_says_so_and_offers_the_simulator() -> None:
    app = PortPickerApp(list)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note, prompts, highlighted = shown(pilot)
        assert note.startswith("No serial port found") and "simulator" in note
        assert len(prompts) == 1 and prompts[0].startswith("Simulator") and highlighted == 0
        await pilot.press("enter")
    assert app.return_value == SIMULATOR


async def test_f5_looks_again() -> None:
    found: list[list[Port]] = [[], PORTS[:1]]
    app = PortPickerApp(lambda: found.pop(0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown(pilot)[0].startswith("No serial port found")
        await pilot.press("f5")
        note, prompts, _ = shown(pilot)
        assert "1 serial port found" in note and prompts[0].startswith("/dev/ttyUSB1")
        await pilot.press("enter")
    assert app.return_value == "/dev/ttyUSB1"


async def test_escape_quits_without_a_choice() -> None:
    app = PortPickerApp(lambda: list(PORTS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
    assert app.return_value is None


def test_neither_a_port_nor_sim_is_the_picker_both_are_a_mistake() -> None:
    args = parse_args([])
    assert args.port is None and not args.sim
    with pytest.raises(SystemExit):
        parse_args(["/dev/ttyUSB0", "--sim"])
