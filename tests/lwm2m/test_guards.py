"""Guards on the aiocoap and python-mbedtls internals the project relies on.

The CoAP layers of both ends subclass aiocoap's MessageManager, TokenManager and udp6 transport and
override private methods; DTLS session resumption reaches into python-mbedtls and Mbed TLS through
ctypes.  An upgrade of either must fail here, with one message naming what changed, before it fails
somewhere in a retransmission or a handshake.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
from typing import Any

import pytest

from qlaterm.lwm2m import mbedtls_resume
from qlaterm.lwm2m.coap import BUILT_FOR_AIOCOAP
from qlaterm.lwm2m.dtls_session import DTLSOptions, DTLSSession, DTLSVersionMode, client_context, server_context

SIGNATURES = {
    "aiocoap.messagemanager:MessageManager.__init__": "(self, token_manager) -> None",
    "aiocoap.messagemanager:MessageManager.dispatch_message": "(self, message)",
    "aiocoap.messagemanager:MessageManager.dispatch_error": "(self, error, remote)",
    "aiocoap.messagemanager:MessageManager._send_via_transport": "(self, message)",
    "aiocoap.messagemanager:MessageManager._retransmit": "(self, message, timeout, retransmission_counter)",
    "aiocoap.messagemanager:MessageManager._process_response": "(self, response)",
    "aiocoap.messagemanager:MessageManager._continue_backlog": "(self, remote)",
    "aiocoap.tokenmanager:TokenManager.__init__": "(self, context)",
    "aiocoap.tokenmanager:TokenManager.next_token": "(self)",
    "aiocoap.tokenmanager:TokenManager.request": "(self, request)",
    "aiocoap.transports.udp6:MessageInterfaceUDP6.create_server_transport_endpoint": "(ctx: aiocoap.interfaces.MessageManager, log, loop, bind, multicast)",  # noqa: E501 - signatures as inspect prints them
    "aiocoap.transports.udp6:MessageInterfaceUDP6._create_transport_endpoint": "(sock, ctx: aiocoap.interfaces.MessageManager, log, loop, multicast=[])",  # noqa: E501 - signatures as inspect prints them
    "aiocoap.transports.udp6:MessageInterfaceUDP6.datagram_msg_received": "(self, data, ancdata, flags, address)",
    "aiocoap.transports.udp6:MessageInterfaceUDP6.datagram_errqueue_received": "(self, data, ancdata, flags, address)",
    "aiocoap.transports.udp6:MessageInterfaceUDP6._local_port": "(self)",
    "aiocoap.protocol:Context.__init__": "(self, loop=None, serversite=None, loggername='coap', client_credentials=None, server_credentials=None)",  # noqa: E501 - signatures as inspect prints them
    "aiocoap.protocol:Context.find_remote_and_interface": "(self, message)",
    "aiocoap.protocol:Context.shutdown": "(self)",
    "aiocoap.protocol:BlockwiseRequest._complete_by_requesting_block2": "(protocol, request_to_repeat, initial_response, log)",  # noqa: E501 - signatures as inspect prints them
    "aiocoap.interfaces:MessageInterface.send": "(self, message)",
    "aiocoap.interfaces:MessageInterface.shutdown": "(self)",
    "aiocoap.interfaces:MessageInterface.determine_remote": "(self, message)",
    "aiocoap.blockwise:_extract_block_key": "(message)",
    "aiocoap.blockwise:Block1Spool.feed_and_take": "(self, req: aiocoap.message.Message) -> aiocoap.message.Message",
    "aiocoap.util.asyncio.timeoutdict:TimeoutDict.__init__": "(self, timeout: float)",
    "mbedtls.tls:ClientContext.wrap_buffers": "(self, server_hostname: 'Optional[str]') -> 'TLSWrappedBuffer'",
    "mbedtls.tls:ServerContext.wrap_buffers": "(self) -> 'TLSWrappedBuffer'",
    "mbedtls.tls:TLSWrappedBuffer.setcookieparam": "(self, info)",
    "mbedtls.tls:TLSWrappedBuffer.do_handshake": "(self)",
    "mbedtls.tls:TLSWrappedBuffer.receive_from_network": "(self, data)",
    "mbedtls.tls:TLSWrappedBuffer.peek_outgoing": "(self, amt)",
    "mbedtls.tls:TLSWrappedBuffer.consume_outgoing": "(self, amt)",
    "mbedtls.tls:TLSWrappedBuffer.readinto": "(self, buffer, amt)",
    "mbedtls.tls:TLSWrappedBuffer.write": "(self, buffer)",
    "mbedtls.tls:TLSWrappedBuffer.shutdown": "(self)",
    "mbedtls.tls:TLSWrappedBuffer.cipher": "(self)",
    "mbedtls.tls:TLSWrappedBuffer.negotiated_tls_version": "(self)",
}
"""Every aiocoap / python-mbedtls callable the project overrides or calls outside their public API, with
the signature it was written against."""

ATTRIBUTES = {
    "aiocoap.messagemanager:MessageManager": ("self._active_exchanges", "self.message_interface"),
    "aiocoap.tokenmanager:TokenManager": ("self.token_interface",),
    "aiocoap.protocol:Context": ("self.request_interfaces",),
    "aiocoap.transports.udp6:MessageInterfaceUDP6": ("self._ctx", "self.transport"),
}
"""Instance attributes the subclasses read or set, found in the source of the class that sets them."""


def _resolve(target: str) -> Any:
    module, qualname = target.split(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _signature(target: str) -> str:
    try:
        return str(inspect.signature(_resolve(target)))
    except AttributeError:
        return "<gone>"


def test_the_private_api_we_build_on_is_unchanged() -> None:
    changed = [
        f"  {target}: expected {expected}, found {found}"
        for target, expected in SIGNATURES.items()
        if (found := _signature(target)) != expected
    ]
    changed += [
        f"  {target}: no longer sets {attribute}"
        for target, attributes in ATTRIBUTES.items()
        for attribute in attributes
        if f"{attribute} =" not in inspect.getsource(_resolve(target))
    ]
    assert not changed, (
        "aiocoap / python-mbedtls internals changed under the project's subclasses "
        f"(written for aiocoap {BUILT_FOR_AIOCOAP}, python-mbedtls {mbedtls_resume.BUILT_FOR_PYTHON_MBEDTLS}):\n"
        + "\n".join(changed)
    )


def test_aiocoap_is_the_release_the_layers_were_written_for() -> None:
    found = importlib.metadata.version("aiocoap")
    assert found == BUILT_FOR_AIOCOAP, (
        f"aiocoap {found} installed, the CoAP layers (qlaterm.lwm2m.coap and its users) were written for "
        f"{BUILT_FOR_AIOCOAP}: check the private methods in SIGNATURES, then raise BUILT_FOR_AIOCOAP"
    )


def test_mbedtls_is_what_the_ctypes_resumption_was_built_for() -> None:
    reason = mbedtls_resume.version_mismatch()
    assert reason is None, f"DTLS session resumption (qlaterm.lwm2m.mbedtls_resume) {reason}"
    assert mbedtls_resume.resumption.available, mbedtls_resume.resumption.unavailable_reason


@pytest.mark.parametrize("found", [("2.10.2", (2, 28)), ("2.10.1", (3, 6))])
def test_resumption_refuses_other_versions_and_handshakes_in_full(
    found: tuple[str, tuple[int, int]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(mbedtls_resume, "installed_versions", lambda: found)
    refusing = mbedtls_resume.Resumption()
    with caplog.at_level(logging.WARNING, logger=mbedtls_resume.__name__):
        assert not refusing.available
    wrapper, (major, minor) = found
    assert refusing.unavailable_reason == (
        "built for python-mbedtls 2.10.1 with Mbed TLS 2.28, "
        f"found python-mbedtls {wrapper} with Mbed TLS {major}.{minor}"
    )
    assert "every handshake is a full one" in caplog.text
    monkeypatch.setattr(mbedtls_resume, "resumption", refusing)
    monkeypatch.setattr("qlaterm.lwm2m.dtls_session.resumption", refusing)

    options = DTLSOptions(version=DTLSVersionMode.DTLS1_2)
    client = DTLSSession(client_context("dev", b"key", options), resume_blob=b"a saved session")
    server_ctx = server_context({"dev": b"key"}, options)
    assert refusing.enable_server_cache(server_ctx, 16) is None
    server = DTLSSession(server_ctx, transport_id=b"peer")
    assert not client.offered_resumption
    pending = client.start().datagrams
    for _ in range(20):
        answers = [d for datagram in pending for d in server.receive(datagram).datagrams]
        pending = [d for datagram in answers for d in client.receive(datagram).datagrams]
        if client.is_open and server.is_open:
            break
    assert client.is_open and server.is_open and not client.abbreviated
    assert client.saved_session() is None
