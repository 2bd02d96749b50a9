"""The console's actions in the command palette: found by their title or by the AT command they send, each
shown with its key ("Configure server  AT+QLACONFIG  f7")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

__all__ = ["Action", "ActionCommands", "PaletteEntry"]


@dataclass(frozen=True, slots=True)
class Action:
    """An action of the console as the palette and the keys help name it."""

    title: str
    help: str
    commands: tuple[str, ...] = ()
    """The AT commands the action sends: typing one of them (``QLACONFIG``, ``qlareg``) finds the action."""


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    """An action available now, with the key bound to it (None when it has none) and what runs it."""

    action: Action
    key: str | None
    run: Callable[[], object]

    @property
    def text(self) -> str:
        """The entry as the palette shows it and matches it: title, AT commands, key."""
        parts = (self.action.title, " ".join(self.action.commands), self.key or "")
        return "  ".join(part for part in parts if part)

    def display(self, shown: Content | None = None) -> Content:
        """``shown`` (the text, its matched letters highlighted) with the AT commands and the key set apart."""
        content = shown if shown is not None else Content(self.text)
        start = len(self.action.title)
        content = content.stylize("$text-muted", start)
        if self.key:
            content = content.stylize("bold $text-accent", len(self.text) - len(self.key))
        return content


@runtime_checkable
class ActionSource(Protocol):
    def palette_entries(self) -> Iterable[PaletteEntry]: ...


class ActionCommands(Provider):
    """The palette's source of the console's actions (the app's ``palette_entries``)."""

    def _entries(self) -> list[PaletteEntry]:
        app = self.app
        return list(app.palette_entries()) if isinstance(app, ActionSource) else []

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.display(), entry.run, text=entry.text, help=entry.action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.text)
            if score > 0:
                yield Hit(score, entry.display(matcher.highlight(entry.text)), entry.run, text=entry.text,
                          help=entry.action.help)
