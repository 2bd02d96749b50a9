"""What every benchmark reports, and the one-line format ``make bench`` prints."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    """A bar from DESIGN.md: ``at_least`` for throughputs, otherwise a ceiling (latencies)."""

    text: str
    limit: float
    at_least: bool = False

    def ratio(self, figure: float) -> float:
        """figure / bar: above 1 meets a floor, at most 1 meets a ceiling (a bar of 0 gives 0 or infinity)."""
        if self.limit == 0:
            return 0.0 if figure == 0 else float("inf")
        return figure / self.limit

    def met(self, figure: float) -> bool:
        return figure >= self.limit if self.at_least else figure <= self.limit


@dataclass(frozen=True, slots=True)
class Result:
    """One measured figure, or the reason there is none."""

    name: str
    bar: Bar
    figure: float | None = None
    unit: str = ""
    detail: str = ""
    skipped: str | None = None

    def line(self) -> str:
        if self.figure is None:
            return f"{self.name}: skipped ({self.skipped})   bar: {self.bar.text}"
        verdict = "meets the bar" if self.bar.met(self.figure) else "MISSES the bar"
        extra = f"   [{self.detail}]" if self.detail else ""
        return (
            f"{self.name}: {_number(self.figure)} {self.unit}   bar: {self.bar.text}   "
            f"ratio {self.bar.ratio(self.figure):.2f}, {verdict}{extra}"
        )


def skipped(name: str, bar: Bar, why: str) -> Result:
    return Result(name, bar, skipped=why)


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation; p50 is the median."""
    if p == 50:
        return statistics.median(samples)
    ordered = sorted(samples)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"
