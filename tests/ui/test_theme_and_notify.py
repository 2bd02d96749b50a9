"""Textual's own ``notify`` action beside the console's Notify key, and colours that follow the theme."""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

from qlaterm.link.inproc import InProcTransport
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.dialogs import NotifyDialog
from qlaterm.ui.objects import ObjectTree
from qlaterm.ui.status import StatusPane

from .conftest import SIZE, Console


async def test_textual_notify_action_still_shows_a_toast(console: Console) -> None:
    app = console.app
    await app.run_action("notify('the module is back', 'link', 'warning')")
    await console.pilot.pause()
    shown = [(n.message, n.title, n.severity) for n in app._notifications]
    assert ("the module is back", "link", "warning") in shown
    app.notify("plain call", title="direct")
    await console.pilot.pause()
    assert any(n.message == "plain call" for n in app._notifications)
    assert not isinstance(app.screen, NotifyDialog)  # neither path opened the Notify quick action


async def test_notify_keys_open_the_notify_dialog(console: Console) -> None:
    await console.register('AT+QLAADDOBJ=19,0,1,"0"')
    await console.pilot.press("f3")
    assert isinstance(console.app.screen, NotifyDialog)
    console.app.pop_screen()
    await console.pilot.pause()
    tree = console.app.query_one(ObjectTree)
    tree.focus()
    await console.pilot.pause()
    tree.cursor_line = next(i for i in range(tree.last_line + 1) if tree.get_node_at_line(i).data == (19, 0, 0))
    await console.pilot.press("n")
    await console.pilot.pause()
    dialog = console.app.screen
    assert isinstance(dialog, NotifyDialog) and dialog.path == (19, 0, 0)


async def test_notify_binding_id_is_remappable(tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keys]\nnotify = "ctrl+y"\n"objects.notify" = "m"\n')
    app = QlatermApp(InProcTransport(platform_port=None, network="ideal"), keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        assert not app._notifications  # both ids are known
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert isinstance(app.screen, NotifyDialog)


def _colour_of(strips: list[Strip], text: str, *, whole: bool = False) -> Style:
    for strip in strips:
        for segment in strip:
            found = segment.text.strip() == text if whole else text in segment.text
            if found and segment.style is not None:
                return segment.style
    raise AssertionError(f"{text!r} is not drawn")


async def test_theme_switch_recolours_transcript_and_status(console: Console) -> None:
    app = console.app
    app.theme = "textual-dark"
    await console.send("AT")
    transcript = app.transcript
    transcript.flush()
    await console.settle()
    status = app.query_one(StatusPane)

    def drawn() -> tuple[Style, Style]:
        height = transcript.size.height
        lines = [transcript.render_line(y) for y in range(height)]
        fields = status.render_lines(Region(0, 0, status.size.width, status.size.height))
        return _colour_of(lines, "AT"), _colour_of(fields, "● connected", whole=True)  # the link, not the RRC

    sent_before, link_before = drawn()
    assert sent_before.color is not None and link_before.color is not None
    app.theme = "nord"
    await console.settle()
    sent_after, link_after = drawn()
    theme = app.get_css_variables()
    assert sent_after.color != sent_before.color and link_after.color != link_before.color
    assert sent_after.color is not None and sent_after.color.triplet is not None
    assert sent_after.color.triplet.hex.lower() == theme["accent"].lower()
    assert link_after.color is not None and link_after.color.triplet is not None
    assert link_after.color.triplet.hex.lower() == theme["success"].lower()
