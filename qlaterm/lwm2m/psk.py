"""DTLS pre-shared keys as a user writes them on a command line: ``IDENTITY:HEXKEY``.

``qlaterm --sim --psk`` and ``qlaterm-sim --psk`` read this spelling; the module is stdlib only, so
that parsing options never loads Mbed TLS.
"""

from __future__ import annotations

import argparse

__all__ = ["parse_psk", "psk_argument"]


def parse_psk(text: str) -> tuple[str, bytes]:
    """``IDENTITY:HEXKEY`` → ``(identity, key)``; ValueError says what is wrong.

    The identity may itself contain colons: the key is what follows the last one.
    """
    identity, sep, key = text.rpartition(":")
    if not sep or not identity:
        raise ValueError(f"expected IDENTITY:HEXKEY, got {text!r}")
    try:
        secret = bytes.fromhex(key)
    except ValueError:
        raise ValueError(f"the key of {identity!r} is not hex: {key!r}") from None
    if not secret:
        raise ValueError(f"the key of {identity!r} is empty")
    return identity, secret


def psk_argument(text: str) -> tuple[str, bytes]:
    """:func:`parse_psk` as an argparse ``type``: the reason reaches the user's error line."""
    try:
        return parse_psk(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
