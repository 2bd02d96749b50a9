"""The footer of the keys that fit, the most useful first."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's own key widget: there is no public name for it

__all__ = ["RankedFooter"]


class RankedFooter(Footer):
    """A compact footer that shows the keys its width has room for, the most useful first.

    ``rank`` names actions from the most to the least useful; an action it does not name comes last. The
    keys that do not fit are left out of the footer only: they still work, and the command palette and the
    F1 help list them all.  The keys keep their order from left to right.
    """

    def __init__(self, rank: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(compact=True, id=id)
        self._rank = {action: i for i, action in enumerate(rank)}
        self._composed: tuple[object, ...] | None = None

    async def recompose(self) -> None:
        # The screen signals a change of bindings on every focus move and state change; most leave the keys
        # the footer shows as they were, and rebuilding them would cost a layout and a frame each time.
        shown = self._signature()
        if shown == self._composed:
            return
        await super().recompose()
        self._composed = shown if self._bindings_ready else None
        self._fit()

    def _signature(self) -> tuple[object, ...]:
        """What the footer's keys are built from: the shown bindings, whether each is enabled, and tooltips."""
        if not self._bindings_ready or not self.is_attached:
            return ()
        return tuple(
            (self.app.get_key_display(binding), binding.action, binding.description, binding.group, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )

    def on_resize(self) -> None:
        self._fit()

    @staticmethod
    def _width(key: FooterKey) -> int:
        """The cells a compact key takes: its key, a space, its description, a margin."""
        return cell_len(key.key_display) + 1 + cell_len(key.description) + 1

    def _fit(self) -> None:
        keys = list(self.query_children(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        keys = [k for k in keys if not k.has_class("-command-palette")]
        room = self.size.width - sum(self._width(k) + 1 for k in palette)  # the palette key has a border
        for key in sorted(keys, key=lambda k: self._rank.get(k.action, len(self._rank))):
            width = self._width(key)
            fits = width <= room
            if key.display != fits:
                key.display = fits
            if fits:
                room -= width

    def shown(self) -> list[str]:
        """The actions whose keys the footer shows, left to right."""
        return [k.action for k in self.query_children(FooterKey) if k.display and not k.has_class("-command-palette")]
