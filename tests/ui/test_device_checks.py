"""Validation that knows the device, in the console: explained before sending, Enter (or the key) again sends."""

from __future__ import annotations

from textual.widgets import Static

from qlaterm.link.session import Kind, Reply
from tests.ui.conftest import Console


def hint(console: Console) -> str:
    """The parameter hint and the verdict below it, as drawn."""
    return " ".join(str(console.app.query_one(f"#{part}", Static).render()) for part in ("hint", "verdict"))


def sent(console: Console) -> list[str]:
    return [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]


async def test_an_answer_to_a_message_id_nobody_asked_is_held_then_sent(console: Console) -> None:
    await console.pilot.press(*"AT+QLAWRRSP=4711,2")
    assert "⚠ no server request with message ID 4711 is waiting (waiting: none)" in hint(console)
    await console.pilot.press("enter")
    assert "Enter again sends it anyway" in hint(console)
    assert "AT+QLAWRRSP=4711,2" not in sent(console)
    answered = console.waiter(lambda e: isinstance(e, Reply) and e.line == "AT+QLAWRRSP=4711,2")
    await console.pilot.press("enter")
    assert not (await answered).ok
    await console.settle()
    assert "AT+QLAWRRSP=4711,2" in sent(console)


async def test_deregister_while_not_registered_is_explained_and_the_key_again_sends(console: Console) -> None:
    assert console.state.status == 0
    await console.pilot.press("f6")
    await console.settle()
    assert "AT+QLADEREG" not in sent(console)
    notes = [n.message for n in console.app._notifications]
    assert any("the module is not registered" in m and "f6 again sends AT+QLADEREG anyway" in m for m in notes)
    await console.pilot.press("f6")
    await console.settle()
    assert "AT+QLADEREG" in sent(console)


async def test_f4_while_registered_is_explained(console: Console) -> None:
    await console.register()
    before = sent(console).count("AT+QLAREG")
    await console.pilot.press("f4")
    await console.settle()
    assert sent(console).count("AT+QLAREG") == before
    assert any("registered already" in n.message for n in console.app._notifications)
