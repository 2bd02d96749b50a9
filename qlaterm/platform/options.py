"""The bundled platform's command-line options, as ``qlaterm --sim``, ``qlaterm-sim`` and
``qlaterm-platform`` all spell them.

Stdlib only: the console parses its options before anything of the platform is loaded.
"""

from __future__ import annotations

import argparse

__all__ = ["DEFAULT_PORT", "PROFILE_NAMES", "add_platform_options", "udp_port"]

PROFILE_NAMES: tuple[str, ...] = ("aep", "andlink", "telit", "generic")
"""The bundled platform's profiles (SPEC section 4); :mod:`qlaterm.platform.profiles` implements each."""

DEFAULT_PORT = 5683
"""Where a BC26 user expects a CoAP server; DTLS-PSK is served on the port after it."""


def udp_port(text: str) -> int:
    """A UDP port 0–65535 as an argparse ``type`` (0: any free port)."""
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0-65535 (0: any free port), got {text!r}")
    return int(text)


def add_platform_options(
    parser: argparse.ArgumentParser,
    *,
    port_help: str,
    profile_help: str,
    old_port_flag: str | None = None,
) -> None:
    """``--platform-port N`` (into ``platform_port``) and ``--profile NAME`` (into ``profile``).

    ``old_port_flag`` is an earlier spelling of the port flag that keeps working without being listed.
    """
    parser.add_argument("--platform-port", type=udp_port, default=DEFAULT_PORT, metavar="N", help=port_help)
    if old_port_flag is not None:
        parser.add_argument(
            old_port_flag, dest="platform_port", type=udp_port, default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    parser.add_argument("--profile", choices=PROFILE_NAMES, default="generic", help=profile_help)
