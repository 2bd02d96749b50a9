"""The panes the first frame shows as frames only: in their places, and the state shown once they arrive."""

from __future__ import annotations

from qlaterm.link.inproc import InProcTransport
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.objects import ObjectTree
from qlaterm.ui.requests import RequestsPane
from qlaterm.ui.slot import Slot


async def test_the_first_frame_has_every_pane_in_its_place_and_the_panes_follow() -> None:
    app = QlatermApp(InProcTransport(platform_port=0, network="ideal"))
    async with app.run_test(size=(120, 40)) as pilot:
        # before the first frame is drawn, each slot stands where its pane will be, with its id and title
        slots = {slot.id: slot.border_title for slot in app.query(Slot)}
        assert slots == {"platform": "Platform · starting", "objects": "Objects", "requests": "Requests"}
        await app.state_read.wait()
        await pilot.pause()
        assert not app.query(Slot)
        right = [child.id for child in app.query_one("#right").children]
        assert right == ["status", "objects", "requests"]
        assert [child.id for child in app.query_one("#left").children][-1] == "platform"
        assert isinstance(app.query_one("#objects"), ObjectTree)
        assert isinstance(app.query_one("#requests"), RequestsPane)


async def test_slots_are_filled_on_the_main_screen_whatever_screen_is_in_front() -> None:
    from qlaterm.ui.dialogs import HelpScreen

    app = QlatermApp(InProcTransport(platform_port=0, network="ideal"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(HelpScreen("help"))  # in front before the slots are filled
        await app.state_read.wait()
        await pilot.pause()
        main = app.screen_stack[0]
        assert not main.query(Slot)
        assert main.query(ObjectTree) and main.query(RequestsPane)
