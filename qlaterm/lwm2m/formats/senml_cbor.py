"""SenML CBOR (Content-Format 112; RFC 8428 §6): the SenML JSON records with integer labels, in CBOR."""

from __future__ import annotations

from collections.abc import Mapping

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats import cbor
from qlaterm.lwm2m.formats.senml_json import from_records, to_records
from qlaterm.lwm2m.formats.values import Scalar
from qlaterm.lwm2m.paths import Path

__all__ = ["decode", "encode"]

# RFC 8428 table 4 / table 6: the CBOR integer key of each SenML label.
_KEYS = {"bver": -1, "bn": -2, "bt": -3, "bu": -4, "bv": -5, "bs": -6, "n": 0, "u": 1, "v": 2,
         "vs": 3, "vb": 4, "s": 5, "t": 6, "ut": 7, "vd": 8}
_LABELS = {v: k for k, v in _KEYS.items()}


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    records = to_records(base, values, binary=True)
    return cbor.dumps([{_KEYS.get(k, k): v for k, v in record.items()} for record in records])


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    records = cbor.loads(payload)
    if not isinstance(records, list):
        raise CodecError("SenML needs an array of records")
    labelled = []
    for record in records:
        if not isinstance(record, dict):
            raise CodecError("SenML record is not a map")
        labelled.append({_LABELS.get(k, k) if type(k) is int else k: v for k, v in record.items()})
    return from_records(base, labelled)
