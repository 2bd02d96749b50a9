"""The LwM2M status of the module and the error that ends a command with ``+CME ERROR``."""

from __future__ import annotations

__all__ = ["CmeError", "Status"]


class Status:
    """``+QLASTATUS`` values."""

    NOT_REGISTERED = 0
    REGISTERING = 1
    REGISTERED = 2
    DEREGISTERING = 3
    DEREGISTERED = 4
    INVALID = 5
    RECOVERING = 6
    WAIT_RECOVER = 7


class CmeError(Exception):
    """Ends a command with ``+CME ERROR: <code>``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
