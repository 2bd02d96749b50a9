"""The module's NVM: round trips, corrupt files, and a writer killed with SIGKILL in the middle of a
long run of saves, which must always leave the previous or the new document, whole."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import qlaterm.sim.nvm as nvm_module
from qlaterm.sim.nvm import Nvm

REPO = Path(__file__).resolve().parents[2]


def test_memory_mode_round_trip() -> None:
    nvm = Nvm(None)
    assert nvm.path is None
    assert nvm.load() == {}
    nvm.save({"settings": {"retransmit": [2, 5]}, "objects": [(19, 0, 2, [0, 1])]})
    loaded = nvm.load()
    assert loaded == {"settings": {"retransmit": [2, 5]}, "objects": [[19, 0, 2, [0, 1]]]}
    loaded["settings"]["retransmit"] = [9, 9]  # a caller's copy, not the NVM itself
    assert nvm.load()["settings"]["retransmit"] == [2, 5]
    with pytest.raises(TypeError):
        nvm.save({"bad": object()})
    assert nvm.load()["settings"]["retransmit"] == [2, 5]


def test_file_round_trip_and_overwrite(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "deeper"
    nvm = Nvm(directory)
    assert nvm.load() == {}
    assert not directory.exists()  # loading never creates anything
    document = {"server": {"host": "device1-api.10646.cn", "port": 5683}, "psk": "00ff", "name": "模块"}
    nvm.save(document)
    assert nvm.path == directory / "nvm.json"
    assert Nvm(directory).load() == document  # a new instance, as after a reboot
    nvm.save({"server": None})
    assert Nvm(directory).load() == {"server": None}
    assert sorted(p.name for p in directory.iterdir()) == ["nvm.json"]  # no temp file left behind


def test_save_writes_fsyncs_renames_then_fsyncs_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        if kind == "file":  # the temporary file is complete before it is synced
            assert json.loads((tmp_path / "nvm.json.tmp").read_bytes()) == {"a": 1}
        calls.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        assert Path(src).parent == Path(dst).parent == tmp_path  # same directory: rename is atomic
        calls.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(nvm_module.os, "fsync", fsync)
    monkeypatch.setattr(nvm_module.os, "replace", replace)
    Nvm(tmp_path).save({"a": 1})
    assert calls == ["fsync file", "replace", "fsync dir"]


def test_failed_save_keeps_the_old_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nvm = Nvm(tmp_path)
    nvm.save({"version": 1})
    with pytest.raises(TypeError):
        nvm.save({"version": object()})
    with pytest.raises(ValueError):
        nvm.save({"version": float("nan")})  # not JSON; would not load elsewhere

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nvm_module.os, "replace", refuse)
    with pytest.raises(OSError):
        nvm.save({"version": 2})
    monkeypatch.undo()
    assert nvm.load() == {"version": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nvm.json"]


@pytest.mark.parametrize("content", [b"", b"{", b'{"a": 1', b"\xff\xfe{}", b"[1, 2]", b"null", b"[" * 100000])
def test_corrupt_file_loads_as_empty_and_is_kept_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    (tmp_path / "nvm.json").write_bytes(content)
    nvm = Nvm(tmp_path)
    with caplog.at_level(logging.WARNING, logger="qlaterm.sim.nvm"):
        assert nvm.load() == {}
    assert any("corrupt" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert (tmp_path / "nvm.json.corrupt").read_bytes() == content
    nvm.save({"fresh": True})
    assert nvm.load() == {"fresh": True}


def test_unreadable_file_loads_as_empty(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "nvm.json").mkdir()  # opening it fails with an OSError that is not "missing"
    with caplog.at_level(logging.WARNING, logger="qlaterm.sim.nvm"):
        assert Nvm(tmp_path).load() == {}
    assert any("unreadable" in r.getMessage() for r in caplog.records)


def test_leftover_temp_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    nvm = Nvm(tmp_path)
    nvm.save({"seq": 1})
    (tmp_path / "nvm.json.tmp").write_bytes(b'{"seq": 2, "trunc')  # what a killed writer leaves
    assert nvm.load() == {"seq": 1}
    nvm.save({"seq": 3})
    assert nvm.load() == {"seq": 3}
    assert not (tmp_path / "nvm.json.tmp").exists()


# A writer that saves documents of random size (up to ~2 MB of JSON) as fast as it can, resuming from
# what the previous, killed writer left. It announces each save before it starts ("begin N") and after
# it has returned ("done N"), so that the test can aim its kill inside a save.
WRITER = r"""
import hashlib, random, sys
from pathlib import Path
from qlaterm.sim.nvm import Nvm

nvm = Nvm(Path(sys.argv[1]))
rng = random.Random(int(sys.argv[2]))
pool = [rng.randbytes(rng.randint(1, 1_000_000)).hex() for _ in range(6)]
digests = [hashlib.sha256(p.encode()).hexdigest() for p in pool]
seq = nvm.load().get("seq", -1) + 1
while True:
    pick = rng.randrange(len(pool))
    print("begin", seq, flush=True)
    nvm.save({"seq": seq, "payload": pool[pick], "digest": digests[pick]})
    print("done", seq, flush=True)
    seq += 1
"""


def test_sigkill_during_writes_leaves_old_or_new_document(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    confirmed = -1
    for round_no in range(20):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(rng.randrange(2**32))],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        # Kill at a random moment: just after the writer announced a save (so mostly inside it), or
        # just after a save returned, after a random number of saves.
        target = ("begin" if rng.random() < 0.8 else "done", rng.randint(1, 8))
        seen = {"begin": 0, "done": 0}
        while True:
            line = writer.stdout.readline()
            assert line, f"writer died on its own (seed {seed})"
            event, number = line.split()
            seen[event] += 1
            if event == "done":
                confirmed = int(number)
            if (event, seen[event]) == target:
                break
        # Jitter, not synchronisation: spread the kill over the whole save rather than its first
        # microseconds (a save of a 2 MB document takes a few milliseconds).
        deadline = time.perf_counter() + rng.uniform(0, 0.008)
        while time.perf_counter() < deadline:
            pass
        writer.send_signal(signal.SIGKILL)
        # The kill can cut the last announcement short ("do"): only whole lines count. A torn "done N"
        # leaves N unconfirmed, which the check below allows for (it accepts confirmed + 1).
        for line in writer.stdout.read().split("\n")[:-1]:
            event, number = line.split()
            if event == "done":
                confirmed = int(number)
        writer.wait()
        writer.stdout.close()
        assert writer.returncode == -signal.SIGKILL

        context = f"seed {seed}, round {round_no}, confirmed {confirmed}"
        if not (tmp_path / "nvm.json").exists():  # killed inside the very first save: the old "nothing"
            assert confirmed == -1, context
            assert Nvm(tmp_path).load() == {}
            continue
        raw = (tmp_path / "nvm.json").read_bytes()
        document = json.loads(raw)  # strict parse: a torn file fails here
        # The last confirmed save, or the one after it if the kill came between its rename and "done".
        assert document["seq"] in (confirmed, confirmed + 1), context
        assert hashlib.sha256(document["payload"].encode()).hexdigest() == document["digest"], context
        assert Nvm(tmp_path).load() == document
        confirmed = document["seq"]
