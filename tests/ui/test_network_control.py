"""The simulated radio condition as a control: a key cycles it, the palette picks one, the status pane shows it."""

from __future__ import annotations

from qlaterm.link.session import Kind
from tests.ui.conftest import Console


def notes(console: Console) -> list[str]:
    return [e.text for e in console.app.transcript.entries if e.kind is Kind.NOTE]


async def test_the_key_cycles_the_condition_and_the_status_pane_shows_it(console: Console) -> None:
    simulator = console.app.simulator
    assert simulator is not None and simulator.network == "ideal"
    assert "sim ideal" in console.status_text()
    await console.pilot.press("ctrl+g")
    await console.settle()
    assert simulator.network == "good"
    assert "sim good" in console.status_text()
    assert "simulator: network condition good" in notes(console)
    for _ in range(3):
        await console.pilot.press("ctrl+g")
    await console.settle()
    assert simulator.network == "none"
    await console.pilot.press("ctrl+g")
    await console.settle()
    assert simulator.network == "ideal"


async def test_out_of_coverage_the_module_loses_the_network(console: Console) -> None:
    await console.send("AT+CEREG=1")
    console.app.set_network("poor")
    await console.settle()
    assert console.state.network.rssi_dbm == -113 + 2 * 10  # the signal is asked again at once
    console.app.set_network("none")
    await console.settle()
    assert "+CEREG: 0" in console.transcript_text()
    assert "sim none" in console.status_text()
    assert console.state.network.registration is not None and not console.state.network.registration.registered


async def test_the_palette_picks_a_condition(console: Console) -> None:
    commands = {c.title: c for c in console.app.get_system_commands(console.app.screen)}
    assert {f"Network: {name} (simulator)" for name in ("ideal", "good", "poor", "edge", "none")} <= set(commands)
    assert "Network condition (simulator)" in {e.action.title for e in console.app.palette_entries()}
    commands["Network: edge (simulator)"].callback()
    await console.settle()
    assert console.app.simulator is not None and console.app.simulator.network == "edge"
    assert "sim edge" in console.status_text()
