"""``make soak``: the simulator and the platform under hostile input, each figure beside its bar.

Everything runs on loopback in this process (the kill -9 check in child processes). Each check takes its
size as an argument: ``make soak`` runs the long versions (DESIGN.md, "Reliability bars"); the tests in
tests/soak run the same code small. ``python -m bench.soak [name…]`` runs the checks whose name contains
one of the arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .common import Bar, Result, skipped

REPO = Path(__file__).resolve().parents[1]
FINAL = re.compile(rb"^(OK|ERROR|\+CMEE? ERROR:.*)$")
NOT_FUZZED = re.compile(r"^\s*AT\s*(E|V|Q|S\s*[34]|&W|\+QRST|\+CFUN|\+QSCLK|\+CPSMS|\+IPR)", re.IGNORECASE)
"""Lines the fuzzer never sends: they change the line discipline (echo, result codes, terminators) or power
the module down, after which "one final result code per line" no longer has its meaning."""
QLA = (
    'AT+QLACONFIG=0,"127.0.0.1",5683,"ep",300,3', 'AT+QLACFG="retransmit",2,5', "AT+QLAADDOBJ=19,0,1,0",
    "AT+QLARDRSP=1,1,19,0,0,1,3,abc,0", "AT+QLAOBSRSP=1,1,19,0,0,3,1,5,0", "AT+QLANOTIFY=19,0,0,1,3,abc,0",
    "AT+QLAWRRSP=1,1", "AT+QLAEXERSP=1,1", "AT+QLAUPDATE=0,600", "AT+QLADELOBJ=19", 'AT+QLASENDDATA=1,3,"abc"',
    "AT+QLASTATUS?", "AT+QLARD", "AT+QLACFG?", "AT+CGSN=1", "AT+CSQ", "AT+QLAREG", "AT+QLADEREG",
)


class Failures(logging.Handler):
    """Counts log records that carry a traceback or are errors: a crash inside a handler or a task."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def tracebacks(self) -> int:
        return sum(1 for r in self.records if r.exc_info)


@contextlib.contextmanager
def watched() -> Iterator[Failures]:
    """Errors logged meanwhile (the root logger lets them through, whatever ``make soak`` prints)."""
    handler = Failures()
    root = logging.getLogger()
    level = root.level
    root.setLevel(min(level, logging.ERROR) if level else logging.ERROR)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def rss_mb() -> float:
    """This process's resident memory now, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- AT fuzz through the TCP serve path ------------------------------------------------------------------
def fuzz_lines(count: int, seed: int = 12) -> Iterator[bytes]:
    """Random bytes, mutated QLA commands (wrong counts, huge and negative numbers, unicode), lines of
    4,096 and 4,097 bytes; none holds a line end, a backspace or a line from NOT_FUZZED."""
    rng = random.Random(seed)
    numbers = ["-1", "-99999999999", "99999999999999999999", "65536", "0", "1e9", "0x10", "", "９"]
    produced = 0
    while produced < count:
        kind = produced % 10
        if kind < 3:
            line = bytes(rng.randrange(1, 256) for _ in range(rng.randint(1, 80)))
        elif kind < 7:
            name, _, args = rng.choice(QLA).partition("=")
            parts = args.split(",") if args else []
            for _ in range(rng.randint(1, 3)):
                op = rng.randrange(4)
                if op == 0 and parts:
                    parts.pop(rng.randrange(len(parts)))
                elif op == 1:
                    parts.insert(rng.randrange(len(parts) + 1), rng.choice(numbers))
                elif op == 2 and parts:
                    parts[rng.randrange(len(parts))] = rng.choice([*numbers, '"模块"', '"\u202e"', '"', "😀"])
                else:
                    parts.append(rng.choice(numbers))
            line = (name + ("=" + ",".join(parts) if parts or args else "")).encode()
        elif kind == 7:
            line = b"AT+QLACFG=" + b"9" * (4096 - 10)
        elif kind == 8:
            line = b"AT" + b"A" * (4097 - 2)
        else:
            line = "AT+QLACFG=\"cfg_res\",3,0,17,\"{}\"".format("设备" * rng.randint(1, 40)).encode()
        line = bytes(b for b in line if b not in (0x0A, 0x0D, 0x08, 0x7F)).strip(b" ")
        if not line or NOT_FUZZED.match(line.decode("utf-8", "replace")):
            continue
        produced += 1
        yield line


async def _at_fuzz(count: int) -> tuple[int, int, int]:
    from qlaterm.sim.module import Module
    from qlaterm.sim.nvm import Nvm
    from qlaterm.sim.serve import TcpLink, serving

    with tempfile.TemporaryDirectory() as state, watched() as failures:
        module = Module(nvm=Nvm(Path(state)), network="ideal")
        async with serving(module, TcpLink("127.0.0.1", 0)) as address:
            host, port = address.rsplit(":", 1)
            reader, writer = await asyncio.open_connection(host, int(port))
            await reader.readuntil(b"+CPIN: READY\r\n")
            writer.write(b"ATE0\r")
            await reader.readuntil(b"OK\r\n")
            missing = finals = 0
            for line in fuzz_lines(count):
                writer.write(line + b"\r")
                try:
                    while not FINAL.match((await asyncio.wait_for(reader.readuntil(b"\r\n"), 2.0)).rstrip()):
                        pass
                    finals += 1
                except TimeoutError:
                    missing += 1
            # A last "AT": a final code owed to no line (a line answered twice) arrives before its OK.
            writer.write(b"AT\r")
            surplus = 0
            while (reply := await asyncio.wait_for(reader.readuntil(b"\r\n"), 5.0)) != b"OK\r\n":
                surplus += bool(FINAL.match(reply.rstrip()))
            writer.close()
        if Nvm(Path(state)).load() == {} and any(Path(state).iterdir()):
            surplus += 1  # the NVM no longer reads back
        return missing + surplus, len(failures.records)


def at_fuzz(lines: int = 100_000) -> list[Result]:
    started = time.perf_counter()
    wrong, crashes = asyncio.run(_at_fuzz(lines))
    took = f"{lines:,} lines over TCP in {time.perf_counter() - started:.0f} s"
    return [
        Result(f"AT fuzz: lines without exactly one final code ({lines:,})", Bar("0", 0), wrong, "", took),
        Result("AT fuzz: crashes (errors logged)", Bar("0", 0), crashes),
    ]


# -- malformed datagrams ---------------------------------------------------------------------------------
def datagrams(count: int, seed: int = 12) -> Iterator[bytes]:
    from tests.interop.test_malformed_coap import FORMAT_ERRORS, _as_non

    rng = random.Random(seed)
    kinds = list(FORMAT_ERRORS.values())
    for n in range(count):
        pick = n % 4
        if pick == 0:
            yield rng.choice(kinds)
        elif pick == 1:
            yield _as_non(rng.choice(kinds))
        elif pick == 2:
            yield rng.randbytes(rng.randint(0, 64))
        else:
            base = bytearray(rng.choice(kinds) + rng.randbytes(rng.randint(0, 16)))
            base[rng.randrange(len(base))] ^= 1 << rng.randrange(8)
            yield bytes(base)


async def _flood(name: str, count: int) -> tuple[int, bool, float]:
    from tests.interop.test_malformed_coap import _target

    async with _target(name) as target:
        await target.serves()
        before = rss_mb()
        with watched() as failures:
            for n, datagram in enumerate(datagrams(count)):
                target.peer.send(datagram)
                if n % 50 == 49:
                    await target.peer.exchange(b"\x40\x00\x00\x00")  # pace the flood by the port's own pings
            try:
                await target.serves()
                serving = True
            except Exception:
                serving = False
        return failures.tracebacks, serving, rss_mb() - before


def malformed(count: int = 10_000) -> list[Result]:
    results = []
    for name in ("module-udp", "platform-udp", "platform-dtls"):
        tracebacks, serving, growth = asyncio.run(_flood(name, count))
        results += [
            Result(f"{count:,} malformed datagrams at {name}: tracebacks", Bar("0", 0), tracebacks,
                   detail="serving afterwards" if serving else "NOT SERVING afterwards"),
            Result(f"{count:,} malformed datagrams at {name}: RSS growth", Bar("≤ 10 MB", 10.0), max(growth, 0.0),
                   "MB"),
        ]
        if not serving:
            results.append(Result(f"{name} serving afterwards", Bar("1", 1, at_least=True), 0))
    return results


# -- registration and reads under 30 % loss --------------------------------------------------------------
LOSS_TIME_SCALE = 0.05
"""The modules of the loss check run their clocks 20 times fast; the platform's first wait is scaled alike."""
LOSSY_PLATFORM = (2.0 * LOSS_TIME_SCALE, 10)
"""The platform's retransmission for a network that loses 30 % of datagrams each way: a request and its
answer both get through with 0.7 × 0.7 = 0.49, so five transmissions (RFC 7252's default) fail one read
in 29 and eleven one in 1,600 (0.51¹¹). ACK_TIMEOUT is the module's 2 s at the loss check's time scale."""


async def _lossy(registrations: int, dtls: bool) -> tuple[int, list[str]]:
    """How many registrations were each followed by a successful Read, and what went wrong with the rest."""
    from qlaterm.lwm2m.transport import RetransmitTuning
    from qlaterm.platform.server import Platform
    from qlaterm.sim.conditions import condition
    from tests.simkit import running_module

    identity, key = "soak-identity", "00112233445566778899AABBCCDDEEFF"
    done, failures = 0, []
    store = {identity: bytes.fromhex(key)} if dtls else None
    retransmit = RetransmitTuning(*LOSSY_PLATFORM)
    async with Platform(port=0, psk_store=store, retransmit=retransmit,
                        request_timeout=retransmit.transmit_wait + 5) as platform:
        for n in range(registrations):
            lossy = condition("ideal").with_overrides(loss=0.3)
            async with running_module(network=lossy, seed=n, time_scale=LOSS_TIME_SCALE) as d:
                ep = f"soak-{n}"
                security = f'0,"{identity}","{key}"' if dtls else "3"
                port = platform.port + 1 if dtls else platform.port
                await d.command('AT+QLACFG="retransmit",2,8')
                await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{port},"{ep}",300,{security}')
                await d.command("AT+QLAREG")
                match = await d.expect(r"\+QLAREG: (\d+)", timeout=120)
                if match.group(1) != "0":
                    failures.append(f"{ep}: +QLAREG: {match.group(1)}")
                    continue
                try:
                    await platform.read(ep, "/3/0/0")
                except Exception as exc:
                    failures.append(f"{ep}: read: {exc}")
                    continue
                done += 1
    return done, failures


def lossy(registrations: int = 20) -> list[Result]:
    results = []
    for dtls in (False, True):
        ok, failures = asyncio.run(_lossy(registrations, dtls))
        label = "DTLS" if dtls else "NoSec"
        ack_timeout, retransmissions = LOSSY_PLATFORM
        detail = "; ".join(failures) or f"platform: {ack_timeout:g} s then doubling, {retransmissions} retransmissions"
        results.append(Result(f"registrations + a read at 30 % loss, {label}", Bar(f"{registrations}/{registrations}",
                              registrations, at_least=True), ok, f"of {registrations}", detail))
    return results


# -- kill -9 during NVM writes ---------------------------------------------------------------------------
def nvm_kills(kills: int = 100) -> Result:
    from tests.sim.test_nvm import WRITER

    rng = random.Random(12)
    corrupt = 0
    with tempfile.TemporaryDirectory() as state:
        for _ in range(kills):
            writer = subprocess.Popen([sys.executable, "-c", WRITER, state, str(rng.randrange(2**32))], cwd=REPO,
                                      stdout=subprocess.PIPE, text=True)
            assert writer.stdout is not None
            for _ in range(rng.randint(1, 4)):
                if not writer.stdout.readline():
                    break
            time.sleep(rng.uniform(0, 0.008))
            writer.send_signal(signal.SIGKILL)
            writer.communicate()
            path = Path(state) / "nvm.json"
            if path.exists():
                try:
                    document = json.loads(path.read_bytes())
                    if hashlib.sha256(document["payload"].encode()).hexdigest() != document["digest"]:
                        corrupt += 1
                except (ValueError, KeyError):
                    corrupt += 1
    return Result(f"kill -9 during NVM writes: corrupt documents ({kills} kills)", Bar("0", 0), corrupt)


# -- NVM on a read-only and on a full file system --------------------------------------------------------
@contextlib.contextmanager
def small_tmpfs(size: str = "64k") -> Iterator[Path]:
    """A fresh tmpfs of ``size`` mounted by the soak itself; PermissionError/OSError where it cannot be."""
    mount_point = Path(tempfile.mkdtemp(prefix="qlaterm-soak-"))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        mount_point.rmdir()
        raise PermissionError(proc.stderr.strip() or "mount failed")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
        mount_point.rmdir()


async def _nvm_on(directory: Path) -> list[str]:
    """What goes wrong with a module on ``directory``: a setting that is not refused or changes memory, a
    registration that does not end with +QLAREG: 0."""
    from qlaterm.platform.server import Platform
    from qlaterm.sim.nvm import Nvm
    from tests.simkit import running_module

    problems = []
    async with Platform(port=0) as platform, running_module(nvm=Nvm(directory / "state")) as d:
        if await d.command('AT+QLACFG="retransmit",3,4') != ["+CME ERROR: 1"]:
            problems.append("a setting whose save failed was not refused")
        if await d.command('AT+QLACFG="retransmit"') != ['+QLACFG: "retransmit",2,5', "OK"]:
            problems.append("a setting whose save failed changed memory")
        await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"soak-nvm",300,3')
        await d.command("AT+QLAREG")
        if (await d.expect(r"\+QLAREG: (\d+)", timeout=10)).group(1) != "0":
            problems.append("registration did not end with +QLAREG: 0")
        if await d.command("AT+QLADEREG") != ["OK"]:
            problems.append("the module is wedged after the registration")
    return problems


def nvm_file_systems() -> list[Result]:
    results = []
    for kind in ("full", "read-only"):
        name = f"NVM on a {kind} file system: wrong answers"
        try:
            with small_tmpfs() as mount_point:
                if kind == "full":
                    with contextlib.suppress(OSError), open(mount_point / "filler", "wb") as filler:
                        while True:
                            filler.write(b"\0" * 4096)
                            filler.flush()
                else:
                    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True, capture_output=True)
                problems = asyncio.run(_nvm_on(mount_point))
        except (PermissionError, FileNotFoundError, subprocess.CalledProcessError) as exc:
            results.append(skipped(name, Bar("0", 0), f"cannot mount a small tmpfs here: {exc}"))
            continue
        results.append(Result(name, Bar("0", 0), len(problems), detail="; ".join(problems)))
    return results


# -- the console -----------------------------------------------------------------------------------------
def console_flood() -> list[Result]:
    from . import transcript_bench

    return list(transcript_bench.transcript_flood())


def console_hostile() -> list[Result]:
    from . import hostile

    return hostile.console_against_hostile()


CHECKS: list[tuple[str, Callable[[], Result | list[Result]]]] = [
    ("at-fuzz", at_fuzz),
    ("malformed", malformed),
    ("loss", lossy),
    ("nvm-kill", nvm_kills),
    ("nvm-fs", nvm_file_systems),
    ("console", console_flood),
    ("console-hostile", console_hostile),
]


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    started = time.perf_counter()
    missed = False
    logging.basicConfig(level=logging.CRITICAL)
    for key, run in CHECKS:
        if wanted and not any(w in key for w in wanted):
            continue
        result = run()
        for each in result if isinstance(result, list) else [result]:
            print(each.line(), flush=True)
            missed |= each.figure is not None and not each.bar.met(each.figure)
    print(f"({time.perf_counter() - started:.1f} s)")
    return 1 if missed else 0


if __name__ == "__main__":
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    sys.exit(main(sys.argv))
