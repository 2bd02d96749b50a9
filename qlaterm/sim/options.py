"""The simulated network's command-line options, as ``qlaterm-sim`` and ``qlaterm --sim`` both spell them.

``--network ideal|good|poor|edge|none`` (default ``good``), ``--loss P``, ``--delay MS[-MS]``, ``--seed N``
and ``--instant``.  Standard library and :mod:`qlaterm.sim.conditions` only: the console parses its
options before anything of the simulator is loaded.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from qlaterm.sim.conditions import CONDITIONS, DEFAULT_CONDITION, Condition, condition

__all__ = ["NetworkSetup", "add_network_options", "delay_range", "loss_share", "network_setup"]


@dataclass(frozen=True, slots=True)
class NetworkSetup:
    """What the options ask of the module's network and AT timing."""

    condition: Condition
    seed: int | None = None
    instant: bool = False
    """Answer command lines at once instead of in 20–40 ms (always so under ``ideal``)."""

    @property
    def answer_delay(self) -> tuple[float, float] | None:
        """The module's ``answer_delay``: (0, 0) when instant, None for the module's own default."""
        return (0.0, 0.0) if self.instant else None


def loss_share(text: str) -> float:
    """A loss probability 0–1 (``0.3``), or a percentage (``30%``)."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a loss between 0 and 1 (or 0-100%), got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a loss between 0 and 1 (or 0-100%), got {text!r}")
    return value


def delay_range(text: str) -> tuple[int, int]:
    """``MS`` or ``MS-MS``: the one-way delay of each datagram, milliseconds."""
    low, _, high = text.partition("-")
    high = high or low
    if not (low.isdigit() and high.isdigit()) or int(low) > int(high):
        raise argparse.ArgumentTypeError(f"expected MS or MS-MS (e.g. 150 or 100-300), got {text!r}")
    return int(low), int(high)


def add_network_options(parser: argparse.ArgumentParser, *, prefix: str = "") -> None:
    """Add the network options; ``prefix`` starts each help text (``"--sim: "``)."""
    group = parser.add_argument_group("simulated network")
    group.add_argument(
        "--network",
        choices=tuple(CONDITIONS),
        default=DEFAULT_CONDITION,
        help=f"{prefix}radio condition: ideal (loopback speed), good (100-300 ms each way, the default), "
        "poor (0.5-2 s, 5%% loss), edge (2-5 s, 20%% loss), none (out of coverage)",
    )
    group.add_argument("--loss", type=loss_share, metavar="P", help=f"{prefix}share of datagrams lost (0-1)")
    group.add_argument("--delay", type=delay_range, metavar="MS[-MS]", help=f"{prefix}one-way delay per datagram")
    group.add_argument("--seed", type=int, metavar="N", help=f"{prefix}seed the network's delays and losses")
    group.add_argument(
        "--instant", action="store_true", help=f"{prefix}answer AT commands at once (not in 20-40 ms)"
    )


def network_setup(args: argparse.Namespace) -> NetworkSetup:
    """The parsed network options."""
    chosen = condition(args.network).with_overrides(loss=args.loss, delay_ms=args.delay)
    return NetworkSetup(chosen, seed=args.seed, instant=args.instant)
