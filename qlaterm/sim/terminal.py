"""The module's side of the UART: framed output, the line settings ATE, ATV, ATQ and AT+CMEE change, and
URCs held back while a command's response is being printed.

Framing is the one real Quectel modules use: the information lines of one answer are contiguous
(``\\r\\n<line 1>\\r\\n<line 2>\\r\\n``), the final result code is framed on its own (``\\r\\nOK\\r\\n``), and
a URC or an asynchronous result is framed alone.  ``ATV0`` switches to V.250's numeric form (information
text ``<text>\\r\\n``, result codes ``0\\r`` / ``4\\r``); ``ATQ1`` suppresses the result codes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["LineSettings", "Terminal"]

log = logging.getLogger("qlaterm.sim.module")

NUMERIC = {"OK": "0", "ERROR": "4"}
"""V.250 numeric result codes (``ATV0``)."""


@dataclass
class LineSettings:
    """What ``ATE``, ``ATV``, ``ATQ``, ``ATS3``/``ATS4`` and ``AT+CMEE`` set; ``AT&W`` saves it as the
    profile ``ATZ`` restores, ``AT&F`` goes back to the factory values."""

    echo: bool = True
    verbose: bool = True
    quiet: bool = False
    cmee: int = 1
    s3: int = 13
    s4: int = 10


class Terminal:
    """Where the module writes: a pty, a socket or the console's link, given to :meth:`attach`.

    Between :meth:`command` entering and leaving, :meth:`urc` lines wait, so that an unsolicited line
    never lands inside a response; they follow its final result code.
    """

    def __init__(self) -> None:
        self._write: Callable[[bytes], None] | None = None
        self._busy = False
        self._deferred: list[str] = []
        self.settings = LineSettings()
        self.profile = LineSettings()
        """The user profile ``AT&W`` writes and ``ATZ`` restores."""

    # The settings most parts read, by name.
    @property
    def echo(self) -> bool:
        return self.settings.echo

    @echo.setter
    def echo(self, value: bool) -> None:
        self.settings.echo = value

    @property
    def cmee(self) -> int:
        return self.settings.cmee

    @cmee.setter
    def cmee(self, value: int) -> None:
        self.settings.cmee = value

    def reset(self) -> None:
        """The line settings after power-on or a reboot: the saved profile."""
        self.settings = LineSettings(**vars(self.profile))

    def attach(self, write: Callable[[bytes], None]) -> None:
        self._write = write

    def out(self, data: bytes) -> None:
        """Raw bytes (echo, the ROM part of the banner)."""
        if self._write is not None:
            try:
                self._write(data)
            except Exception:  # the terminal went away; the module keeps running
                log.debug("output dropped", exc_info=True)

    def _cr(self) -> bytes:
        return bytes((self.settings.s3,))

    def _crlf(self) -> bytes:
        return bytes((self.settings.s3, self.settings.s4))

    def line(self, text: str) -> None:
        """One line framed alone: ``\\r\\n<text>\\r\\n`` (a URC, an asynchronous result, the banner)."""
        crlf = self._crlf()
        self.out((crlf if self.settings.verbose else b"") + text.encode() + crlf)

    def info(self, lines: Sequence[str]) -> None:
        """The information lines of an answer, contiguous: ``\\r\\n<l1>\\r\\n<l2>\\r\\n``."""
        if not lines:
            return
        crlf = self._crlf()
        body = b"".join(text.encode() + crlf for text in lines)
        self.out((crlf if self.settings.verbose else b"") + body)

    def final(self, code: str) -> None:
        """The final result code ``OK``, ``ERROR`` or ``+CME ERROR: …``, framed on its own."""
        if self.settings.quiet:
            return
        if self.settings.verbose:
            self.line(code)
        elif code in NUMERIC:
            self.out(NUMERIC[code].encode() + self._cr())
        else:
            self.out(code.encode() + self._crlf())

    def answer(self, lines: Sequence[str]) -> None:
        """A successful command: its information lines, then ``OK``."""
        self.info(lines)
        self.final("OK")

    def urc(self, text: str) -> None:
        """An unsolicited line, after the response of a command in progress."""
        if self._busy:
            self._deferred.append(text)
        else:
            self.line(text)

    def error(self, code: int | None, message: str) -> None:
        """The final result code of a failed command, as AT+CMEE says."""
        if code is None or self.cmee == 0:
            self.final("ERROR")
        elif self.cmee == 2:
            self.final(f"+CME ERROR: {message}")
        else:
            self.final(f"+CME ERROR: {code}")

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
