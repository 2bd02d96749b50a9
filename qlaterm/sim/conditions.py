"""The radio conditions the simulated module can be put in (``--network``), as data.

Each condition gives the one-way delay of every datagram the module sends or receives (DTLS included), the
share of datagrams lost, and the radio values the module reports for it (``AT+CSQ``, ``AT+CESQ``,
``AT+QENG=0``).  ``ideal`` is loopback speed, for tests; ``good`` is the default, a good NB-IoT cell;
``poor`` is coverage enhancement; ``edge`` the edge of a cell; ``none`` out of coverage (no attach).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["CONDITIONS", "DEFAULT_CONDITION", "Condition", "condition"]


@dataclass(frozen=True, slots=True)
class Condition:
    """One radio condition: what the network does to datagrams and what the module measures."""

    name: str
    delay_ms: tuple[int, int]  # one-way delay per datagram, uniformly drawn from [lo, hi]
    loss: float  # probability that one datagram (either direction) is lost, 0.0 … 1.0
    coverage: bool  # False: out of coverage, the module cannot attach
    rssi: int  # AT+CSQ <rssi> 0–31 (99: unknown)
    rsrp_dbm: int  # reference signal received power, dBm
    rsrq_db: int  # reference signal received quality, dB
    snr_db: int  # signal to noise ratio, dB
    ecl: int  # coverage enhancement level 0–2

    def with_overrides(self, *, loss: float | None = None, delay_ms: tuple[int, int] | None = None) -> Condition:
        """This condition with ``--loss`` / ``--delay`` applied."""
        return replace(
            self,
            loss=self.loss if loss is None else loss,
            delay_ms=self.delay_ms if delay_ms is None else delay_ms,
        )


CONDITIONS: dict[str, Condition] = {
    c.name: c
    for c in (
        Condition("ideal", (0, 0), 0.0, True, rssi=31, rsrp_dbm=-70, rsrq_db=-5, snr_db=25, ecl=0),
        Condition("good", (100, 300), 0.0, True, rssi=25, rsrp_dbm=-85, rsrq_db=-8, snr_db=15, ecl=0),
        Condition("poor", (500, 2000), 0.05, True, rssi=10, rsrp_dbm=-113, rsrq_db=-15, snr_db=0, ecl=1),
        Condition("edge", (2000, 5000), 0.20, True, rssi=3, rsrp_dbm=-127, rsrq_db=-19, snr_db=-8, ecl=2),
        Condition("none", (0, 0), 1.0, False, rssi=99, rsrp_dbm=-140, rsrq_db=-20, snr_db=-20, ecl=2),
    )
}
"""The named conditions of ``--network``, mildest first."""

DEFAULT_CONDITION = "good"


def condition(name: str) -> Condition:
    """The condition called ``name``; KeyError names the choices."""
    try:
        return CONDITIONS[name]
    except KeyError:
        raise KeyError(f"unknown network condition {name!r}; choose one of {', '.join(CONDITIONS)}") from None
