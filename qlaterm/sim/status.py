"""The error that ends a command with ``+CME ERROR``."""

from __future__ import annotations

__all__ = ["CmeError"]


class CmeError(Exception):
    """Ends a command with ``+CME ERROR: <code>``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
