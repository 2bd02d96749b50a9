"""AT parse: lines per second through LineFramer + parse_line over a realistic mix of module output.

The mix is what a console sees in a busy session: echoes, final result codes, asynchronous results,
query responses, URCs with values (including the AndLink JSON write), the boot banner and a CME error,
arriving in 64-byte serial reads.
"""

from __future__ import annotations

import time

from .common import Bar, Result

BAR = Bar("≥ 200,000 lines/s", 200_000, at_least=True)
READ_SIZE = 64

_SESSION = [
    ("echo", 'AT+QLACONFIG=0,"device1-api.10646.cn",5683,"867726030187399",300,3'),
    ("line", "OK"),
    ("echo", "AT+QLAREG"),
    ("line", "OK"),
    ("line", "+QLAREG: 0"),
    ("line", '+QLAURC: "observe",45419,0,19,0,0'),
    ("echo", 'AT+QLAOBSRSP=45419,1,19,0,0,2,9,"020001000400023238",0'),
    ("line", "OK"),
    ("line", "+QLAOBSRSP: 0"),
    ("line", '+QLAURC: "read",62953,19,0,0'),
    ("echo", "AT+QLARDRSP=62953,1,19,0,0,1,5,abcde,0"),
    ("line", "OK"),
    ("line", "+QLARDRSP: 0"),
    ("line", '+QLAURC: "write",8096,19,1,0,1,20,"{"outletStatus":"1"}",0,16a32b9e4a0d59a3'),
    ("line", '+QLAURC: "write",36560,19,0,0,2,7,"5155454354454C",0'),
    ("echo", "AT+QLAWRRSP=36560,2"),
    ("line", "OK"),
    ("line", "+QLAWRRSP: 0"),
    ("echo", 'AT+QLANOTIFY=19,0,0,2,9,"020001000400023438",0,1'),
    ("line", "OK"),
    ("line", '+QLAURC: "report",34218'),
    ("line", "+QLANOTIFY: 0"),
    ("line", '+QLAURC: "report_ack",0,34218'),
    ("line", '+QLAURC: "ping",0'),
    ("echo", "AT+QLACFG?"),
    ("line", '+QLACFG: "retransmit",2,5'),
    ("line", '+QLACFG: "auto_ack",0'),
    ("line", '+QLACFG: "access_mode",0'),
    ("line", '+QLACFG: "platform",0'),
    ("line", '+QLACFG: "cfg_res",3,0,17,""'),
    ("line", '+QLACFG: "recovery_mode",0'),
    ("line", '+QLACFG: "lifetime_enable",1'),
    ("line", '+QLACFG: "dtls_mode",0'),
    ("line", '+QLACFG: "dtls_version",2'),
    ("line", "OK"),
    ("echo", "AT+QLASTATUS?"),
    ("line", "+QLASTATUS: 2"),
    ("line", "OK"),
    ("echo", "AT+QLARD"),
    ("line", '+QLARD: 3,"observe",36581,0,9,0,0'),
    ("line", "OK"),
    ("echo", "AT+QLAUPDATE=0,19"),
    ("line", "+CME ERROR: 3"),
    ("raw", "F1: 0000 0000"),
    ("raw", "Leaving the BROM"),
    ("line", "RDY"),
    ("line", "+CFUN: 1"),
    ("line", "+IP: 100.64.250.187"),
]


def corpus(repeat: int) -> tuple[bytes, int]:
    """The session as bytes on the wire (echo ``…\\r``, responses ``\\r\\n…\\r\\n``) and its line count."""
    one = bytearray()
    for kind, text in _SESSION:
        if kind == "echo":
            one += text.encode() + b"\r"
        elif kind == "raw":
            one += text.encode() + b"\r\n"
        else:
            one += b"\r\n" + text.encode() + b"\r\n"
    return bytes(one) * repeat, len(_SESSION) * repeat


def run(seconds: float = 3.0) -> Result:
    from qlaterm.at.framing import LineFramer
    from qlaterm.at.parse import Broken, parse_line

    data, expected = corpus(200)
    chunks = [data[i : i + READ_SIZE] for i in range(0, len(data), READ_SIZE)]
    best = 0.0
    broken = 0
    deadline = time.perf_counter() + seconds
    while True:
        framer = LineFramer()
        count = 0
        start = time.perf_counter()
        for chunk in chunks:
            for line in framer.feed(chunk):
                event = parse_line(line)
                count += 1
                if type(event) is Broken:
                    broken += 1
        elapsed = time.perf_counter() - start
        if count != expected:
            raise AssertionError(f"framer gave {count} lines, expected {expected}")
        best = max(best, count / elapsed)
        if time.perf_counter() >= deadline:
            break
    detail = f"{len(_SESSION)}-line session x200 in {READ_SIZE}-byte reads, best of runs"
    if broken:
        detail += f"; {broken} Broken events"
    return Result("AT parse", BAR, best, "lines/s", detail)
