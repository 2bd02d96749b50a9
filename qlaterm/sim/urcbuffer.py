"""The URC buffer of ``access_mode`` 1, read with ``AT+QLARD``.

At most 30 entries, oldest first.  The caller prints ``+QLAURC: "buffer"`` when ``push`` reports that the
buffer went from empty to non-empty; a server request that finds the buffer full is refused (5.03) by the
module rather than dropped, so nothing is silently lost.
"""

from __future__ import annotations

from collections import deque

from qlaterm.at.catalogue import URC_BUFFER_CAPACITY

__all__ = ["CAPACITY", "UrcBuffer"]

CAPACITY = URC_BUFFER_CAPACITY


class UrcBuffer:
    """A bounded FIFO of URC texts (the part after ``+QLAURC: ``)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: deque[str] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def has_room(self, count: int = 1) -> bool:
        return len(self._entries) + count <= self.capacity

    def push(self, entry: str) -> bool:
        """Add an entry; True when the buffer was empty before (time for ``+QLAURC: "buffer"``)."""
        if not self.has_room():
            raise OverflowError("URC buffer full")
        was_empty = not self._entries
        self._entries.append(entry)
        return was_empty

    def pop(self) -> str | None:
        """The oldest entry, or None when empty."""
        return self._entries.popleft() if self._entries else None

    def entries(self) -> list[str]:
        return list(self._entries)
