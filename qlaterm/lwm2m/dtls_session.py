"""DTLS-PSK sessions on python-mbedtls, without I/O: datagrams in, datagrams and plaintext records out.

The BC26 secures LwM2M with DTLS pre-shared keys. python-mbedtls offers the protocol engine as a
``TLSWrappedBuffer``, a sans-IO state machine that must be driven with care for DTLS:

* The server must be given the client's transport id (``setcookieparam``) before the first
  ClientHello, and again after every HelloVerifyRequest; otherwise it silently ignores the
  ClientHello that carries the cookie.
* Mbed TLS retransmits handshake flights on its own wall-clock timer, but only when it is stepped, so
  the owner calls :meth:`DTLSSession.tick` periodically while :attr:`DTLSSession.handshaking`.
* Output is flushed after *every* input, including after the handshake: a server that lost its last
  flight answers the client's retransmitted Finished with it again.
* The buffers are byte rings: each application record is read with one ``readinto`` so that two CoAP
  messages never merge into one.
* An error resets the buffer, so a failed session is dropped, never reused.

Session resumption (the abbreviated handshake the module does after deep sleep when
AT+QLACFG="dtls_mode" is 1) needs ``mbedtls_ssl_get_session``/``mbedtls_ssl_set_session`` and a server
session cache, which python-mbedtls 2.10.1 does not wrap: :mod:`qlaterm.lwm2m.mbedtls_resume` reaches
them through ctypes, and where it cannot (another python-mbedtls or Mbed TLS than it was built for, or
the run-time check of its offsets fails) every handshake is a full one.

Versions: Mbed TLS 2.28 speaks DTLS 1.2 and DTLS 1.0.  TLS_PSK_WITH_AES_128_CCM_8 exists only in
DTLS 1.2; under DTLS 1.0 Mbed TLS still accepts TLS_PSK_WITH_AES_128_CBC_SHA256 (other stacks allow
SHA-256 suites only from 1.2 on), and the DTLS 1.0 profile also offers TLS_PSK_WITH_AES_128_CBC_SHA.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field, replace
from typing import Final

from mbedtls.exceptions import TLSError
from mbedtls.tls import (
    ClientContext,
    DTLSConfiguration,
    DTLSVersion,
    HandshakeStep,
    HelloVerifyRequest,
    RaggedEOF,
    ServerContext,
    TLSVersion,
    TLSWrappedBuffer,
    WantReadError,
    WantWriteError,
)

from qlaterm.lwm2m.mbedtls_resume import resumption

log = logging.getLogger(__name__)

CCM_8: Final = "TLS-PSK-WITH-AES-128-CCM-8"
"""LwM2M's mandatory suite; DTLS 1.2 only."""
CBC_SHA256: Final = "TLS-PSK-WITH-AES-128-CBC-SHA256"
"""Offered by some modules of the BC26's chipset family instead of CCM_8."""
CBC_SHA: Final = "TLS-PSK-WITH-AES-128-CBC-SHA"
"""The DTLS 1.0 suite of other stacks; offered only by the DTLS 1.0 profile."""

DEFAULT_CIPHERS: Final = (CCM_8, CBC_SHA256)
SERVER_CIPHERS: Final = (CCM_8, CBC_SHA256, CBC_SHA)

# Mbed TLS error codes (positive, as TLSError.err reports them).
ERR_TIMEOUT: Final = 0x6800
ERR_CLIENT_RECONNECT: Final = 0x6780
ERR_UNKNOWN_IDENTITY: Final = 0x6C80
ERR_BAD_MAC: Final = 0x7180
ERR_NO_CIPHER: Final = 0x7380
ERR_FATAL_ALERT: Final = 0x7780
ERR_PEER_CLOSED: Final = 0x7880
ERR_BAD_VERSION: Final = 0x6E80

_REASONS: Final = {
    ERR_TIMEOUT: "handshake timed out",
    ERR_UNKNOWN_IDENTITY: "unknown PSK identity",
    ERR_BAD_MAC: "wrong PSK (Finished did not verify)",
    ERR_NO_CIPHER: "no cipher suite in common",
    ERR_FATAL_ALERT: "peer refused the handshake (fatal alert)",
    ERR_PEER_CLOSED: "peer closed the session",
    ERR_BAD_VERSION: "no DTLS version in common",
}

_RECORD_SCRATCH: Final = 17 * 1024
"""Larger than any DTLS record, so that one readinto returns one whole record."""

_FULL_HANDSHAKE_STEPS: Final = frozenset(
    {
        HandshakeStep.SERVER_CERTIFICATE,
        HandshakeStep.SERVER_KEY_EXCHANGE,
        HandshakeStep.SERVER_HELLO_DONE,
        HandshakeStep.CLIENT_KEY_EXCHANGE,
    }
)
"""States only a full handshake passes through; an abbreviated (resumed) one goes from ServerHello
straight to ChangeCipherSpec."""


class DTLSVersionMode(enum.IntEnum):
    """AT+QLACFG="dtls_version" values."""

    DTLS1_0 = 0
    DTLS1_2 = 1
    NEGOTIATE = 2


@dataclass(frozen=True)
class DTLSOptions:
    """How a DTLS session is set up (one value per client target, one for the server role).

    ``handshake_timeout_min``/``max`` bound Mbed TLS's retransmission timer: the first flight is resent
    after ``min`` seconds, the wait doubles, and the handshake fails once it would exceed ``max``.
    A wrong key against a peer that sends no alert (OpenSSL) thus fails after :attr:`handshake_budget`.
    ``resume`` asks the client to offer the session saved from its last handshake with the same
    target (AT+QLACFG="dtls_mode",1).
    """

    version: DTLSVersionMode = DTLSVersionMode.NEGOTIATE
    ciphers: tuple[str, ...] | None = None
    handshake_timeout_min: float = 1.0
    handshake_timeout_max: float = 8.0
    resume: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", DTLSVersionMode(self.version))

    @property
    def effective_ciphers(self) -> tuple[str, ...]:
        """The suites offered, CCM_8 first; the DTLS 1.0 profile adds CBC_SHA."""
        if self.ciphers is not None:
            return self.ciphers
        if self.version is DTLSVersionMode.DTLS1_0:
            return (*DEFAULT_CIPHERS, CBC_SHA)
        return DEFAULT_CIPHERS

    @property
    def version_range(self) -> tuple[DTLSVersion, DTLSVersion]:
        """(lowest, highest) DTLS version for this profile."""
        if self.version is DTLSVersionMode.DTLS1_0:
            return DTLSVersion.DTLSv1_0, DTLSVersion.DTLSv1_0
        if self.version is DTLSVersionMode.DTLS1_2:
            return DTLSVersion.DTLSv1_2, DTLSVersion.DTLSv1_2
        return DTLSVersion.DTLSv1_0, DTLSVersion.DTLSv1_2

    @property
    def handshake_budget(self) -> float:
        """Seconds after which an unanswered handshake has failed (sum of Mbed TLS's waits)."""
        return handshake_budget(self.handshake_timeout_min, self.handshake_timeout_max)

    def scaled(self, factor: float) -> DTLSOptions:
        """The same options with both handshake timeouts multiplied (for a time-scaled simulator)."""
        return replace(
            self,
            handshake_timeout_min=self.handshake_timeout_min * factor,
            handshake_timeout_max=self.handshake_timeout_max * factor,
        )


def handshake_budget(timeout_min: float, timeout_max: float) -> float:
    """Total wait before Mbed TLS gives up: min + 2·min + 4·min + … while the wait stays ≤ max."""
    total, wait = 0.0, max(timeout_min, 0.001)
    while True:
        total += wait
        if wait * 2 > timeout_max:
            return total
        wait *= 2


def module_options(dtls_mode: int, dtls_version: int, ack_timeout: float, max_retransmit: int) -> DTLSOptions:
    """The DTLS profile of a BC26 with these AT+QLACFG settings (``ack_timeout`` already time-scaled).

    The handshake timer follows the module's CoAP schedule: the first flight is resent after
    ``ack_timeout``, the wait doubles, and the handshake is given up when the CoAP retransmission
    budget (``ack_timeout`` × (2^(max_retransmit+1) − 1)) is spent, so a wrong key against a peer
    that never answers ends the registration as late as a silent server would, and no later.
    """
    timeout_min = max(float(ack_timeout), 0.005)
    return DTLSOptions(
        version=DTLSVersionMode(dtls_version),
        resume=dtls_mode == 1,
        handshake_timeout_min=timeout_min,
        handshake_timeout_max=timeout_min * 2 ** int(max_retransmit),
    )


MAX_PSK_BYTES = 32
"""The longest pre-shared key Mbed TLS takes in its default build (MBEDTLS_PSK_MAX_LEN); the vendor
document allows 128 bytes, which AT+QLACONFIG therefore accepts."""


def client_context(identity: str, key: bytes, options: DTLSOptions) -> ClientContext:
    """A python-mbedtls client context for one PSK and one profile."""
    lowest, highest = options.version_range
    return ClientContext(
        DTLSConfiguration(
            pre_shared_key=(identity, bytes(key)),
            ciphers=options.effective_ciphers,
            lowest_supported_version=lowest,
            highest_supported_version=highest,
            handshake_timeout_min=options.handshake_timeout_min,
            handshake_timeout_max=options.handshake_timeout_max,
        )
    )


def server_context(psk_store: object, options: DTLSOptions) -> ServerContext:
    """A python-mbedtls server context; ``psk_store`` is a Mapping[str, bytes] read on every handshake.

    The server accepts DTLS 1.0 and 1.2 unless ``options.version`` pins one, and prefers CCM_8.
    """
    lowest, highest = options.version_range
    return ServerContext(
        DTLSConfiguration(
            pre_shared_key_store=psk_store,  # type: ignore[arg-type]  # the stub wants a dict; any Mapping works
            ciphers=options.ciphers or SERVER_CIPHERS,
            lowest_supported_version=lowest,
            highest_supported_version=highest,
            handshake_timeout_min=options.handshake_timeout_min,
            handshake_timeout_max=options.handshake_timeout_max,
        )
    )


def is_dtls_record(data: bytes) -> bool:
    """True when ``data`` starts like a DTLS record (content type 20–23, version DTLS 1.0 or 1.2).

    Plain CoAP (first byte 0x40–0x7F) and most garbage fail this and are dropped before they reach
    Mbed TLS."""
    return len(data) >= 13 and 20 <= data[0] <= 23 and data[1] == 0xFE and data[2] in (0xFF, 0xFD)


def is_client_hello(data: bytes) -> bool:
    """True when ``data`` is a DTLS handshake record of epoch 0 carrying a ClientHello.

    Only such a datagram may create a server session; a stray alert or retransmission from a peer
    whose session already failed would otherwise start a new one that fails at once."""
    return is_dtls_record(data) and data[0] == 22 and data[3:5] == b"\0\0" and len(data) > 13 and data[13] == 1


def server_hello_session_id(datagram: bytes) -> bytes | None:
    """The session ID a ServerHello at the start of ``datagram`` carries, else None.

    Mbed TLS does not tell a server which PSK identity a resumed session was established with; the
    session ID, visible in the clear in both the full and the abbreviated handshake, links the two."""
    # record header (13) + handshake header (12) + server_version (2) + random (32) = session_id length
    if not is_dtls_record(datagram) or datagram[0] != 22 or datagram[3:5] != b"\0\0" or len(datagram) < 60:
        return None
    if datagram[13] != 2:
        return None
    length = datagram[59]
    if length == 0 or len(datagram) < 60 + length:
        return None
    return bytes(datagram[60 : 60 + length])


class DTLSFailure(Exception):
    """A session ended with an error; ``code`` is the Mbed TLS error (0 when the cause is local)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"DTLS: {reason}" + (f" [0x{code:04X}]" if code else ""))
        self.code = code
        self.reason = reason

    @classmethod
    def from_tls_error(cls, error: TLSError) -> DTLSFailure:
        """Classify a python-mbedtls error (its repr is empty: the code is in ``err``/``str``)."""
        code = int(getattr(error, "err", 0) or 0)
        return cls(code, _REASONS.get(code, str(error) or "TLS error"))


class SessionState(enum.Enum):
    """Where a session is in its life."""

    HANDSHAKING = "handshaking"
    OPEN = "open"
    FAILED = "failed"
    CLOSED = "closed"


@dataclass
class Progress:
    """What one input to a session produced, for the owner to act on."""

    datagrams: list[bytes] = field(default_factory=list)
    """To send to the peer, in order."""
    records: list[bytes] = field(default_factory=list)
    """Application records received (one CoAP message each)."""
    established: bool = False
    """The handshake completed during this call."""
    reconnected: bool = False
    """The peer started a new session from the same address; the old epoch is gone."""
    failure: DTLSFailure | None = None
    """The session failed during this call and must be dropped."""
    closed: bool = False
    """The peer sent close_notify."""


_VERSION_NAMES: dict[TLSVersion | DTLSVersion, str] = {
    DTLSVersion.DTLSv1_2: "DTLSv1.2",
    DTLSVersion.DTLSv1_0: "DTLSv1.0",
}


class DTLSSession:
    """One DTLS association with one peer, in the client or the server role."""

    def __init__(
        self,
        context: ClientContext | ServerContext,
        *,
        transport_id: bytes | None = None,
        resume_blob: bytes | None = None,
    ) -> None:
        """``transport_id`` (server role) identifies the client's address for cookies;
        ``resume_blob`` (client role) is a saved session to offer for an abbreviated handshake."""
        self.is_server = isinstance(context, ServerContext)
        self._buf: TLSWrappedBuffer
        if isinstance(context, ServerContext):
            self._buf = context.wrap_buffers()
        else:
            self._buf = context.wrap_buffers(None)
        self._transport_id = transport_id or b"\0"
        if self.is_server:
            self._buf.setcookieparam(self._transport_id)
        self.offered_resumption = False
        if resume_blob is not None and not self.is_server:
            self.offered_resumption = resumption.offer(self._buf, resume_blob)
        self.state = SessionState.HANDSHAKING
        self.started = time.monotonic()
        self.handshake_seconds: float | None = None
        self.abbreviated = False
        self.session_id: bytes | None = None
        """Server role: the session ID this handshake agreed on (from the ServerHello)."""
        self._visited: set[HandshakeStep] = set()
        self._scratch = bytearray(_RECORD_SCRATCH)

    @property
    def handshaking(self) -> bool:
        """True until the handshake completes or fails."""
        return self.state is SessionState.HANDSHAKING

    @property
    def is_open(self) -> bool:
        """True once application data can flow."""
        return self.state is SessionState.OPEN

    @property
    def cipher(self) -> str | None:
        """The negotiated cipher suite (Mbed TLS name), once open."""
        if not self.is_open:
            return None
        return self._buf.cipher()  # type: ignore[return-value]  # python-mbedtls's stub says bytes; it is str

    @property
    def version(self) -> str | None:
        """``"DTLSv1.2"`` or ``"DTLSv1.0"``, once open."""
        if not self.is_open:
            return None
        version = self._buf.negotiated_tls_version()
        return _VERSION_NAMES.get(version, str(version))

    def saved_session(self) -> bytes | None:
        """The session to resume next time (client role, once open), or None when unavailable."""
        if self.is_server or not self.is_open:
            return None
        return resumption.save(self._buf)

    def start(self) -> Progress:
        """Client role: produce the first ClientHello."""
        progress = Progress()
        self._advance(progress)
        return progress

    def tick(self) -> Progress:
        """Let Mbed TLS retransmit a flight whose timer has expired (call every few tens of ms)."""
        progress = Progress()
        if self.handshaking:
            self._advance(progress)
        return progress

    def receive(self, datagram: bytes) -> Progress:
        """Process one datagram from the peer."""
        progress = Progress()
        if self.state in (SessionState.FAILED, SessionState.CLOSED):
            return progress
        self._buf.receive_from_network(datagram)
        if self.handshaking:
            self._advance(progress)
        if self.is_open:
            self._read_records(progress)
        self._flush(progress)
        return progress

    def send(self, plaintext: bytes) -> list[bytes]:
        """Encrypt one application record (one CoAP message); returns the datagrams to send."""
        if not self.is_open:
            raise DTLSFailure(0, f"session is {self.state.value}")
        progress = Progress()
        try:
            self._buf.write(plaintext)
        except (WantReadError, WantWriteError):
            pass
        except TLSError as error:
            self.state = SessionState.FAILED
            raise DTLSFailure.from_tls_error(error) from None
        self._flush(progress)
        return progress.datagrams

    def close(self) -> list[bytes]:
        """Send close_notify (when open) and end the session."""
        progress = Progress()
        if self.is_open:
            try:
                self._buf.shutdown()
            except TLSError:
                pass
            self._flush(progress)
        self.state = SessionState.CLOSED
        return progress.datagrams

    def _flush(self, progress: Progress) -> None:
        size = len(self._buf._output_buffer)
        if size:
            datagram = bytes(self._buf.peek_outgoing(size))
            self._buf.consume_outgoing(size)
            progress.datagrams.append(datagram)
            if self.is_server and self.handshaking:
                self.session_id = server_hello_session_id(datagram) or self.session_id

    def _fail(self, progress: Progress, failure: DTLSFailure) -> None:
        self._flush(progress)  # a fatal alert, if Mbed TLS wrote one
        self.state = SessionState.FAILED
        progress.failure = failure

    def _advance(self, progress: Progress) -> None:
        """Step the handshake until it needs input, completes or fails."""
        while self.handshaking:
            # python-mbedtls's stub types the HandshakeStep members as int; they are HandshakeStep members.
            if self._buf._handshake_state is HandshakeStep.HANDSHAKE_OVER:  # type: ignore[comparison-overlap]
                self._established(progress)
                return
            try:
                self._buf.do_handshake()
            except WantReadError:
                self._flush(progress)
                return
            except WantWriteError:
                self._flush(progress)
            except HelloVerifyRequest:
                # The HVR is in the output buffer and the context was reset: the next ClientHello
                # must carry the cookie computed for this same transport id.
                self._flush(progress)
                self._buf.setcookieparam(self._transport_id)
                return
            except TLSError as error:
                self._fail(progress, DTLSFailure.from_tls_error(error))
                return
            self._visited.add(self._buf._handshake_state)

    def _established(self, progress: Progress) -> None:
        self._flush(progress)
        self.state = SessionState.OPEN
        self.handshake_seconds = time.monotonic() - self.started
        self.abbreviated = not (self._visited & _FULL_HANDSHAKE_STEPS)
        progress.established = True

    def _read_records(self, progress: Progress) -> None:
        while True:
            try:
                # python-mbedtls's stub says bytes; readinto needs the writable buffer it fills.
                size = self._buf.readinto(self._scratch, len(self._scratch))  # type: ignore[arg-type]
            except WantReadError:
                return
            except WantWriteError:
                self._flush(progress)
                continue
            except RaggedEOF:
                self.state = SessionState.CLOSED
                progress.closed = True
                return
            except TLSError as error:
                failure = DTLSFailure.from_tls_error(error)
                if failure.code == ERR_CLIENT_RECONNECT and self.is_server:
                    # Mbed TLS has reset the context and kept the new ClientHello: go on at once
                    # rather than wait for the client to retransmit it.
                    self.state = SessionState.HANDSHAKING
                    self.started = time.monotonic()
                    self.handshake_seconds = None
                    self._visited.clear()
                    self._buf.setcookieparam(self._transport_id)
                    progress.reconnected = True
                    self._advance(progress)
                elif failure.code == ERR_PEER_CLOSED:
                    self.state = SessionState.CLOSED
                    progress.closed = True
                else:
                    self._fail(progress, failure)
                return
            progress.records.append(bytes(self._scratch[:size]))


__all__ = [
    "CBC_SHA",
    "CBC_SHA256",
    "CCM_8",
    "DEFAULT_CIPHERS",
    "SERVER_CIPHERS",
    "DTLSFailure",
    "DTLSOptions",
    "DTLSSession",
    "DTLSVersionMode",
    "Progress",
    "SessionState",
    "client_context",
    "handshake_budget",
    "is_client_hello",
    "is_dtls_record",
    "module_options",
    "server_context",
    "server_hello_session_id",
]
