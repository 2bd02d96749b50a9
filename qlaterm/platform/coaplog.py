"""The platform's CoAP log: every message in and out, described, with listeners.

Responses carry no path on the wire; the log remembers the path of each request by token so
that a response or a notification shows the resource it belongs to.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiocoap import Code, Message

from qlaterm.lwm2m.coap import Malformed
from qlaterm.lwm2m.paths import parse_path
from qlaterm.platform.content import describe
from qlaterm.platform.model import CoapRecord

log = logging.getLogger(__name__)

Listener = Callable[[CoapRecord], object]


def remote_address(remote: Any) -> tuple[str, int]:
    """(host, port) of an aiocoap remote, with IPv4-mapped IPv6 addresses shown as IPv4."""
    sockaddr = getattr(remote, "sockaddr", None)
    if sockaddr:
        host, port = sockaddr[0], sockaddr[1]
    else:
        hostinfo = getattr(remote, "hostinfo", "?")
        host, _, port_text = str(hostinfo).rpartition(":")
        port = int(port_text) if port_text.isdigit() else 0
    if isinstance(host, str) and host.startswith("::ffff:"):
        host = host[7:]
    return str(host).strip("[]"), int(port)


class CoapLog(list[CoapRecord]):
    """A list of CoapRecord, bounded (oldest half dropped past `limit`), with listener hooks."""

    def __init__(self, limit: int = 200_000, path_memory: int = 8192) -> None:
        super().__init__()
        self.limit = limit
        self.listeners: list[Listener] = []
        self._paths: OrderedDict[tuple[bytes, tuple[str, int]], str] = OrderedDict()
        self._path_memory = path_memory

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(record)` for each new record; returns the function that removes it."""
        self.listeners.append(listener)

        def remove() -> None:
            if listener in self.listeners:
                self.listeners.remove(listener)

        return remove

    def record(self, direction: str, message: Message) -> None:
        """Append a record for `message`; never raises into the transport."""
        try:
            rec = self._make(direction, message)
        except Exception:
            log.exception("could not log a CoAP message")
            return
        self._append(rec)

    def _append(self, rec: CoapRecord) -> None:
        self.append(rec)
        if len(self) > self.limit:
            del self[: len(self) - self.limit // 2]
        for listener in list(self.listeners):
            try:
                listener(rec)
            except Exception:
                log.exception("CoAP log listener %r failed", listener)

    def record_malformed(self, malformed: Malformed, suppressed: int = 0) -> None:
        """Record a datagram that is not a well-formed CoAP message (it got RST, 4.00 or nothing), with
        the number of such datagrams not recorded since the last record of its kind."""
        data = malformed.data
        head = data[:32].hex() + ("…" if len(data) > 32 else "")
        more = f" (+{suppressed} more since the last)" if suppressed else ""
        rec = CoapRecord(
            time=time.time(),
            direction="in",
            type="BAD",
            code=Code.EMPTY,
            mid=int.from_bytes(data[2:4], "big") if len(data) >= 4 else None,
            token="",
            path="",
            content_format=None,
            payload=f"malformed: {malformed.describe()}{more} {head}",
            remote=remote_address(malformed.remote),
        )
        self._append(rec)

    def _make(self, direction: str, message: Message) -> CoapRecord:
        address = remote_address(message.remote)
        token = bytes(message.token or b"")
        key = (token, address)
        opt = message.opt
        query = "&".join(opt.uri_query)
        if message.code.is_request():
            path = "/" + "/".join(opt.uri_path)
            if token:
                self._paths[key] = path
                self._paths.move_to_end(key)
                while len(self._paths) > self._path_memory:
                    self._paths.popitem(last=False)
        elif opt.location_path:
            path = "/" + "/".join(opt.location_path)
        else:
            path = self._paths.get(key, "") if token else ""
        cf = None if opt.content_format is None else int(opt.content_format)
        try:
            base = parse_path(path) if path and path[1:2].isdigit() else ()
        except ValueError:
            base = ()
        block = _block_label(message)
        raw = message.payload
        payload = raw.encode() if isinstance(raw, str) else bytes(raw)  # aiocoap's own RSTs carry ""
        return CoapRecord(
            time=time.time(),
            direction=direction,
            type=str(message.mtype) if message.mtype is not None else "?",
            code=message.code,
            mid=message.mid,
            token=token.hex(),
            path=path,
            content_format=cf,
            # A piece of a blockwise transfer cannot be decoded on its own: its size says enough.
            payload=f"{len(payload)}B piece" if block else describe(cf, payload, base),
            remote=address,
            observe=opt.observe,
            query=query,
            block=block,
        )


def _block_label(message: Message) -> str:
    """"block1=…"/"block2=…" (number/more/size) for a message that is one piece of several, else ""."""
    for name in ("block1", "block2"):
        option = getattr(message.opt, name)
        if option is not None and (option.block_number > 0 or option.more):
            return f"{name}={option.block_number}/{int(option.more)}/{option.size}"
    return ""
