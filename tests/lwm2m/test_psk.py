"""PSKs as a user types them (``IDENTITY:HEXKEY``), and the server's view of its PSK store."""

from __future__ import annotations

import argparse

import pytest

from qlaterm.lwm2m.dtls import RecordingPSKStore
from qlaterm.lwm2m.psk import parse_psk, psk_argument


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dev1:0011ff", ("dev1", b"\x00\x11\xff")),
        ("a:b:c:00", ("a:b:c", b"\x00")),  # the key follows the last colon
        ("urn:imei:866971030603068:AABB", ("urn:imei:866971030603068", b"\xaa\xbb")),
    ],
)
def test_identity_and_key(text: str, expected: tuple[str, bytes]) -> None:
    assert parse_psk(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("nokey", "expected IDENTITY:HEXKEY, got 'nokey'"),
        (":00", "expected IDENTITY:HEXKEY, got ':00'"),
        ("id:xyz", "the key of 'id' is not hex: 'xyz'"),
        ("id:", "the key of 'id' is empty"),
    ],
)
def test_what_is_wrong_is_said(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_psk(text)
    assert str(exc.value) == reason
    with pytest.raises(argparse.ArgumentTypeError) as arg_exc:
        psk_argument(text)
    assert str(arg_exc.value) == reason


def test_recording_store_is_a_mapping_and_remembers_the_identity_looked_up() -> None:
    store = RecordingPSKStore({"dev1": b"\x01", "dev2": bytearray(b"\x02")})
    assert list(store.keys()) == ["dev1", "dev2"]
    assert dict(store.items()) == {"dev1": b"\x01", "dev2": b"\x02"}
    assert store.looked_up == "dev2"
    assert "dev1" in store and len(store) == 2
    assert store.get("nobody") is None and store.looked_up == "nobody"


def test_recording_store_reads_through_to_a_store_that_grows() -> None:
    keys: dict[str, bytes] = {}
    store = RecordingPSKStore(keys)
    keys["late"] = b"\x03"
    assert store["late"] == b"\x03" and list(store.keys()) == ["late"]
