"""What a replay reports: one console line per step (✓ ✗ – ·) with its time, and a JUnit XML file for CI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .runner import Outcome, Status, StepResult

__all__ = ["ConsoleReport", "format_elapsed", "write_junit"]

MARKS = {Status.PASSED: "✓", Status.FAILED: "✗", Status.SKIPPED: "–", Status.NOT_RUN: "·"}
_WIDTH = 64


def format_elapsed(seconds: float) -> str:
    """``12 ms`` below a second, ``1.25 s`` above."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


class ConsoleReport:
    """Prints each step as it completes and a summary line per transcript."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def start(self, name: str) -> None:
        print(name, file=self.out, flush=True)

    def step(self, result: StepResult) -> None:
        if result.status is Status.NOT_RUN:
            return
        mark = MARKS[result.status]
        line = f"  {mark} {result.text.ljust(_WIDTH)} {format_elapsed(result.elapsed):>8}"
        if result.status is Status.SKIPPED:
            line = f"  {mark} {result.text.ljust(_WIDTH)} skipped: {result.reason}"
        print(line.rstrip(), file=self.out)
        if result.status is Status.FAILED:
            for detail in failure_lines(result):
                print(f"      {detail}", file=self.out)
        self.out.flush()

    def finish(self, outcome: Outcome, name: str) -> None:
        mark = "✓" if outcome.passed else "✗"
        counts = [f"{outcome.count(Status.PASSED)} passed"]
        for status in (Status.FAILED, Status.SKIPPED, Status.NOT_RUN):
            if outcome.count(status):
                counts.append(f"{outcome.count(status)} {status.value}")
        print(f"{mark} {name}: {', '.join(counts)} in {format_elapsed(outcome.elapsed)}", file=self.out, flush=True)


def failure_lines(result: StepResult) -> list[str]:
    """Why a step failed: the reason, what was expected and what arrived, and the traffic around it."""
    lines = [result.reason]
    if result.expected:
        lines.append(f"expected  {result.expected}")
        lines.append(f"received  {result.received if result.received is not None else '(nothing)'}")
    if result.context:
        lines.append("around it:")
        lines.extend(f"  {marker} {text}" for marker, text in result.context)
    return lines


def write_junit(path: Path, outcomes: Sequence[tuple[str, Outcome]]) -> None:
    """A JUnit XML report: one testsuite per transcript, one testcase per step (line number and text)."""
    root = ET.Element("testsuites", {
        "name": "qlaterm replay",
        "tests": str(sum(len(o.results) for _, o in outcomes)),
        "failures": str(sum(o.count(Status.FAILED) for _, o in outcomes)),
        "time": f"{sum(o.elapsed for _, o in outcomes):.3f}",
    })
    for name, outcome in outcomes:
        suite = ET.SubElement(root, "testsuite", {
            "name": name,
            "tests": str(len(outcome.results)),
            "failures": str(outcome.count(Status.FAILED)),
            "errors": "0",
            "skipped": str(outcome.count(Status.SKIPPED) + outcome.count(Status.NOT_RUN)),
            "time": f"{outcome.elapsed:.3f}",
        })
        for result in outcome.results:
            case = ET.SubElement(suite, "testcase", {
                "classname": name,
                "name": f"line {result.step.line}: {result.text}",
                "time": f"{result.elapsed:.3f}",
            })
            if result.status is Status.FAILED:
                failure = ET.SubElement(case, "failure", {"message": result.reason})
                failure.text = "\n".join(failure_lines(result))
            elif result.status is not Status.PASSED:
                ET.SubElement(case, "skipped", {"message": result.reason or result.status.value})
    ET.indent(root)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")
