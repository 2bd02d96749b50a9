"""Messages between the panes and the app, as dataclasses (what happened, not what to do)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from qlaterm.state import Path

__all__ = ["RequestChosen", "ResourceChosen", "StateChanged"]


@dataclass
class StateChanged(Message):
    """The device model changed; panes refresh.  Consecutive ones fold into one."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateChanged)


@dataclass
class RequestChosen(Message):
    """The user picked a pending server request (Enter or a click in the requests pane)."""

    mid: int


@dataclass
class ResourceChosen(Message):
    """The user picked a resource in the object tree (to notify it)."""

    path: Path
