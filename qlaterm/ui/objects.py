"""The object tree: custom objects → instances → resources, with last known values and observations."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree

from qlaterm.at.catalogue import BUILTIN_OBJECTS
from qlaterm.at.values import Scalar
from qlaterm.state import DeviceState, Path

from .messages import ResourceChosen

__all__ = ["ObjectTree", "show_value"]

OBSERVED = "◉"


def show_value(value: Scalar | None, width: int = 24) -> str:
    """A value as short text: strings quoted, bytes as hex, long ones cut with an ellipsis."""
    if value is None:
        return "—"
    if isinstance(value, bytes):
        text = "0x" + value.hex().upper()
    elif isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, bool):
        text = "1 (true)" if value else "0 (false)"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


class ObjectTree(Tree[Path]):
    """Objects the module registers, each resource with its last value; ◉ marks an observed path."""

    HELP = """\
## Objects

The custom objects added with `AT+QLAADDOBJ` (object → instance → resource), each resource with the last
value the console saw for it (answered, notified or written by the server). `◉` marks a path the server
observes. Built-in objects 0, 1, 3, 4 and 5 are served by the module itself.

`Enter` on a resource opens **Notify** for it (`F3`). `F9` adds an object instance, `F10` deletes an object.
"""

    BINDINGS = [Binding("n", "notify_resource", "Notify", show=False, id="objects.notify")]

    def __init__(self, state: DeviceState, *, id: str | None = None) -> None:
        super().__init__("objects", id=id)
        self.state = state
        self.show_root = False
        self.guide_depth = 3
        self._signature: object = None

    def on_mount(self) -> None:
        self.border_title = "Objects"
        self.refresh_state()

    def refresh_state(self) -> None:
        state = self.state
        signature = (repr(state.objects), repr(sorted(state.values.items(), key=repr)), repr(sorted(state.observed)))
        if signature == self._signature:
            return
        self._signature = signature
        line = self.cursor_line
        self.clear()
        for obj, instances in state.objects.items():
            obj_node = self.root.add(self._label((obj, -1, -1), f"/{obj}"), data=(obj, -1, -1), expand=True)
            for inst, resources in instances.items():
                inst_node = obj_node.add(self._label((obj, inst, -1), f"/{obj}/{inst}"), data=(obj, inst, -1),
                                         expand=True)
                for res in resources:
                    path = (obj, inst, res)
                    label = self._label(path, f"{res}", show_value(state.values.get(path)))
                    inst_node.add_leaf(label, data=path)
        builtin = " ".join(str(o) for o in sorted(BUILTIN_OBJECTS))
        self.root.add_leaf(Text(f"built in: {builtin}", style="dim"))
        if not state.objects:
            self.root.add_leaf(Text("no custom objects (F9 adds)", style="dim italic"))
        if line >= 0:
            self.cursor_line = min(line, self.last_line)

    def _label(self, path: Path, name: str, value: str | None = None) -> Text:
        text = Text(name, style="bold" if path[2] < 0 else "")
        if value is not None:
            text.append(" = ")
            text.append(value, style="cyan" if value != "—" else "dim")
        if path in self.state.observed:
            text.append(f" {OBSERVED}", style="yellow bold")
        return text

    @property
    def selected_path(self) -> Path | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def on_tree_node_selected(self, event: Tree.NodeSelected[Path]) -> None:
        path = event.node.data
        if path is not None and path[2] >= 0:
            event.stop()
            self.post_message(ResourceChosen(path))

    def action_notify_resource(self) -> None:
        path = self.selected_path
        if path is not None and path[2] >= 0:
            self.post_message(ResourceChosen(path))


