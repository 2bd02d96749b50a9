"""DTLS session resumption on python-mbedtls, through ctypes into the Mbed TLS library its wheel bundles.

The abbreviated handshake the module does after deep sleep (AT+QLACFG="dtls_mode",1) needs
``mbedtls_ssl_get_session`` / ``mbedtls_ssl_set_session`` / ``mbedtls_ssl_session_save`` and a server
session cache, which python-mbedtls does not wrap.  This module calls them with the address of the
``mbedtls_ssl_context`` inside python-mbedtls's buffer object, so it depends on that object's memory
layout and on the library's ABI: it runs only on the versions it was built for
(:data:`BUILT_FOR_PYTHON_MBEDTLS`, :data:`BUILT_FOR_MBEDTLS`), and even there only after a run-time
probe has confirmed the offset.  On anything else :attr:`Resumption.available` is False,
:attr:`Resumption.unavailable_reason` says why (logged once as a warning), and every handshake is a
full one.
"""

from __future__ import annotations

import ctypes
import glob
import importlib.metadata
import logging
import os
from typing import Final

import mbedtls
import mbedtls.version
from mbedtls.tls import ServerContext, TLSWrappedBuffer

__all__ = [
    "BUILT_FOR_MBEDTLS",
    "BUILT_FOR_PYTHON_MBEDTLS",
    "Resumption",
    "ServerSessionCache",
    "resumption",
    "version_mismatch",
]

log = logging.getLogger(__name__)

BUILT_FOR_PYTHON_MBEDTLS: Final = "2.10.1"
"""The python-mbedtls release whose buffer layout :data:`Resumption._SSL_OFFSET` describes."""
BUILT_FOR_MBEDTLS: Final = (2, 28)
"""The Mbed TLS series (major, minor) whose ``mbedtls_ssl_context`` and session API this module calls."""


def installed_versions() -> tuple[str, tuple[int, int]]:
    """(python-mbedtls release, Mbed TLS (major, minor)) as installed."""
    info = mbedtls.version.version_info
    return importlib.metadata.version("python-mbedtls"), (int(info.major), int(info.minor))


def version_mismatch() -> str | None:
    """Why this installation is not one the ctypes code was built for, or None when it is."""
    wrapper, library = installed_versions()
    if (wrapper, library) == (BUILT_FOR_PYTHON_MBEDTLS, BUILT_FOR_MBEDTLS):
        return None
    built = f"python-mbedtls {BUILT_FOR_PYTHON_MBEDTLS} with Mbed TLS {'.'.join(map(str, BUILT_FOR_MBEDTLS))}"
    found = f"python-mbedtls {wrapper} with Mbed TLS {'.'.join(map(str, library))}"
    return f"built for {built}, found {found}"


class Resumption:
    """Session save/offer and a server session cache, reached in the bundled Mbed TLS through ctypes.

    python-mbedtls keeps the ``mbedtls_ssl_context`` inline in its buffer object right after the
    object header and one object pointer; the offset is confirmed at run time (the context's ``state``
    field must track the buffer's handshake state, and the suite Mbed TLS reports for the context must
    be the one python-mbedtls reports) before any function is called with it.
    """

    _SSL_OFFSET: Final = 24  # PyObject_HEAD (16) + MbedTLSBuffer._context (8)
    _SESSION_SIZE: Final = 4096  # generous for sizeof(mbedtls_ssl_session)
    _CACHE_SIZE: Final = 256  # generous for sizeof(mbedtls_ssl_cache_context)

    def __init__(self) -> None:
        self._lib: ctypes.CDLL | None = None
        self._checked = False
        self.unavailable_reason: str | None = None

    @property
    def available(self) -> bool:
        """True when sessions can be saved and resumed on this installation."""
        self._check()
        return self._lib is not None

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        self.unavailable_reason = version_mismatch()
        if self.unavailable_reason is not None:
            log.warning("DTLS session resumption disabled, every handshake is a full one: %s", self.unavailable_reason)
            return
        try:
            lib = self._load()
            self._lib = lib
            if not self._probe():
                self._lib = None
                self.unavailable_reason = "the mbedtls_ssl_context of python-mbedtls was not where expected"
        except (OSError, AttributeError, IndexError) as error:
            self._lib = None
            self.unavailable_reason = f"Mbed TLS library not usable through ctypes: {error}"
        if self.unavailable_reason:
            log.warning("DTLS session resumption unavailable: %s", self.unavailable_reason)

    @staticmethod
    def _load() -> ctypes.CDLL:
        libdir = os.path.join(os.path.dirname(os.path.dirname(mbedtls.__file__)), "python_mbedtls.libs")
        candidates = sorted(glob.glob(os.path.join(libdir, "libmbedtls-*.so*")))
        lib = ctypes.CDLL(candidates[0])
        vp, sz = ctypes.c_void_p, ctypes.c_size_t
        signatures: dict[str, tuple[list[object], object]] = {
            "mbedtls_ssl_get_ciphersuite": ([vp], ctypes.c_char_p),
            "mbedtls_ssl_get_session": ([vp, vp], ctypes.c_int),
            "mbedtls_ssl_set_session": ([vp, vp], ctypes.c_int),
            "mbedtls_ssl_session_init": ([vp], None),
            "mbedtls_ssl_session_free": ([vp], None),
            "mbedtls_ssl_session_save": ([vp, vp, sz, ctypes.POINTER(sz)], ctypes.c_int),
            "mbedtls_ssl_session_load": ([vp, ctypes.c_char_p, sz], ctypes.c_int),
            "mbedtls_ssl_cache_init": ([vp], None),
            "mbedtls_ssl_cache_free": ([vp], None),
            "mbedtls_ssl_cache_set_max_entries": ([vp, ctypes.c_int], None),
            "mbedtls_ssl_conf_session_cache": ([vp, vp, vp, vp], None),
        }
        for name, (argtypes, restype) in signatures.items():
            function = getattr(lib, name)
            function.argtypes = argtypes
            function.restype = restype
        lib.mbedtls_ssl_cache_get  # noqa: B018  (must exist: passed as a callback)
        lib.mbedtls_ssl_cache_set  # noqa: B018
        return lib

    def _ssl(self, buf: TLSWrappedBuffer) -> int:
        return id(buf) + self._SSL_OFFSET

    def _state_matches(self, buf: TLSWrappedBuffer) -> bool:
        address = self._ssl(buf)
        conf = ctypes.c_void_p.from_address(address).value
        state = ctypes.c_int.from_address(address + ctypes.sizeof(ctypes.c_void_p)).value
        return bool(conf) and state == buf._handshake_state.value

    def _probe(self) -> bool:
        """Run one in-memory handshake and check the context offset at two different states."""
        # the sessions that use this module are what the probe drives
        from qlaterm.lwm2m.dtls_session import (
            DTLSOptions,
            DTLSSession,
            DTLSVersionMode,
            client_context,
            server_context,
        )

        options = DTLSOptions(version=DTLSVersionMode.DTLS1_2)
        client = DTLSSession(client_context("probe", b"probe-key", options))
        server = DTLSSession(server_context({"probe": b"probe-key"}, options), transport_id=b"probe")
        if not self._state_matches(client._buf):
            return False
        pending = client.start().datagrams
        for _ in range(20):
            answers: list[bytes] = []
            for datagram in pending:
                answers += server.receive(datagram).datagrams
            pending = []
            for datagram in answers:
                pending += client.receive(datagram).datagrams
            if client.is_open and server.is_open:
                break
        if not (client.is_open and self._state_matches(client._buf)):
            return False
        assert self._lib is not None
        suite = self._lib.mbedtls_ssl_get_ciphersuite(self._ssl(client._buf))
        return suite is not None and suite.decode() == client.cipher

    def save(self, buf: TLSWrappedBuffer) -> bytes | None:
        """Serialise the session of an open client buffer (``mbedtls_ssl_session_save``)."""
        if not self.available or not self._state_matches(buf):
            return None
        lib = self._lib
        assert lib is not None
        session = ctypes.create_string_buffer(self._SESSION_SIZE)
        lib.mbedtls_ssl_session_init(session)
        try:
            if lib.mbedtls_ssl_get_session(self._ssl(buf), session) != 0:
                return None
            size = ctypes.c_size_t(0)
            out = ctypes.create_string_buffer(2048)
            if lib.mbedtls_ssl_session_save(session, out, len(out), ctypes.byref(size)) != 0:
                return None
            return out.raw[: size.value]
        finally:
            lib.mbedtls_ssl_session_free(session)

    def offer(self, buf: TLSWrappedBuffer, blob: bytes) -> bool:
        """Make a fresh client buffer offer a saved session in its ClientHello."""
        if not self.available or not self._state_matches(buf):
            return False
        lib = self._lib
        assert lib is not None
        session = ctypes.create_string_buffer(self._SESSION_SIZE)
        lib.mbedtls_ssl_session_init(session)
        try:
            if lib.mbedtls_ssl_session_load(session, blob, len(blob)) != 0:
                return False
            return bool(lib.mbedtls_ssl_set_session(self._ssl(buf), session) == 0)
        finally:
            lib.mbedtls_ssl_session_free(session)

    def enable_server_cache(self, context: ServerContext, max_entries: int) -> ServerSessionCache | None:
        """Give a server context a session cache, so that clients can resume; None if unavailable."""
        if not self.available:
            return None
        lib = self._lib
        assert lib is not None
        probe = context.wrap_buffers()
        if not self._state_matches(probe):
            return None
        conf = ctypes.c_void_p.from_address(self._ssl(probe)).value
        cache = ctypes.create_string_buffer(self._CACHE_SIZE)
        lib.mbedtls_ssl_cache_init(cache)
        lib.mbedtls_ssl_cache_set_max_entries(cache, max_entries)
        get = ctypes.cast(lib.mbedtls_ssl_cache_get, ctypes.c_void_p)
        put = ctypes.cast(lib.mbedtls_ssl_cache_set, ctypes.c_void_p)
        lib.mbedtls_ssl_conf_session_cache(conf, cache, get, put)
        return ServerSessionCache(lib, context, conf, cache)


class ServerSessionCache:
    """A server context's session cache; :meth:`close` detaches and frees it (the context stays usable)."""

    def __init__(
        self, lib: ctypes.CDLL, context: ServerContext, conf: int | None, cache: ctypes.Array[ctypes.c_char]
    ) -> None:
        self._lib = lib
        self._context = context  # keeps the configuration the cache is attached to alive
        self._conf = conf
        self._cache: ctypes.Array[ctypes.c_char] | None = cache

    def close(self) -> None:
        """Detach the cache from the configuration, then free its entries."""
        if self._cache is None:
            return
        self._lib.mbedtls_ssl_conf_session_cache(self._conf, None, None, None)
        self._lib.mbedtls_ssl_cache_free(self._cache)
        self._cache = None


resumption = Resumption()
"""The process-wide access to session resumption (checked on first use)."""

