"""LwM2M content formats: spec vectors, round trips for every format, and garbage that must only ever
raise CodecError (a peer's malformed payload may not crash the client or the platform)."""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

import cbor2
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qlaterm.lwm2m.formats import CodecError, ContentFormat, Scalar, cbor, decode, describe, encode, scalar_bytes
from qlaterm.lwm2m.formats.text import text_of
from qlaterm.lwm2m.formats.tlv import objlnk_bytes, tlv_bool, tlv_float, tlv_int, tlv_objlnk, tlv_str, tlv_value
from qlaterm.lwm2m.linkformat import Link, link_format, parse_link_format
from qlaterm.lwm2m.paths import Path

CF = ContentFormat

# ---------------------------------------------------------------------------------------------------
# Known vectors

# OMA LwM2M 1.0 TS appendix: Read of a single Device object instance /3/0 in TLV.
DEVICE_VALUES: dict[Path, Scalar] = {
    (3, 0, 0): "Open Mobile Alliance",
    (3, 0, 1): "Lightweight M2M Client",
    (3, 0, 2): "345000123",
    (3, 0, 3): "1.0",
    (3, 0, 6, 0): 1,
    (3, 0, 6, 1): 5,
    (3, 0, 7, 0): 3800,
    (3, 0, 7, 1): 5000,
    (3, 0, 8, 0): 125,
    (3, 0, 8, 1): 900,
    (3, 0, 9): 100,
    (3, 0, 10): 15,
    (3, 0, 11, 0): 0,
    (3, 0, 13): 1367491215,
    (3, 0, 14): "+02:00",
    (3, 0, 16): "U",
}
DEVICE_TLV = bytes.fromhex(
    "C80014" + b"Open Mobile Alliance".hex()  # 0 Manufacturer
    + "C80116" "4C69676874776569676874204D324D20436C69656E74"  # 1 Model number
    "C80209" "333435303030313233"  # 2 Serial number
    "C303312E30"  # 3 Firmware version
    "8606" "410001" "410105"  # 6 Available power sources [1, 5]
    "880708" "42000ED8" "42011388"  # 7 Power source voltage [3800, 5000]
    "8708" "41007D" "42010384"  # 8 Power source current [125, 900]
    "C10964"  # 9 Battery level
    "C10A0F"  # 10 Memory free
    "830B" "410000"  # 11 Error code [0]
    "C40D5182428F"  # 13 Current time
    "C60E2B30323A3030"  # 14 UTC offset
    "C11055"  # 16 Binding
)

# OMA LwM2M 1.0 TS appendix: Read of the Access Control object /2 with two instances; the second
# instance's ACL has a 16-bit resource-instance id (310).
ACL_VALUES: dict[Path, Scalar] = {
    (2, 0, 0): 1,
    (2, 0, 1): 0,
    (2, 0, 2, 127): 7,
    (2, 0, 3): 127,
    (2, 2, 0): 3,
    (2, 2, 1): 0,
    (2, 2, 2, 127): 7,
    (2, 2, 2, 310): 1,
    (2, 2, 3): 127,
}
ACL_TLV = bytes.fromhex(
    "08000E" "C10001" "C10100" "8302417F07" "C1037F"
    "080212" "C10003" "C10100" "8702417F0761013601" "C1037F"
)


def test_device_object_tlv_matches_spec_example() -> None:
    assert DEVICE_TLV[:3] == bytes.fromhex("C80014")
    assert encode(CF.TLV, (3, 0), DEVICE_VALUES) == DEVICE_TLV
    decoded = decode(CF.TLV, (3, 0), DEVICE_TLV)
    assert decoded == {path: scalar_bytes(value) for path, value in DEVICE_VALUES.items()}
    assert tlv_str(decoded[(3, 0, 1)]) == "Lightweight M2M Client"
    assert tlv_int(decoded[(3, 0, 13)]) == 1367491215
    assert tlv_int(decoded[(3, 0, 7, 1)]) == 5000


def test_access_control_object_tlv_matches_spec_example() -> None:
    assert encode(CF.TLV, (2,), ACL_VALUES) == ACL_TLV
    assert decode(CF.OLD_TLV, (2,), ACL_TLV) == {p: scalar_bytes(v) for p, v in ACL_VALUES.items()}


def test_tlv_single_resource_and_resource_instance_paths() -> None:
    assert encode(CF.TLV, (3, 0, 0), {(3, 0, 0): "Quectel"}) == b"\xc7\x00Quectel"
    assert encode(CF.TLV, (3, 0, 7), {(3, 0, 7, 0): 3800}) == bytes.fromhex("8407" "42000ED8")
    assert encode(CF.TLV, (3, 0, 7, 1), {(3, 0, 7, 1): 5000}) == bytes.fromhex("42011388")
    assert decode(CF.TLV, (3, 0, 7, 1), bytes.fromhex("42011388")) == {(3, 0, 7, 1): b"\x13\x88"}
    assert decode(CF.TLV, (3, 0, 7), bytes.fromhex("42011388")) == {(3, 0, 7, 1): b"\x13\x88"}


def test_tlv_long_values_use_16_and_24_bit_length_fields() -> None:
    medium = b"x" * 300
    assert encode(CF.TLV, (19, 0), {(19, 0, 0): medium}) == b"\xd0\x00\x01\x2c" + medium
    big = b"y" * 70000
    assert encode(CF.TLV, (19, 0), {(19, 0, 0): big}) == b"\xd8\x00\x01\x11\x70" + big
    assert decode(CF.TLV, (19, 0), b"\xd8\x00\x01\x11\x70" + big) == {(19, 0, 0): big}
    # 16-bit resource id (0x20 flag) with length in the type byte
    assert encode(CF.TLV, (19, 0), {(19, 0, 5000): 1}) == b"\xe1\x13\x88\x01"


def test_tlv_rejects_paths_outside_the_request() -> None:
    with pytest.raises(CodecError):
        decode(CF.TLV, (3, 0, 1), b"\xc3\x00abc")  # resource 0 answering a read of /3/0/1
    with pytest.raises(CodecError):
        decode(CF.TLV, (3, 1), ACL_TLV[:17])  # object instance 0 under /3/1
    with pytest.raises(CodecError):
        decode(CF.TLV, (3,), b"\xc1\x00\x01")  # resource TLV directly under an object
    with pytest.raises(CodecError):
        decode(CF.TLV, (3, 0), b"\x86\x06\xc1\x00\x01")  # a resource inside a multiple resource
    with pytest.raises(CodecError):
        encode(CF.TLV, (3, 0), {(4, 0, 0): 1})
    with pytest.raises(CodecError):
        encode(CF.TLV, (3, 0), {(3, 0, 6): 1, (3, 0, 6, 0): 1})


def test_tlv_truncated_data_is_a_codec_error() -> None:
    full = decode(CF.TLV, (3, 0), DEVICE_TLV)
    failures = 0
    for cut in range(1, len(DEVICE_TLV)):
        try:
            prefix = decode(CF.TLV, (3, 0), DEVICE_TLV[:cut])
        except CodecError:
            failures += 1
            continue
        assert prefix.items() <= full.items()  # a cut between two TLVs is a shorter valid payload
    assert failures == len(DEVICE_TLV) - 1 - 12  # 13 resource TLVs: 12 inner boundaries


def test_scalar_bytes_vectors() -> None:
    assert scalar_bytes(0) == b"\x00"
    assert scalar_bytes(127) == b"\x7f"
    assert scalar_bytes(128) == b"\x00\x80"
    assert scalar_bytes(-1) == b"\xff"
    assert scalar_bytes(-129) == b"\xff\x7f"
    assert scalar_bytes(32768) == b"\x00\x00\x80\x00"
    assert scalar_bytes(2**31) == b"\x00\x00\x00\x00\x80\x00\x00\x00"
    assert scalar_bytes(-(2**63)) == b"\x80" + b"\x00" * 7
    assert scalar_bytes(1.5) == bytes.fromhex("3FC00000")
    assert scalar_bytes(0.1) == bytes.fromhex("3FB999999999999A")
    assert scalar_bytes(True) == b"\x01"
    assert scalar_bytes(False) == b"\x00"
    assert scalar_bytes("é") == b"\xc3\xa9"
    assert scalar_bytes(b"\x00\xff") == b"\x00\xff"
    with pytest.raises(CodecError):
        scalar_bytes(2**63)
    with pytest.raises(CodecError):
        scalar_bytes(None)  # type: ignore[arg-type]


def test_tlv_helpers() -> None:
    assert tlv_bool(b"\x01") is True
    assert tlv_bool(b"\x00") is False
    assert tlv_objlnk(b"\x00\x03\x00\x00") == "3:0"
    assert objlnk_bytes("3:0") == b"\x00\x03\x00\x00"
    assert tlv_value(b"\xff\xff", "unsigned") == 65535
    assert tlv_value(b"\xff\xff", "integer") == -1
    assert tlv_value(b"\x3f\xc0\x00\x00", "Float") == 1.5
    assert tlv_value(b"ab", "opaque") == b"ab"
    for bad in (
        lambda: tlv_bool(b"\x02"),
        lambda: tlv_int(b""),
        lambda: tlv_int(b"\x00" * 9),
        lambda: tlv_float(b"\x00" * 3),
        lambda: tlv_str(b"\xff"),
        lambda: tlv_objlnk(b"\x00"),
        lambda: objlnk_bytes("3"),
        lambda: objlnk_bytes("3:70000"),
        lambda: tlv_value(b"", "date"),
    ):
        with pytest.raises(CodecError):
            bad()


def test_text_and_opaque() -> None:
    assert encode(CF.TEXT, (19, 0, 0), {(19, 0, 0): "hello"}) == b"hello"
    assert encode(CF.OLD_TEXT, (1, 0, 1), {(1, 0, 1): 86400}) == b"86400"
    assert encode(CF.TEXT, (19, 0, 1), {(19, 0, 1): True}) == b"1"
    assert encode(CF.TEXT, (19, 0, 1), {(19, 0, 1): 2.5}) == b"2.5"
    assert encode(CF.TEXT, (19, 0, 1), {(19, 0, 1): b"\x01\x02\x03"}) == b"AQID"
    assert decode(CF.TEXT, (19, 0, 0), b"{\"outletStatus\":\"1\"}") == {(19, 0, 0): '{"outletStatus":"1"}'}
    assert decode(CF.OLD_TEXT, (1, 0, 7), b"UQ") == {(1, 0, 7): "UQ"}
    assert encode(CF.OPAQUE, (19, 0, 0), {(19, 0, 0): b"\x00\xff"}) == b"\x00\xff"
    assert encode(CF.OLD_OPAQUE, (19, 0, 0), {(19, 0, 0): "ab"}) == b"ab"
    assert decode(CF.OPAQUE, (19, 0, 0), b"\x00\xff") == {(19, 0, 0): b"\x00\xff"}
    for fmt in (CF.TEXT, CF.OPAQUE, CF.CBOR):
        with pytest.raises(CodecError):
            encode(fmt, (19, 0), {(19, 0, 0): "x"})  # an instance is not one resource
        with pytest.raises(CodecError):
            encode(fmt, (19, 0, 0), {(19, 0, 0): "x", (19, 0, 1): "y"})
        with pytest.raises(CodecError):
            decode(fmt, (19, 0), b"x")
    with pytest.raises(CodecError):
        encode(CF.OPAQUE, (19, 0, 0), {(19, 0, 0): 5})
    with pytest.raises(CodecError):
        encode(CF.TEXT, (19, 0, 0), {(19, 0, 0): math.inf})
    with pytest.raises(CodecError):
        decode(CF.TEXT, (19, 0, 0), b"\xff\xfe")


def test_lwm2m_json_matches_spec_layout() -> None:
    payload = encode(CF.LWM2M_JSON, (19, 0), {(19, 0, 0): "x", (19, 0, 1): 12, (19, 0, 2): True,
                                                 (19, 0, 3): 1.5, (19, 0, 4): b"\x01\x02\x03"})
    assert json.loads(payload) == {"bn": "/19/0/", "e": [
        {"n": "0", "sv": "x"}, {"n": "1", "v": 12}, {"n": "2", "bv": True}, {"n": "3", "v": 1.5},
        {"n": "4", "sv": "AQID"},
    ]}
    single = encode(CF.OLD_JSON, (3, 0, 0), {(3, 0, 0): "Quectel"})
    assert json.loads(single) == {"bn": "/3/0/0", "e": [{"sv": "Quectel"}]}
    assert decode(CF.OLD_JSON, (3, 0, 0), single) == {(3, 0, 0): "Quectel"}
    spec_example = b"""{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/0","v":1},
        {"n":"6/1","v":5},{"n":"13","v":1367491215},{"n":"16","sv":"U"},{"n":"20","ov":"3:0"}]}"""
    assert decode(CF.LWM2M_JSON, (3, 0), spec_example) == {
        (3, 0, 0): "Open Mobile Alliance", (3, 0, 6, 0): 1, (3, 0, 6, 1): 5, (3, 0, 13): 1367491215,
        (3, 0, 16): "U", (3, 0, 20): "3:0",
    }
    # no "bn": names are relative to the request path
    assert decode(CF.LWM2M_JSON, (19, 1), b'{"e":[{"n":"0","sv":"a"}]}') == {(19, 1, 0): "a"}


def test_lwm2m_json_rejects_bad_documents() -> None:
    for bad in (
        b"[]",
        b'{"e":{}}',
        b'{"bn":1,"e":[]}',
        b'{"bn":"/19/0/","e":[{"n":"0"}]}',
        b'{"bn":"/19/0/","e":[{"n":"0","v":"1"}]}',
        b'{"bn":"/19/0/","e":[{"n":"0","v":true}]}',
        b'{"bn":"/19/0/","e":[{"n":"0","bv":1}]}',
        b'{"bn":"/19/0/","e":[{"n":"0","sv":"a","v":1}]}',
        b'{"bn":"/19/0/","e":[{"n":"x","sv":"a"}]}',
        b'{"bn":"/20/0/","e":[{"n":"0","sv":"a"}]}',
        b'{"bn":"/19/","e":[{"sv":"a"}]}',
        b"[" * 100000,
    ):
        with pytest.raises(CodecError):
            decode(CF.LWM2M_JSON, (19, 0), bad)


def test_senml_json_matches_lwm2m_1_1_layout() -> None:
    payload = encode(CF.SENML_JSON, (19, 0), {(19, 0, 0): "x", (19, 0, 1): 3, (19, 0, 2): b"\xfb\xff"})
    assert json.loads(payload) == [
        {"bn": "/19/0/", "n": "0", "vs": "x"}, {"n": "1", "v": 3}, {"n": "2", "vd": "-_8"},
    ]
    single = encode(CF.SENML_JSON, (3, 0, 0), {(3, 0, 0): "Quectel"})
    assert json.loads(single) == [{"bn": "/3/0/0", "vs": "Quectel"}]
    doc = b"""[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"9","v":100},
        {"n":"17","vb":false},{"n":"18","vd":"AQID"},{"n":"19","vd":"-_8="},{"n":"20","vlo":"3:0"},
        {"bn":"/4/0/","n":"4/0","vs":"10.0.0.1"},{"n":"2","t":5},{"n":"3","bv":10,"v":5}]"""
    assert decode(CF.SENML_JSON, (), doc) == {
        (3, 0, 0): "Open Mobile Alliance", (3, 0, 9): 100, (3, 0, 17): False, (3, 0, 18): b"\x01\x02\x03",
        (3, 0, 19): b"\xfb\xff", (3, 0, 20): "3:0", (4, 0, 4, 0): "10.0.0.1", (4, 0, 3): 15,
    }
    for bad in (
        b"{}",
        b"[1]",
        b'[{"bn":"/3/0/","n":"0","vs":"a","v":1}]',
        b'[{"bn":"/3/0/","n":"0","vd":"!!"}]',
        b'[{"bn":"/3/0/","n":"0","vd":3}]',
        b'[{"bn":"/3/0/","n":"0","v":' + b"9" * 400 + b',"bv":0.5}]',
        b'[{"bn":"/3/","vs":"a"}]',
    ):
        with pytest.raises(CodecError):
            decode(CF.SENML_JSON, (3,), bad)


def test_senml_cbor_vectors() -> None:
    # [{-2: "/3/0/", 0: "9", 2: 100}]
    vector = bytes.fromhex("81A3" "21" "652F332F302F" "00" "6139" "02" "1864")
    assert encode(CF.SENML_CBOR, (3, 0), {(3, 0, 9): 100}) == vector
    assert decode(CF.SENML_CBOR, (3, 0), vector) == {(3, 0, 9): 100}
    # The same with indefinite-length array and map, a half-float, and a byte-string vd (label 8).
    indefinite = bytes.fromhex("9F" "BF" "21" "652F332F302F" "00" "6139" "02" "F93C00" "FF"
                               "A2" "00" "623138" "08" "43010203" "FF")
    assert decode(CF.SENML_CBOR, (3, 0), indefinite) == {(3, 0, 9): 1.0, (3, 0, 18): b"\x01\x02\x03"}
    assert decode(CF.CBOR, (3, 0, 9), bytes.fromhex("1864")) == {(3, 0, 9): 100}
    assert decode(CF.CBOR, (3, 0, 9), bytes.fromhex("C11864")) == {(3, 0, 9): 100}  # tagged (epoch time)
    assert encode(CF.CBOR, (3, 0, 0), {(3, 0, 0): "ab"}) == b"\x62ab"
    for bad in ("", "1864FF", "9F01", "A1810102", "FF", "7F", "5F61FF", "7F4100FF", "F8", "62C3", "A10102FF"):
        with pytest.raises(CodecError):
            cbor.loads(bytes.fromhex(bad))
    with pytest.raises(CodecError):
        decode(CF.CBOR, (3, 0, 0), b"\x80")  # an array is not a resource value
    with pytest.raises(CodecError):
        cbor.loads(b"\x81" * 1000 + b"\x01")



def test_cbor_reads_a_tag_as_the_value_it_tags() -> None:
    # Standard date/time, epoch time, bignums and decimal fractions (tags 0-4) stay the plain items.
    assert cbor.loads(bytes.fromhex("C074323031332D30332D32315432303A30343A30305A")) == "2013-03-21T20:04:00Z"
    assert cbor.loads(bytes.fromhex("C11A514B67B0")) == 1363896240
    assert cbor.loads(bytes.fromhex("C1FB41D452D9EC200000")) == 1363896240.5
    assert cbor.loads(bytes.fromhex("C249010000000000000000")) == b"\x01" + bytes(8)
    assert cbor.loads(bytes.fromhex("C349010000000000000000")) == b"\x01" + bytes(8)
    assert cbor.loads(bytes.fromhex("C48221196AB3")) == [-2, 27315]
    # Sharing and string-reference tags are not followed; a set (258) is its array.
    assert cbor.loads(bytes.fromhex("D81D00")) == 0
    assert cbor.loads(bytes.fromhex("D9010281F5")) == [True]
    assert cbor.loads(bytes.fromhex("D81C8201A10263616263")) == [1, {2: "abc"}]


def test_every_tag_number_reads_as_its_value() -> None:
    for tag in (*range(0x10000), 2**32, 2**63, 2**64 - 1):
        assert cbor.loads(cbor2.dumps(cbor2.CBORTag(tag, [1, {2: "a"}]))) == [1, {2: "a"}], tag


def test_cbor_refuses_what_the_content_formats_cannot_carry() -> None:
    for bad in ("F7", "F0", "F820", "9FF7FF", "A1F501", "A1416101", "A1F90000", "A1F601", "A1A0A0", "186400"):
        with pytest.raises(CodecError):
            cbor.loads(bytes.fromhex(bad))
    assert cbor.loads(b"\x81" * cbor.MAX_DEPTH + b"\x01") is not None
    for too_deep in (b"\x81" * (cbor.MAX_DEPTH + 1) + b"\x01", b"\xc6" * (cbor.MAX_DEPTH + 1) + b"\x01"):
        with pytest.raises(CodecError):
            cbor.loads(too_deep)
    for unencodable in (2**64, -(2**64) - 1, {1, 2}, object(), {(1,): 2}, [cbor2.undefined]):
        with pytest.raises(CodecError):
            cbor.dumps(unencodable)
    assert cbor.dumps(2**64 - 1) == bytes.fromhex("1BFFFFFFFFFFFFFFFF")
    assert cbor.dumps(-(2**64)) == bytes.fromhex("3BFFFFFFFFFFFFFFFF")


def test_link_format_registration_payload() -> None:
    text = '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</4/0>,</5/0>,</19/0>,</19/1>'
    links = parse_link_format(text)
    assert links[0] == Link("/", {"rt": '"oma.lwm2m"', "ct": "11543"})
    assert links[0].value("rt") == "oma.lwm2m"
    assert [link.path for link in links[1:]] == ["/1/0", "/3/0", "/4/0", "/5/0", "/19/0", "/19/1"]
    assert link_format(links) == text
    assert link_format([Link("/19/0/0", {"obs": None, "pmin": "10"})]) == "</19/0/0>;obs;pmin=10"
    spaced = parse_link_format(' </3/0> ; pmin = 10 ,\n</3/0/1>;title="a,b;c"')
    assert spaced == [Link("/3/0", {"pmin": "10"}), Link("/3/0/1", {"title": '"a,b;c"'})]
    assert parse_link_format("") == []
    assert hash(links[0]) == hash(Link("/", {}))
    for bad in ("/1/0", "<", "</1/0", "</1/0>x", "</1/0>;", "</1/0>;a=", '</1/0>;a="x', "</1/0>,"):
        with pytest.raises(CodecError):
            parse_link_format(bad)
    for bad_link in (Link("/a>b"), Link("/1", {"a b": None}), Link("/1", {"a": "x,y"}), Link("/1", {"a": '"x'})):
        with pytest.raises(CodecError):
            link_format([bad_link])


def test_unknown_format_and_link_values() -> None:
    with pytest.raises(CodecError):
        encode(99, (3, 0, 0), {(3, 0, 0): "x"})
    with pytest.raises(CodecError):
        decode(99, (3, 0, 0), b"x")
    with pytest.raises(CodecError):
        decode(CF.LINK, (3,), b"</3/0>")
    with pytest.raises(CodecError):
        decode(CF.TLV, (3, 0, 0, 0, 0), b"")  # type: ignore[arg-type]


def test_describe_lines() -> None:
    assert describe(CF.TLV, DEVICE_TLV, (3, 0)).startswith('tlv 121B /3/0/0="Open Mobile Alliance" /3/0/1=')
    assert "/3/0/9=0x64(100,\"d\")" in describe(CF.TLV, DEVICE_TLV, (3, 0))
    assert describe(CF.TLV, ACL_TLV).startswith("tlv 38B /?/0/0=0x01(1) ")
    assert describe(CF.TEXT, b"86400") == 'text "86400"'
    assert describe(CF.OPAQUE, b"\x00\xff") == "opaque 2B 0x00ff"
    assert describe(CF.LINK, b"</1/0>,</3/0>") == "link </1/0>,</3/0>"
    assert describe(None, b"") == "no-format (empty)"
    assert describe(None, b"\x01\x02") == "no-format 2B 0x0102"
    assert describe(CF.SENML_JSON, b'[{"bn":"/19/0/","n":"0","vs":"x"}]') == 'senml+json 34B /19/0/0="x"'
    assert describe(CF.TLV, b"\xc8\x00") == "tlv 2B 0xc800 (undecodable)"
    assert describe(CF.TEXT, b"a\nb") == 'text 3B 0x610a62'
    long = describe(CF.TEXT, b"x" * 1000)
    assert len(long) == 300 and long.endswith("…")


# ---------------------------------------------------------------------------------------------------
# Round trips

ids = st.one_of(st.integers(0, 20), st.integers(0, 0xFFFF))
finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(
    st.text(max_size=40), st.binary(max_size=40), st.integers(-(2**63), 2**63 - 1), finite, st.booleans()
)


@st.composite
def trees(draw: st.DrawFn, depth: int) -> tuple[Path, dict[Path, Scalar]]:
    """A base path of ``depth`` ids and values under it, with no resource both single and multiple."""
    obj, inst, res = draw(ids), draw(ids), draw(ids)
    base = (obj, inst, res)[:depth]
    entries = draw(st.lists(st.tuples(ids, ids, st.one_of(st.none(), ids), scalars), max_size=8))
    values: dict[Path, Scalar] = {}
    for i, r, ri, value in entries:
        path = (obj, inst if depth >= 2 else i, res if depth >= 3 else r)
        values[path if ri is None else (*path, ri)] = value
    multi = {p[:3] for p in values if len(p) == 4}
    return base, {p: v for p, v in values.items() if p not in multi}


def typed(values: dict[Path, Any]) -> dict[Path, tuple[str, Any]]:
    """Compare with types: True == 1 and 1 == 1.0 in Python, but not on the wire."""
    return {p: (type(v).__name__, v) for p, v in values.items()}


@given(st.integers(1, 3).flatmap(trees))
def test_tlv_round_trip(tree: tuple[Path, dict[Path, Scalar]]) -> None:
    base, values = tree
    for fmt in (CF.TLV, CF.OLD_TLV):
        assert decode(fmt, base, encode(fmt, base, values)) == {p: scalar_bytes(v) for p, v in values.items()}


@given(st.integers(0, 3).flatmap(trees))
def test_json_formats_round_trip(tree: tuple[Path, dict[Path, Scalar]]) -> None:
    base, values = tree
    lwm2m_expected = {
        p: base64.b64encode(v).decode() if isinstance(v, bytes) else v for p, v in values.items()
    }
    for fmt in (CF.LWM2M_JSON, CF.OLD_JSON):
        assert typed(decode(fmt, base, encode(fmt, base, values))) == typed(lwm2m_expected)
    for fmt in (CF.SENML_JSON, CF.SENML_CBOR):
        assert typed(decode(fmt, base, encode(fmt, base, values))) == typed(values)


@given(ids, ids, ids, scalars)
def test_single_value_formats_round_trip(obj: int, inst: int, res: int, value: Scalar) -> None:
    path = (obj, inst, res)
    for fmt in (CF.TEXT, CF.OLD_TEXT):
        assert decode(fmt, path, encode(fmt, path, {path: value})) == {path: text_of(value)}
    assert typed(decode(CF.CBOR, path, encode(CF.CBOR, path, {path: value}))) == typed({path: value})
    if isinstance(value, bytes):
        for fmt in (CF.OPAQUE, CF.OLD_OPAQUE):
            assert decode(fmt, path, encode(fmt, path, {path: value})) == {path: value}
    for fmt in (CF.TLV, CF.SENML_JSON, CF.LWM2M_JSON):
        assert path in decode(fmt, path, encode(fmt, path, {path: value}))


@given(st.integers(-(2**63), 2**63 - 1))
def test_tlv_int_round_trip(value: int) -> None:
    encoded = scalar_bytes(value)
    assert len(encoded) in (1, 2, 4, 8)
    assert tlv_int(encoded) == value
    smaller = {2: 1, 4: 2, 8: 4}.get(len(encoded))
    if smaller:  # minimal: the next smaller size could not hold it
        assert not -(1 << (smaller * 8 - 1)) <= value < 1 << (smaller * 8 - 1)


@given(st.floats())
def test_tlv_float_round_trip(value: float) -> None:
    encoded = scalar_bytes(value)
    back = tlv_float(encoded)
    assert back == value or (math.isnan(back) and math.isnan(value))
    try:
        exact32 = math.isnan(value) or struct.unpack(">f", struct.pack(">f", value))[0] == value
    except OverflowError:
        exact32 = False
    assert len(encoded) == (4 if exact32 else 8)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | finite | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20,
)
senml_like = st.lists(
    st.dictionaries(
        st.sampled_from(["bn", "n", "v", "vs", "vb", "vd", "vlo", "bv", "t", "x"]),
        st.one_of(json_values, st.sampled_from(["/3/0/", "/3/0/1", "0", "1/2", "", "AQID", "3:0"])),
        max_size=4,
    ),
    max_size=4,
)
bases = st.sampled_from([(), (3,), (3, 0), (3, 0, 1), (3, 0, 1, 0)])
ALL_FORMATS = [*list(CF), 1, 99, 65535]


@given(st.sampled_from(ALL_FORMATS), bases, st.binary(max_size=64))
def test_garbage_raises_only_codec_error(fmt: int, base: Path, payload: bytes) -> None:
    try:
        result = decode(fmt, base, payload)
    except CodecError:
        return
    assert all(p[: len(base)] == base for p in result)


@given(bases, st.one_of(json_values, senml_like), st.sampled_from([CF.SENML_JSON, CF.LWM2M_JSON, CF.SENML_CBOR]))
def test_structured_garbage_raises_only_codec_error(base: Path, document: Any, fmt: int) -> None:
    if fmt == CF.LWM2M_JSON:
        document = {"bn": "/3/0/", "e": document} if isinstance(document, list) else document
    payload = cbor.dumps(document) if fmt == CF.SENML_CBOR else json.dumps(document).encode()
    try:
        decode(fmt, base, payload)
    except CodecError:
        pass


@settings(max_examples=300)
@given(st.data())
def test_mutated_tlv_raises_only_codec_error(data: st.DataObject) -> None:
    payload = bytearray(ACL_TLV if data.draw(st.booleans()) else DEVICE_TLV)
    for _ in range(data.draw(st.integers(1, 4))):
        payload[data.draw(st.integers(0, len(payload) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(payload)))
    try:
        decode(CF.TLV, data.draw(bases), bytes(payload[:cut]))
    except CodecError:
        pass


@given(st.one_of(st.none(), st.sampled_from(ALL_FORMATS), st.integers()), st.binary(max_size=64),
       st.one_of(bases, st.tuples(st.integers())))
def test_describe_never_raises(fmt: int | None, payload: bytes, base: Path) -> None:
    line = describe(fmt, payload, base)
    assert isinstance(line, str) and "\n" not in line and len(line) <= 300


def test_describe_survives_a_non_bytes_payload() -> None:
    assert "undecodable" in describe(CF.TEXT, None)  # type: ignore[arg-type]


link_names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_."), min_size=1, max_size=6)
attr_values = st.one_of(
    st.none(),
    st.text(st.sampled_from("abcxyz0123456789/.:-"), min_size=1, max_size=8),
    st.text(st.characters(blacklist_characters='"\\'), max_size=8).map(lambda s: f'"{s}"'),
)
links = st.builds(
    Link,
    st.text(st.characters(blacklist_characters="<>"), max_size=12),
    st.dictionaries(link_names, attr_values, max_size=4),
)


@given(st.lists(links, max_size=5))
def test_link_format_round_trip(items: list[Link]) -> None:
    text = link_format(items)
    assert parse_link_format(text) == items
    assert link_format(parse_link_format(text)) == text


@given(st.text(st.sampled_from('<>/;,="\\ abc019\n'), max_size=40))
def test_link_parser_raises_only_codec_error(text: str) -> None:
    try:
        parsed = parse_link_format(text)
    except CodecError:
        return
    assume(parsed)
    assert parse_link_format(link_format(parsed)) == parsed


@given(st.floats())
def test_cbor_float_width(value: float) -> None:
    encoded = cbor.dumps(value)
    try:
        exact32 = math.isnan(value) or struct.unpack(">f", struct.pack(">f", value))[0] == value
    except OverflowError:
        exact32 = False
    assert encoded[:1] == (b"\xfa" if exact32 else b"\xfb") and len(encoded) == (5 if exact32 else 9)
    back = cbor.loads(encoded)
    assert back == value or (math.isnan(back) and math.isnan(value))


cbor_items = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | finite | st.text(max_size=10)
    | st.binary(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=4) | st.integers(-(2**64), 2**64 - 1), children, max_size=4),
    max_leaves=20,
)


@given(cbor_items)
def test_cbor_round_trip(item: Any) -> None:
    back = cbor.loads(cbor.dumps(item))
    assert back == item and cbor.dumps(back) == cbor.dumps(item)


@given(st.binary(max_size=64))
def test_cbor_garbage_raises_only_codec_error(data: bytes) -> None:
    try:
        cbor.loads(data)
    except CodecError:
        pass


@given(st.integers(0, 3).flatmap(trees))
def test_senml_cbor_round_trip_keeps_types_and_float_widths(tree: tuple[Path, dict[Path, Scalar]]) -> None:
    base, values = tree
    payload = encode(CF.SENML_CBOR, base, values)
    assert typed(decode(CF.SENML_CBOR, base, payload)) == typed(values)
    for value in values.values():
        if isinstance(value, float):  # label 2 ("v"), then float32 when that holds the value, else float64
            assert b"\x02" + cbor.dumps(value) in payload
    assert all(set(record) <= {-2, 0, 2, 3, 4, 8} for record in cbor2.loads(payload))
