"""Simulator controls (sim mode only): deep sleep and wake of the module, from a key, the palette or the pane."""

from __future__ import annotations

from qlaterm.link.session import Kind
from qlaterm.ui.platform_pane import PaneAction
from tests.ui.conftest import Console


def sent(console: Console) -> list[str]:
    return [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]


def footer_actions(console: Console) -> set[str]:
    return {b.binding.action for b in console.app.active_bindings.values() if b.enabled}


async def test_deep_sleep_and_wake_reread_the_state(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    assert "deep_sleep" in footer_actions(console) and "wake" not in footer_actions(console)
    await console.pilot.press("ctrl+n")
    await console.settle()
    simulator = console.app.simulator
    assert simulator is not None and simulator.asleep
    assert "wake" in footer_actions(console) and "deep_sleep" not in footer_actions(console)
    assert "deep sleep" in console.status_text()
    assert console.app.query_one("#platform-sleep", PaneAction).label == "Wake"

    before = len(sent(console))
    rdy = console.line("RDY")
    recovered = console.urc("recovered")
    await console.pilot.press("ctrl+n")
    await rdy
    await recovered
    await console.settle()
    assert not simulator.asleep
    assert sent(console)[before:before + 5] == ["AT", "AT+QLASTATUS?", "AT+QLACONFIG?", "AT+QLACFG?",
                                               "AT+QLAADDOBJ?"]
    assert console.state.registered and console.state.objects == {19: {0: (0,)}}
    assert "deep sleep" not in console.status_text()
    assert console.app.query_one("#platform-sleep", PaneAction).label == "Sleep"


async def test_the_pane_button_sleeps_and_wakes(console: Console) -> None:
    simulator = console.app.simulator
    assert simulator is not None
    console.app.action_toggle_platform()
    await console.press_button("#platform-sleep")
    await console.settle()
    assert simulator.asleep
    rdy = console.line("RDY")
    await console.press_button("#platform-sleep")
    await rdy
    await console.settle()
    assert not simulator.asleep


async def test_sim_controls_are_in_the_palette(console: Console) -> None:
    titles = [e.action.title for e in console.app.palette_entries()]
    assert "Deep sleep (simulator)" in titles and "Wake (simulator)" in titles
    ids = {b.id for b in console.app.BINDINGS if getattr(b, "id", None)}
    assert {"deep_sleep", "wake"} <= ids
