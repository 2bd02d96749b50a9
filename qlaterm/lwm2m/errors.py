"""The one error the LwM2M content formats raise, shared by codec, cbor and linkformat."""

from __future__ import annotations

__all__ = ["CodecError"]


class CodecError(ValueError):
    """A payload or value that the requested content format cannot carry.

    A ValueError subclass so callers that already map ValueError to "4.00 Bad Request" keep working.
    """
