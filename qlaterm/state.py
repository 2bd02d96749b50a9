"""The console's model of the module, built only from parsed session events.

Nothing here reads a line: the session hands over typed events (``Info``, ``Urc``, a finished ``Reply`` with
the catalogue's reading of the command that was sent) and this model keeps what the panes show — link and
LwM2M status, server configuration, QLACFG settings, custom objects with their last values and
observations, pending server requests, the URC buffer, the time of the next automatic update.

It never imports textual, so the same model drives tests, scripts and the UI, and stays cheap enough to
update on every line of a 2,000-lines-per-second URC flood.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from qlaterm.at import network as net
from qlaterm.at.catalogue import (
    BUILTIN_OBJECTS,
    CONFIG_SETTINGS,
    LWM2M_STATES,
    URC_BUFFER_CAPACITY,
    Form,
    status_text,
    update_interval,
)
from qlaterm.at.check import Checked, split_command
from qlaterm.at.codes import LwM2MState
from qlaterm.at.config import ServerConfig
from qlaterm.at.parse import Broken, Info, Text, Urc, parse_drained
from qlaterm.at.secrets import psk_fields
from qlaterm.at.values import Scalar
from qlaterm.link.base import LinkState, LinkStatus
from qlaterm.link.session import Kind, Rebooted, Reply, SessionEvent, Traffic

__all__ = [
    "REQUEST_TIMEOUT",
    "BufferedEntries",
    "DeviceState",
    "Network",
    "Notice",
    "Path",
    "Request",
    "ServerConfig",
    "format_path",
    "update_interval",
]

Path = tuple[int, int, int]
"""(object, instance, resource); instance and resource are -1 for object- and instance-level requests."""


def format_path(path: tuple[int, ...]) -> str:
    """``(19, 0, -1)`` → ``/19/0``."""
    return "/" + "/".join(str(p) for p in path if p >= 0)


@dataclass(slots=True)
class Request:
    """A server request waiting for the terminal's answer, from a URC or drained from the QLARD buffer.

    A long write arrives as several URCs with the same message ID (index N-1 … 0); ``parts`` collects their
    values and ``complete`` says the part with index 0 has arrived.
    """

    mid: int
    kind: str  # "read" | "write" | "execute" | "observe" | "cancel"
    path: Path
    received: float
    value_type: int | None = None
    parts: dict[int, list[Scalar]] = field(default_factory=dict)  # resource → values in arrival order
    complete: bool = True
    token: str | None = None
    uri_query: str | None = None
    buffered: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind} {format_path(self.path)}"

    @property
    def value(self) -> Scalar | None:
        """The written value of a single-resource write, parts joined."""
        return joined(next(iter(self.parts.values()))) if self.parts else None

    def resource_values(self) -> dict[int, Scalar]:
        """A write's value per resource, parts joined."""
        return {res: joined(values) for res, values in self.parts.items()}

    def age(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.received


def joined(values: list[Scalar]) -> Scalar:
    """One value from the parts a long write arrived in: text and bytes are concatenated (anything else
    cannot be split, so the last part is the value)."""
    if all(isinstance(v, bytes) for v in values):
        return b"".join(v for v in values if isinstance(v, bytes))
    if all(isinstance(v, str) for v in values):
        return "".join(str(v) for v in values)
    return values[-1]


@dataclass(frozen=True, slots=True)
class Notice:
    """An outcome worth showing outside the transcript: an asynchronous result or a status-bearing URC."""

    time: float
    name: str  # "+QLAREG" or a URC kind such as "report_ack"
    status: int | None
    text: str

    @property
    def ok(self) -> bool:
        return self.status in (None, 0)


@dataclass(slots=True)
class Network:
    """What the module said about its network: identity, registration, signal, address, RRC, power saving.

    A value is None until the module has answered; a name in ``unanswered`` means it answered ``ERROR``.
    """

    imei: str | None = None
    imsi: str | None = None
    iccid: str | None = None
    registration: net.Registration | None = None
    rssi_dbm: int | None = None
    rsrp_dbm: int | None = None
    ip: str | None = None
    rrc_connected: bool | None = None
    psm_enabled: bool | None = None
    in_psm: bool = False
    unanswered: set[str] = field(default_factory=set)


_NETWORK_FIELDS = {"+CGSN": "imei", "+CIMI": "imsi", "+QCCID": "iccid", "+CEREG": "registration",
                   "+CSQ": "rssi_dbm", "+CESQ": "rsrp_dbm", "+CGPADDR": "ip", "+CSCON": "rrc_connected",
                   "+CPSMS": "psm_enabled"}
"""The network command each field of :class:`Network` is read from."""

_ANSWERS = {"read": "+QLARDRSP", "observe": "+QLAOBSRSP", "cancel": "+QLAOBSRSP", "write": "+QLAWRRSP",
            "execute": "+QLAEXERSP"}
"""The command that answers each kind of server request."""

_NEEDS_REGISTRATION = {"+QLAUPDATE": "an Update", "+QLADEREG": "a De-register", "+QLANOTIFY": "a notification",
                       "+QLASENDDATA": "data"}

_CLOSED_KEPT = 1000
"""How many answered or expired message IDs the model remembers, to explain a late answer."""

REQUEST_TIMEOUT = 60.0
"""The module answers a request left unanswered this long with 5.03 and forgets it; so does the console."""

_SHORTEST_SECRET = 4
"""Shorter values in PSK position (a stray 0 in a mistyped line) are masked in their line but not sought
on every other line."""

_REGISTRATION_ENDED = {LwM2MState.NOT_REGISTERED, LwM2MState.DEREGISTERED}
"""The statuses that end the registration, and with it the server's observations."""

_SOCKET_CLOSED = _REGISTRATION_ENDED | {LwM2MState.RECOVERING, LwM2MState.WAIT_RECOVER}
"""The statuses in which the module's socket is closed, and every pending request with it (deep sleep keeps
the registration and its observations)."""

_REQUEST_URCS = {"read", "write", "execute", "observe"}
_STATUS_URCS = {"ping", "report_ack", "send_ack", "recovered"}


class BufferedEntries:
    """What the console knows of the module's URC buffer (``access_mode`` 1): how many entries wait, and
    since when, oldest first.

    The module says when an entry arrived only for the first one (``+QLAURC: "buffer"``, printed when the
    buffer goes from empty to non-empty); an entry that joins a non-empty buffer shows first in the count
    of ``AT+QLARD?`` or ``AT+QLARD``. Each entry is dated by the first of these that told of it: the age
    of a drained request, and its expiry 60 s on, count from then.
    """

    def __init__(self) -> None:
        self._since: deque[float] = deque()
        self._known = False

    @property
    def count(self) -> int | None:
        """Entries waiting, None until the module has said."""
        return len(self._since) if self._known else None

    @property
    def full(self) -> bool:
        """The module answers every new server request 5.03 at once: nothing more is buffered."""
        return len(self._since) >= URC_BUFFER_CAPACITY

    def announced(self, at: float) -> None:
        """``+QLAURC: "buffer"``: the buffer went from empty to one entry."""
        self._known = True
        self._since = deque([at])

    def counted(self, count: int, at: float) -> None:
        """The module said ``count`` entries wait (``+QLARD: <count>`` or ``<remaining>``): new ones date
        from now; fewer than known means the oldest are gone.  A negative count (a garbled line) is none."""
        self._known = True
        count = max(count, 0)
        while len(self._since) > count:
            self._since.popleft()
        self._since.extend([at] * (count - len(self._since)))

    def take(self, at: float) -> float:
        """The oldest entry was drained: when it arrived (``at`` when the console never knew of it)."""
        return self._since.popleft() if self._since else at

    def refused(self, now: float) -> int:
        """Entries waiting so long that the module has answered their requests 5.03 already."""
        return sum(1 for since in self._since if now - since >= REQUEST_TIMEOUT)

    def forget(self) -> None:
        self._since.clear()
        self._known = False


class DeviceState:
    """Everything the console believes about the module."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.link = LinkStatus(LinkState.CLOSED)
        self._status: int | None = None
        self.config: ServerConfig | None = None
        self.config_known = False
        self.settings: dict[str, tuple[int | str, ...]] = {}
        self.objects: dict[int, dict[int, tuple[int, ...]]] = {}
        self.values: dict[Path, Scalar] = {}
        self.observed: set[Path] = set()
        self.requests: dict[int, Request] = {}
        self.buffer = BufferedEntries()
        self.registered_at: float | None = None
        self.identity: dict[str, str] = {}
        self.notices: deque[Notice] = deque(maxlen=50)
        self.reports: dict[int, Path] = {}
        self._last_notify: Path | None = None
        self._pending_update: tuple[int, int] | None = None
        self._secrets: set[str] = set()
        self.reboot_requested: Path | None = None
        """/3/0/4 or /3/0/5 when the server executed it: the module waits for the terminal's AT+QRST=1."""
        self.network = Network()
        self.deep_sleep = False
        """The module is in deep sleep (the simulator's control says so; a real module cannot tell)."""
        self._closed: dict[int, str] = {}  # message ID -> "answered" | "expired" | "unknown to the module"

    # -- derived ------------------------------------------------------------------------------------------

    def now(self) -> float:
        """The model's clock (wall time; tests and snapshots pass a fixed one)."""
        return self._clock()

    @property
    def status(self) -> int | None:
        """The LwM2M status (``+QLASTATUS``), None until the module has said."""
        return self._status

    @status.setter
    def status(self, value: int | None) -> None:
        self._status = value
        if value not in _SOCKET_CLOSED:
            return
        # The socket the requests came on is closed: nothing pending can be answered any more.
        for mid in self.requests:
            self._close(mid, f"dropped: the module left the registration (status {value}: {self.status_text})")
        self.requests.clear()
        if value in _REGISTRATION_ENDED:  # the server's observations ended with the registration
            self.observed.clear()
            self.reports.clear()

    @property
    def status_text(self) -> str:
        if self.status is None:
            return "unknown"
        entry = LWM2M_STATES.get(self.status)
        return entry[0] if entry else f"status {self.status}"

    @property
    def registered(self) -> bool:
        return self.status == 2

    @property
    def platform(self) -> int | None:
        """QLACFG ``"platform"`` (0 other, 1 …, 2 AndLink), None until the module has said."""
        value = self.settings.get("platform", (None,))[0]
        return value if isinstance(value, int) else None

    @property
    def buffer_count(self) -> int | None:
        """Entries in the module's URC buffer, None until it has said."""
        return self.buffer.count

    @property
    def buffer_mode(self) -> bool:
        return self.settings.get("access_mode", (0,))[0] == 1

    @property
    def secrets(self) -> AbstractSet[str]:
        """PSK values seen on the link (a live view), so that the transcript and saved logs can mask them."""
        return self._secrets

    def next_update_in(self, now: float | None = None) -> float | None:
        """Seconds until the module's automatic Update, when it will send one."""
        if not self.registered or self.registered_at is None or self.config is None:
            return None
        if self.settings.get("lifetime_enable", (1,))[0] != 1:
            return None
        due = self.registered_at + update_interval(self.config.lifetime)
        return due - (now if now is not None else self._clock())

    def resources(self) -> list[Path]:
        """Every custom resource path, in the order objects were added."""
        return [(o, i, r) for o, insts in self.objects.items() for i, rs in insts.items() for r in rs]

    def oldest_request(self) -> Request | None:
        return next(iter(self.requests.values()), None)

    def expire_requests(self, now: float | None = None) -> list[Request]:
        """Forget requests the module has already given up on (5.03 after 60 s); returns them."""
        now = self._clock() if now is None else now
        gone = [r for r in self.requests.values() if now - r.received >= REQUEST_TIMEOUT]
        for request in gone:
            del self.requests[request.mid]
            self._close(request.mid, "expired (the module answered 5.03 after 60 s)")
        return gone

    def _close(self, mid: int, why: str) -> None:
        self._closed.pop(mid, None)
        self._closed[mid] = why
        while len(self._closed) > _CLOSED_KEPT:
            del self._closed[next(iter(self._closed))]

    @property
    def asleep(self) -> bool:
        """In deep sleep or in power saving (PSM): a command is not simply answered."""
        return self.deep_sleep or self.network.in_psm

    def objection(self, checked: Checked) -> str | None:
        """What the module's state makes of a well-formed command, before it is sent: None when nothing.

        The checker knows the grammar; this knows the device — pending message IDs, observations, custom
        objects, registration, the platform, sleep.
        """
        name, args = checked.name, checked.args
        if self.deep_sleep:
            return "the module is in deep sleep: it answers nothing until it is woken"
        if self.network.in_psm:
            return ("the module is in power saving (ENTER PSM): the first characters only wake it — "
                    "send a throw-away AT first")
        if name in _ANSWERS.values() and "messageID" in args:
            return self._answer_objection(name, args["messageID"])
        status = self.status
        if name == "+QLAREG" and self.registered:
            return "the module is registered already (status 2): AT+QLAREG is refused; F5 sends an Update"
        if name in _NEEDS_REGISTRATION and status is not None and not self.registered:
            return (f"the module is not registered (status {status}: {self.status_text}): {_NEEDS_REGISTRATION[name]} "
                    "needs a registration — F4 registers")
        if name == "+QLANOTIFY" and {"objectID", "instanceID", "resourceID"} <= args.keys():
            path = (args["objectID"], args["instanceID"], args["resourceID"])
            if not self.is_observed(path):
                return f"the server observes nothing that covers {format_path(path)}: there is nobody to notify"
        if name == "+QLASENDDATA" and self.platform is not None and self.platform != 2:
            return (f"AT+QLASENDDATA is for AndLink (QLACFG \"platform\" 2); this module's platform is "
                    f"{self.platform}")
        if name == "+QLAADDOBJ" and checked.form is Form.SET and "objectID" in args:
            obj, inst = args["objectID"], args["instanceID"]
            if inst in self.objects.get(obj, {}):
                return f"instance /{obj}/{inst} exists already: AT+QLADELOBJ={obj} deletes the object first"
        return None

    def _answer_objection(self, name: str, mid: int) -> str | None:
        request = self.requests.get(mid)
        if request is not None:
            want = _ANSWERS[request.kind]
            if want != name:
                return f"message ID {mid} is a {request.label} request: AT{want} answers it"
            return None
        closed = self._closed.get(mid)
        if closed is not None:
            return f"message ID {mid} was {closed}"
        waiting = ", ".join(str(m) for m in self.requests) or "none"
        return f"no server request with message ID {mid} is waiting (waiting: {waiting})"

    def _observation_reset(self, path: Path) -> None:
        """The server reset a notification on ``path``: the observation that covered it (the most specific
        of resource, instance, object, as the module picks it) is over."""
        o, i, _ = path
        for covering in (path, (o, i, -1), (o, -1, -1)):
            if covering in self.observed:
                self.observed.discard(covering)
                return

    def is_observed(self, path: Path) -> bool:
        """The resource is covered by an observation of itself, its instance or its object."""
        o, i, _ = path
        return path in self.observed or (o, i, -1) in self.observed or (o, -1, -1) in self.observed

    # -- feeding ------------------------------------------------------------------------------------------

    def apply(self, event: SessionEvent) -> None:
        """Take one session event into the model (a session listener)."""
        if isinstance(event, Traffic):
            if event.kind in (Kind.SENT, Kind.ECHO, Kind.REPLY):
                self._learn_secret(event.text)
            if event.kind is Kind.URC and isinstance(event.event, Urc):
                self._urc(event.event, event.time, buffered=False)
            elif event.kind is Kind.RESULT and isinstance(event.event, Info):
                self._result(event.event, event.time)
            elif event.kind is Kind.TEXT and isinstance(event.event, Info):
                self._network_urc(event.event)
            return
        if isinstance(event, Reply):
            self._reply_network(event)
            if event.final is not None:
                self._reply(event)
            return
        if isinstance(event, Rebooted):
            self.status = None
            self.reboot_requested = None
            for mid in self.requests:
                self._close(mid, "dropped: the module restarted")
            self.requests.clear()
            self.observed.clear()
            self.reports.clear()
            self.notices.clear()  # outcomes of the session before the restart (the server's reboot request)
            self.buffer.forget()
            self.registered_at = None
            self.deep_sleep = False
            self.network.in_psm = False
            self.network.rrc_connected = None
            return
        if isinstance(event, LinkStatus):
            self.link = event

    def _learn_secret(self, line: str) -> None:
        """Remember every key a QLACONFIG line carries, even one the module will refuse or a mistyped line
        where it sits out of place, before the line is shown: it is masked wherever it appears later."""
        for key in psk_fields(line):
            if len(key) >= _SHORTEST_SECRET:
                self._secrets.add(key)

    # -- asynchronous results and URCs --------------------------------------------------------------------

    def _notice(self, name: str, status: int | None, text: str, at: float) -> None:
        self.notices.append(Notice(at, name, status, text))

    def _result(self, info: Info, at: float) -> None:
        code = info.code
        name = info.name
        meaning = status_text(code) if code is not None else ""
        self._notice(name, code, f"{name}: {code} ({meaning})" if code is not None else info.text, at)
        if name == "+QLAREG":
            self.status = 2 if code == 0 else 0
            self.registered_at = at if code == 0 else None
        elif name == "+QLADEREG":
            self.status = 4
            self.registered_at = None
        elif name == "+QLAUPDATE":
            if code == 0:
                self.registered_at = at
                self._apply_update()
            else:
                self.status = 5
            self._pending_update = None

    def _apply_update(self) -> None:
        if self._pending_update is None or self.config is None:
            return
        mode, value = self._pending_update
        self.config = self.config.with_(lifetime=value) if mode == 0 else self.config.with_(binding=value)

    def _urc(self, urc: Urc, at: float, *, buffered: bool) -> None:
        args = urc.args
        kind = urc.kind
        if kind in _REQUEST_URCS:
            self._request(urc, at, buffered)
        elif kind == "buffer":
            self.buffer.announced(at)
        elif kind == "lifetime_changed" and self.config is not None:
            self.config = self.config.with_(lifetime=int(args["lifetime"]))
        elif kind == "binding_changed" and self.config is not None:
            self.config = self.config.with_(binding=1 if str(args["binding_mode"]).upper() == "UQ" else 0)
        elif kind == "report" and self._last_notify is not None and urc.mid is not None:
            self.reports[urc.mid] = self._last_notify
        elif kind == "report_ack" and urc.mid is not None:
            path = self.reports.pop(urc.mid, None)
            if path is not None and args.get("status_code") == 9:
                self._observation_reset(path)  # the module ends the observation the CON went out on
        elif kind == "lw_event":
            self._notice(kind, args.get("parameter1"), f"notification reset by the server (mid {urc.mid})", at)
            # The module ends the observation the NON notification went out on. The URC names no path and
            # +QLANOTIFY gave no message ID, so only a sole observation is known to be the one.
            if len(self.observed) == 1:
                self.observed.clear()
        if kind in _STATUS_URCS:
            raw = args.get("status_code")
            code = raw if isinstance(raw, int) else None  # the catalogue types it; a line without one has none
            meaning = status_text(code) if code is not None else "unknown status code"
            self._notice(kind, code, f'"{kind}": {raw} ({meaning})', at)
            if kind == "ping":
                if code == 0:
                    self.registered_at = at
                else:
                    self.status = 5
            elif kind == "recovered" and code == 0:
                self.status = 2
                self.registered_at = at

    def _request(self, urc: Urc, at: float, buffered: bool) -> None:
        args = urc.args
        mid = int(args["messageID"])
        path: Path = (int(args["objectID"]), int(args.get("instanceID", -1)), int(args.get("resourceID", -1)))
        kind = urc.kind
        if kind == "observe" and args.get("flag") == 1:
            kind = "cancel"
        if kind == "execute" and path[0] in BUILTIN_OBJECTS:
            self._notice("execute", None, f"server executed {format_path(path)}: the terminal should reboot", at)
            if path in ((3, 0, 4), (3, 0, 5)):
                self.reboot_requested = path
            return
        if kind == "write":
            request = self.requests.get(mid)
            if request is None or request.kind != "write":
                request = Request(mid, "write", path, at, int(args["value_type"]), complete=False,
                                  token=args.get("token"), buffered=buffered)
                self.requests[mid] = request
            request.parts.setdefault(path[2], []).append(args["value"])
            if len(request.parts) > 1:
                request.path = (path[0], path[1], -1)
            request.complete = args.get("index") == 0
            return
        self.requests[mid] = Request(mid, kind, path, at, uri_query=args.get("uri_query"), buffered=buffered)

    # -- network ------------------------------------------------------------------------------------------

    def _network_urc(self, info: Info) -> None:
        """``+CEREG: <stat>``, ``+CSCON: <mode>``, ``+QNBIOTEVENT: …``, ``+IP: <address>``."""
        network = self.network
        if info.name == "+CEREG":
            network.registration = net.cereg(info.fields, answer=False) or network.registration
        elif info.name == "+CSCON":
            connected = net.cscon(info.fields, answer=False)
            network.rrc_connected = connected if connected is not None else network.rrc_connected
        elif info.name == "+QNBIOTEVENT":
            psm = net.nbiot_event(info.fields)
            if psm is not None:
                network.in_psm = psm
        elif info.name == "+IP" and info.fields:
            network.ip = str(info.fields[0])

    def _reply_network(self, reply: Reply) -> None:
        parts = split_command(reply.line)
        if parts is None:
            return
        name, form, tail = parts
        for line in reply.lines:  # URCs that came while this command was in flight
            if isinstance(line, Info) and line.name != name:
                self._network_urc(line)
        attribute = _NETWORK_FIELDS.get(name)
        if attribute is None or form is Form.TEST or (name == "+CGPADDR" and form is Form.QUERY):
            return
        if name == "+CGSN" and tail.strip() != "1":  # 0 is the serial number, 2 the IMEISV
            return
        network = self.network
        if reply.final is None:
            return
        if not reply.ok:
            network.unanswered.add(attribute)
            return
        value = self._network_value(name, reply)
        if value is not None:
            network.unanswered.discard(attribute)
            setattr(network, attribute, value)

    @staticmethod
    def _network_value(name: str, reply: Reply) -> object:
        if name == "+CIMI":
            digits = [x.text for x in reply.lines if isinstance(x, Text) and x.text.isdigit()]
            return digits[0] if digits else None
        infos = reply.infos(name)
        if not infos:
            return None
        fields = infos[0].fields
        match name:
            case "+CGSN" | "+QCCID":
                return str(fields[0]) if fields else None
            case "+CEREG":
                return net.cereg(fields, answer=True)
            case "+CSQ":
                return net.csq_dbm(fields)
            case "+CESQ":
                return net.cesq_dbm(fields)
            case "+CGPADDR":
                return next((net.pdp_address(i.fields) for i in infos if i.fields[:1] == (1,)), None)
            case "+CSCON":
                return net.cscon(fields, answer=True)
            case "+CPSMS":
                return net.cpsms(fields)
        return None

    # -- replies ------------------------------------------------------------------------------------------

    def _reply(self, reply: Reply) -> None:
        name, form = reply.name, reply.form
        args: dict[str, Any] = getattr(reply.checked, "args", {})
        if name == "+QLACONFIG":
            self._reply_config(reply, form, args)
        elif name == "+QLACFG":
            self._reply_cfg(reply, form, args)
        elif name == "+QLASTATUS" and reply.ok:
            infos = reply.infos("+QLASTATUS")
            if infos and infos[0].code is not None:
                self.status = infos[0].code
                if self.status == 2 and self.registered_at is None:
                    self.registered_at = reply.started
        elif name == "+QLAADDOBJ":
            self._reply_addobj(reply, form, args)
        elif name == "+QLADELOBJ" and reply.ok and args:
            obj = args["objectID"]
            self.objects.pop(obj, None)
            self.observed = {p for p in self.observed if p[0] != obj}
            self.values = {p: v for p, v in self.values.items() if p[0] != obj}
        elif name in ("+QLARDRSP", "+QLAOBSRSP", "+QLAWRRSP", "+QLAEXERSP") and args:
            if reply.ok:
                self._reply_answer(name, args)
            elif reply.final is not None and reply.final.code == 3 and args.get("messageID") in self.requests:
                # The module does not know this message ID any more (answered or expired): drop it here too.
                self.requests.pop(args["messageID"])
                self._close(args["messageID"], "unknown to the module (it refused an answer with +CME ERROR: 3)")
        elif name == "+QLANOTIFY" and reply.ok and args:
            path = (args["objectID"], args["instanceID"], args["resourceID"])
            self.values[path] = args["value"]
            self._last_notify = path
        elif name == "+QLAUPDATE" and reply.ok and args:
            self._pending_update = (args["mode"], args["value"])
        elif name == "+QLARD" and reply.ok:
            self._reply_rd(reply, form)
        elif name == "AT+CGSN=1":
            for info in reply.infos("+CGSN"):
                if info.fields:  # a bare "+CGSN:" tells nothing
                    self.identity["imei"] = str(info.fields[0])
        elif name == "AT+CGMR" or name == "ATI":
            texts = [x.text for x in reply.lines if not isinstance(x, Info)]
            if texts:
                self.identity["revision"] = texts[-1].removeprefix("Revision: ")

    def _reply_config(self, reply: Reply, form: Form | None, args: dict[str, Any]) -> None:
        if not reply.ok:
            return
        if form is Form.QUERY:
            infos = reply.infos("+QLACONFIG")
            self.config_known = True
            self.config = ServerConfig.from_query(infos[0].fields) if infos else None
        elif form is Form.SET and args:
            self.config_known = True
            self.config = ServerConfig.from_args(args)

    def _reply_cfg(self, reply: Reply, form: Form | None, args: dict[str, Any]) -> None:
        if not reply.ok:
            return
        for info in reply.infos("+QLACFG"):
            if not info.fields:
                continue
            setting = CONFIG_SETTINGS.get(str(info.fields[0]))
            if setting is None:
                continue
            values = info.fields[1 + len(setting.prefix):]
            self.settings[setting.name] = tuple(values)
        if form is Form.SET and args.get("values") is not None:
            self.settings[args["name"]] = tuple(args["values"])

    def _reply_addobj(self, reply: Reply, form: Form | None, args: dict[str, Any]) -> None:
        if not reply.ok:
            return
        if form is Form.QUERY:
            objects: dict[int, dict[int, tuple[int, ...]]] = {}
            for info in reply.infos("+QLAADDOBJ"):
                f = [x for x in info.fields if isinstance(x, int)]
                if len(f) >= 3:
                    objects.setdefault(f[0], {})[f[1]] = tuple(f[3:])
            self.objects = objects
        elif form is Form.SET and args:
            self.objects.setdefault(args["objectID"], {})[args["instanceID"]] = tuple(args["resources"])

    def _reply_answer(self, name: str, args: dict[str, Any]) -> None:
        request = self.requests.pop(args["messageID"], None)
        if request is not None:
            self._close(request.mid, "answered already")
        result = args["result"]
        if name in ("+QLARDRSP", "+QLAOBSRSP"):
            path = (args["objectID"], args["instanceID"], args["resourceID"])
            if result == 1 and args.get("value") is not None:
                self.values[path] = args["value"]
            if name == "+QLAOBSRSP" and request is not None:
                if request.kind == "observe" and result == 1:
                    self.observed.add(request.path)
                elif request.kind == "cancel":
                    self.observed.discard(request.path)
        elif name == "+QLAWRRSP" and request is not None and result == 2:
            for res, value in request.resource_values().items():
                self.values[(request.path[0], request.path[1], res)] = value

    def _reply_rd(self, reply: Reply, form: Form | None) -> None:
        infos = reply.infos("+QLARD")
        answered = reply.started + reply.elapsed
        if form is Form.QUERY:
            if infos and infos[0].code is not None:
                self.buffer.counted(infos[0].code, answered)
            return
        for info in infos:
            remaining, event = parse_drained(info.text)
            since = self.buffer.take(answered) if event is not None else answered
            if isinstance(event, Urc):
                self._urc(event, since, buffered=True)
            if not isinstance(event, Broken):  # an unreadable line says nothing of the count either
                self.buffer.counted(remaining, answered)
