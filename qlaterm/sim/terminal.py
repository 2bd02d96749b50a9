"""The module's side of the UART: framed output, the line settings ATE and AT+CMEE change, and URCs held
back while a command's response is being printed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Terminal"]

log = logging.getLogger("qlaterm.sim.module")


class Terminal:
    """Where the module writes: a pty, a socket or the console's link, given to :meth:`attach`.

    Between :meth:`command` entering and leaving, :meth:`urc` lines wait, so that an unsolicited line
    never lands inside a response; they follow its final result code.
    """

    def __init__(self) -> None:
        self._write: Callable[[bytes], None] | None = None
        self._busy = False
        self._deferred: list[str] = []
        self.echo = True
        self.cmee = 1

    def reset(self) -> None:
        """The line settings after power-on or a reboot: echo on, numeric ``+CME ERROR``."""
        self.echo = True
        self.cmee = 1

    def attach(self, write: Callable[[bytes], None]) -> None:
        self._write = write

    def out(self, data: bytes) -> None:
        """Raw bytes (echo, the ROM part of the banner)."""
        if self._write is not None:
            try:
                self._write(data)
            except Exception:  # the terminal went away; the module keeps running
                log.debug("output dropped", exc_info=True)

    def line(self, text: str) -> None:
        """One framed line: ``\\r\\n<text>\\r\\n``."""
        self.out(b"\r\n" + text.encode() + b"\r\n")

    def urc(self, text: str) -> None:
        """An unsolicited line, after the response of a command in progress."""
        if self._busy:
            self._deferred.append(text)
        else:
            self.line(text)

    def error(self, code: int | None, message: str) -> None:
        """The final result code of a failed command, as AT+CMEE says."""
        if code is None or self.cmee == 0:
            self.line("ERROR")
        elif self.cmee == 2:
            self.line(f"+CME ERROR: {message}")
        else:
            self.line(f"+CME ERROR: {code}")

    @contextmanager
    def command(self) -> Iterator[None]:
        """A command's response is being printed: URCs wait until it is done."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
            deferred, self._deferred = self._deferred, []
            for text in deferred:
                self.line(text)
