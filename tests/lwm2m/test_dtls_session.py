"""DTLS-PSK sessions without sockets: handshakes between two in-memory sessions, as Mbed TLS sees them."""

from __future__ import annotations

import pytest

from qlaterm.lwm2m.dtls_session import (
    CBC_SHA256,
    CCM_8,
    ERR_BAD_MAC,
    ERR_BAD_VERSION,
    ERR_FATAL_ALERT,
    ERR_UNKNOWN_IDENTITY,
    DTLSFailure,
    DTLSOptions,
    DTLSSession,
    DTLSVersionMode,
    client_context,
    handshake_budget,
    is_client_hello,
    is_dtls_record,
    module_options,
    server_context,
    server_hello_session_id,
)
from qlaterm.lwm2m.mbedtls_resume import resumption

KEYS = {"module-1": b"\x01\x02\x03\x04", "module-2": b"other key"}


def run_handshake(client: DTLSSession, server: DTLSSession) -> tuple[list[DTLSFailure], list[DTLSFailure]]:
    """Shuttle datagrams until both ends are open or one fails; returns the failures seen (client, server)."""
    failures: tuple[list[DTLSFailure], list[DTLSFailure]] = ([], [])
    pending = client.start().datagrams
    for _ in range(20):
        answers: list[bytes] = []
        for datagram in pending:
            progress = server.receive(datagram)
            answers += progress.datagrams
            if progress.failure:
                failures[1].append(progress.failure)
        pending = []
        for datagram in answers:
            progress = client.receive(datagram)
            pending += progress.datagrams
            if progress.failure:
                failures[0].append(progress.failure)
        if (client.is_open and server.is_open) or not (pending or answers):
            break
    return failures


def pair(
    identity: str = "module-1", key: bytes = b"\x01\x02\x03\x04", **options: object
) -> tuple[DTLSSession, DTLSSession]:
    client = DTLSSession(client_context(identity, key, DTLSOptions(**options)))  # type: ignore[arg-type]
    server = DTLSSession(server_context(KEYS, DTLSOptions()), transport_id=b"127.0.0.1:40000")
    return client, server


def test_full_handshake_prefers_ccm8_under_dtls12() -> None:
    client, server = pair()
    assert run_handshake(client, server) == ([], [])
    assert client.is_open and server.is_open
    assert client.cipher == server.cipher == CCM_8
    assert client.version == server.version == "DTLSv1.2"
    assert not client.abbreviated and not server.abbreviated


def test_application_records_stay_apart() -> None:
    client, server = pair()
    run_handshake(client, server)
    first, second = client.send(b"first"), client.send(b"second")
    progress = server.receive(b"".join(first + second))  # two records in one datagram
    assert progress.records == [b"first", b"second"]


def test_cbc_only_client_gets_cbc() -> None:
    client, server = pair(ciphers=(CBC_SHA256,))
    run_handshake(client, server)
    assert server.cipher == CBC_SHA256


def test_dtls10_profile_negotiates_dtls10() -> None:
    client, server = pair(version=DTLSVersionMode.DTLS1_0)
    run_handshake(client, server)
    assert client.version == "DTLSv1.0"
    assert client.cipher != CCM_8  # CCM_8 exists only in DTLS 1.2


def test_negotiate_profile_picks_dtls12() -> None:
    client, server = pair(version=DTLSVersionMode.NEGOTIATE)
    run_handshake(client, server)
    assert client.version == "DTLSv1.2"


def reasons(failures: list[DTLSFailure]) -> list[str]:
    return [failure.reason for failure in failures]


def test_version_mismatch_fails_cleanly() -> None:
    client = DTLSSession(client_context("module-1", KEYS["module-1"], DTLSOptions(version=DTLSVersionMode.DTLS1_2)))
    server = DTLSSession(
        server_context(KEYS, DTLSOptions(version=DTLSVersionMode.DTLS1_0)), transport_id=b"127.0.0.1:40000"
    )
    client_failures, server_failures = run_handshake(client, server)
    # the server answers with DTLS 1.0; the client refuses it and tells the server so
    assert [f.code for f in client_failures] == [ERR_BAD_VERSION]
    assert [f.code for f in server_failures] == [ERR_FATAL_ALERT]
    assert not client.is_open and not server.is_open


def test_wrong_key_fails_on_both_sides() -> None:
    client, server = pair(key=b"wrong")
    client_failures, server_failures = run_handshake(client, server)
    assert [f.code for f in server_failures] == [ERR_BAD_MAC]
    assert reasons(server_failures) == ["wrong PSK (Finished did not verify)"]
    assert [f.code for f in client_failures] == [ERR_FATAL_ALERT]
    assert client.state.value == server.state.value == "failed"


def test_unknown_identity_fails() -> None:
    client, server = pair(identity="stranger")
    client_failures, server_failures = run_handshake(client, server)
    assert [f.code for f in server_failures] == [ERR_UNKNOWN_IDENTITY]
    assert reasons(client_failures) == ["peer refused the handshake (fatal alert)"]


def test_resumed_session_is_abbreviated() -> None:
    assert resumption.available, resumption.unavailable_reason
    server_ctx = server_context(KEYS, DTLSOptions())
    cache = resumption.enable_server_cache(server_ctx, 16)
    assert cache is not None
    try:
        client_ctx = client_context("module-1", KEYS["module-1"], DTLSOptions())
        first_client, first_server = DTLSSession(client_ctx), DTLSSession(server_ctx, transport_id=b"a")
        run_handshake(first_client, first_server)
        saved = first_client.saved_session()
        assert saved
        client, server = DTLSSession(client_ctx, resume_blob=saved), DTLSSession(server_ctx, transport_id=b"a")
        assert client.offered_resumption
        run_handshake(client, server)
        assert client.is_open and client.abbreviated and server.abbreviated
        assert server.session_id == first_server.session_id  # the same session, resumed
        progress = server.receive(client.send(b"after resumption")[0])
        assert progress.records == [b"after resumption"]
    finally:
        cache.close()


def test_resumption_without_server_cache_falls_back_to_full_handshake() -> None:
    server_ctx = server_context(KEYS, DTLSOptions())  # no cache attached
    client_ctx = client_context("module-1", KEYS["module-1"], DTLSOptions())
    first_client, first_server = DTLSSession(client_ctx), DTLSSession(server_ctx, transport_id=b"a")
    run_handshake(first_client, first_server)
    client = DTLSSession(client_ctx, resume_blob=first_client.saved_session())
    server = DTLSSession(server_ctx, transport_id=b"a")
    run_handshake(client, server)
    assert client.is_open and not client.abbreviated


def test_garbage_record_is_dropped_and_session_survives() -> None:
    client, server = pair()
    run_handshake(client, server)
    forged = bytes([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 16]) + bytes(16)  # epoch 1, bad MAC
    progress = server.receive(forged)
    assert progress.failure is None and progress.records == []
    assert server.receive(client.send(b"still here")[0]).records == [b"still here"]


def test_server_hello_session_id_is_read_from_the_wire() -> None:
    client, server = pair()
    run_handshake(client, server)
    assert server.session_id is not None and len(server.session_id) == 32
    assert server_hello_session_id(b"\x40\x01\x00\x01") is None


@pytest.mark.parametrize(
    ("data", "dtls", "hello"),
    [
        (b"\x40\x01\x12\x34\xb1x", False, False),  # plain CoAP GET
        (b"", False, False),
        (bytes([22, 0xFE, 0xFD]) + bytes(10) + b"\x01" + bytes(20), True, True),
        (bytes([22, 0xFE, 0xFD, 0, 1]) + bytes(8) + b"\x01" + bytes(20), True, False),  # epoch 1
        (bytes([21, 0xFE, 0xFD]) + bytes(12), True, False),  # alert
        (bytes([23, 0xFE, 0xFF]) + bytes(12), True, False),  # DTLS 1.0 application data
    ],
)
def test_record_classification(data: bytes, dtls: bool, hello: bool) -> None:
    assert is_dtls_record(data) is dtls
    assert is_client_hello(data) is hello


def test_handshake_budget_follows_mbedtls_doubling() -> None:
    assert handshake_budget(1.0, 4.0) == pytest.approx(7.0)  # 1 + 2 + 4
    assert handshake_budget(1.0, 8.0) == pytest.approx(15.0)
    assert handshake_budget(0.2, 0.2) == pytest.approx(0.2)
    scaled = DTLSOptions(handshake_timeout_min=1, handshake_timeout_max=4).scaled(0.5)
    assert scaled.handshake_budget == pytest.approx(3.5)


def test_options_accept_qlacfg_numbers() -> None:
    assert DTLSOptions(version=0).version is DTLSVersionMode.DTLS1_0  # type: ignore[arg-type]
    assert DTLSOptions(version=2).effective_ciphers == (CCM_8, CBC_SHA256)  # type: ignore[arg-type]


def test_module_profile_follows_the_coap_schedule() -> None:
    options = module_options(dtls_mode=1, dtls_version=1, ack_timeout=2.0, max_retransmit=5)
    assert options.resume and options.version is DTLSVersionMode.DTLS1_2
    assert options.handshake_budget == pytest.approx(2.0 * (2**6 - 1))  # the CoAP transmit budget, 126 s
    scaled = module_options(dtls_mode=0, dtls_version=2, ack_timeout=0.02, max_retransmit=5)
    assert not scaled.resume and scaled.handshake_budget == pytest.approx(1.26)
