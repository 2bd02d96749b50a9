"""Every BC26 LwM2M command, URC and code table, as data.

This module is the one source of truth for the AT grammar: the console's completion, parameter hints and
validation, the parser's typed URCs and the simulator's argument checks all read it.  Wording follows the
vendor's application note (BC26 标准 LwM2M 应用指导 V1.0); Chinese summaries are kept beside the English so
that integrators can match the console to the manual they hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from qlaterm.at.codes import LwM2MState, StatusCode

__all__ = [
    "BASIC_COMMANDS",
    "BASIC_ERRORS",
    "BUILTIN_OBJECTS",
    "COAP_REASONS",
    "COMMANDS",
    "CONFIG_SETTINGS",
    "ERRORS",
    "EXEC_RESULTS",
    "LWM2M_STATES",
    "MODULE_COMMANDS",
    "MODULE_URCS",
    "READ_RESULTS",
    "STATUS_CODES",
    "URCS",
    "URC_BUFFER_CAPACITY",
    "Command",
    "Form",
    "LwM2MState",
    "Param",
    "Setting",
    "StatusCode",
    "UrcSpec",
    "error_text",
    "status_text",
    "update_interval",
]


class Form(StrEnum):
    """The four shapes of an extended AT command."""

    TEST = "test"  # AT+CMD=?
    QUERY = "query"  # AT+CMD?
    SET = "set"  # AT+CMD=<...>
    EXEC = "exec"  # AT+CMD


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a command or URC: its type and the range the module accepts."""

    name: str
    kind: str = "int"  # int | str | hex | value | token | bits (max_len binary digits, a 3GPP timer)
    lo: int | None = None
    hi: int | None = None
    choices: tuple[int, ...] = ()
    max_len: int | None = None
    optional: bool = False
    help: str = ""

    @property
    def placeholder(self) -> str:
        return f"<{self.name}>"

    def refusal(self, value: int) -> str | None:
        """Why ``value`` is out of this parameter's range, or None when it is within."""
        if self.choices and value not in self.choices:
            return f"<{self.name}> is one of {', '.join(map(str, self.choices))}, not {value}"
        if self.lo is not None and value < self.lo:
            return f"<{self.name}> is at least {self.lo}, not {value}"
        if self.hi is not None and value > self.hi:
            return f"<{self.name}> is at most {self.hi}, not {value}"
        return None

    def describe_range(self) -> str:
        """The range as the test form prints it: ``(0,1)``, ``(20-31536000)`` or ``<name>``."""
        if self.choices:
            return "(" + ",".join(str(c) for c in self.choices) + ")"
        if self.lo is not None and self.hi is not None:
            return f"({self.lo}-{self.hi})"
        return self.placeholder


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``AT+QLACFG="<name>",…`` setting."""

    name: str
    params: tuple[Param, ...]
    default: tuple[int | str, ...]
    help: str
    help_zh: str
    prefix: tuple[int, ...] = ()  # fixed leading values, e.g. 3,0,17 of "cfg_res"


@dataclass(frozen=True, slots=True)
class Command:
    """One extended command: the forms it has, its set parameters and what it answers."""

    name: str  # "+QLACONFIG"
    summary: str
    summary_zh: str
    forms: frozenset[Form]
    params: tuple[Param, ...] = ()
    test: tuple[str, ...] = ()  # lines the test form prints before OK
    result: str = ""  # the asynchronous result line, e.g. "+QLAREG: <status_code>"
    help: str = ""
    cme_params: int | None = None
    """The ``+CME ERROR`` code of every parameter error (50 for the 3GPP and Quectel basic commands);
    None: the LwM2M codes of source table 5 (2 wrong count, 3 bad value, 13 odd length)."""
    value_index: int | None = field(init=False, default=None)
    """Position of the ``<value>`` parameter (after ``<value_type>,<len>``), where the line has one."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value_index", _value_index(self.params))

    @property
    def at(self) -> str:
        return "AT" + self.name

    def signature(self) -> str:
        """``AT+QLAWRRSP=<messageID>,<result>`` — the parameter hint the console shows."""
        if Form.SET not in self.forms:
            return self.at + ("?" if Form.QUERY in self.forms and Form.EXEC not in self.forms else "")
        parts = []
        for p in self.params:
            parts.append(f"[,{p.placeholder}]" if p.optional else p.placeholder)
        text = ",".join(x for x in parts if not x.startswith("[")) + "".join(x for x in parts if x.startswith("["))
        return f"{self.at}={text}"


@dataclass(frozen=True, slots=True)
class UrcSpec:
    """One ``+QLAURC: "<kind>",…`` notification."""

    kind: str
    params: tuple[Param, ...]
    summary: str
    summary_zh: str
    buffered: bool = False  # goes to the QLARD buffer in access_mode 1 (source table 4)
    value_index: int | None = field(init=False, default=None)
    """Position of the ``<value>`` field, where the URC has one."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value_index", _value_index(self.params))


def _value_index(params: tuple[Param, ...]) -> int | None:
    """Where the ``<value>`` parameter is: it is read differently (a quoted value may hold commas)."""
    return next((i for i, p in enumerate(params) if p.kind == "value"), None)


def _p(name: str, kind: str = "int", **kw: Any) -> Param:
    return Param(name, kind, **kw)


MID = _p("messageID", lo=0, hi=65535, help="message ID of the server's request, from the URC")
OBJ = _p("objectID", lo=0, hi=65535)
INST = _p("instanceID", lo=0, hi=65535)
RES = _p("resourceID", lo=0, hi=65535)
VTYPE = _p("value_type", choices=(1, 2, 3, 4, 5), help="1 string, 2 opaque (hex), 3 integer, 4 float, 5 boolean")
LEN = _p(
    "len", lo=0, hi=1024,
    help="bytes for string (UTF-8) and opaque (hex digits / 2), characters for integer/float, 1 for boolean",
)
VALUE = _p("value", "value", help="the value; opaque as hex digits")
INDEX = _p("index", lo=0, hi=65535, help="parts N-1 … 0 of a long value; 0 is the last")
ACK = _p("ack", choices=(0, 1), optional=True, help="0 NON (default), 1 CON")
STATUS = _p("status_code", help="result of the exchange (0 success)")
LIFETIME = _p("lifetime", lo=20, hi=31536000, help="seconds")
BINDING = _p("binding_mode", choices=(0, 1), help="0 U, 1 UQ")

READ_RESULTS: Mapping[int, str] = {1: "2.05", 11: "4.00", 12: "4.01", 13: "4.04", 14: "4.05", 15: "4.06"}
"""QLARDRSP / QLAOBSRSP ``<result>`` → CoAP response code."""
EXEC_RESULTS: Mapping[int, str] = {2: "2.04", 11: "4.00", 12: "4.01", 13: "4.04", 14: "4.05"}
"""QLAWRRSP / QLAEXERSP ``<result>`` → CoAP response code."""
COAP_REASONS: Mapping[str, str] = {
    "2.04": "Changed", "2.05": "Content", "4.00": "Bad Request", "4.01": "Unauthorized", "4.04": "Not Found",
    "4.05": "Method Not Allowed", "4.06": "Not Acceptable",
}
"""The reason phrase of each CoAP code the ``<result>`` tables use (RFC 7252)."""

BUILTIN_OBJECTS = frozenset({0, 1, 3, 4, 5})
MAX_CUSTOM_OBJECTS = 3
MAX_INSTANCES = 4
MAX_RESOURCES = 14


CONFIG_SETTINGS: Mapping[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "retransmit",
            (_p("ack_timeout", lo=2, hi=20), _p("retrans_max_times", lo=0, hi=8)),
            (2, 5),
            "CON retransmission: wait ack_timeout×2^(n-1) s after the n-th send, at most retrans_max_times resends",
            "配置响应超时值和最大重传次数",
        ),
        Setting(
            "auto_ack",
            (_p("is_auto_ack", choices=(0, 1)),),
            (0,),
            "1: answer observe requests at once (2.05, no value) and still report the URC",
            "配置是否启动订阅自动应答",
        ),
        Setting(
            "access_mode",
            (_p("access_mode", choices=(0, 1)),),
            (0,),
            "0: URCs printed directly, 1: server requests buffered, read them with AT+QLARD",
            "配置接收数据的读取模式（0 直吐，1 缓存）",
        ),
        Setting(
            "platform",
            (_p("platform", choices=(0, 1, 2)),),
            (0,),
            "target platform: 0 other, 1 AEP (CTWing), 2 AndLink",
            "配置需要连接的平台（0 其他，1 AEP，2 AndLink）",
        ),
        Setting(
            "cfg_res",
            (_p("device_type", "str", max_len=64),),
            ("",),
            "value of /3/0/17 (device type); AndLink needs its product ID here",
            "配置定制化对象资源 /3/0/17 的值",
            prefix=(3, 0, 17),
        ),
        Setting(
            "recovery_mode",
            (_p("recovery_mode", choices=(0, 1)),),
            (0,),
            "after deep sleep: 0 recover the LwM2M session automatically, 1 wait for AT+QLARECOVER",
            "配置深度休眠后恢复 LwM2M 会话模式（0 自动，1 手动）",
        ),
        Setting(
            "lifetime_enable",
            (_p("lifetime_enable", choices=(0, 1)),),
            (1,),
            "1: send a registration Update automatically at the update interval",
            "配置是否启用自动发送更新请求功能",
        ),
        Setting(
            "dtls_mode",
            (_p("dtls_mode", choices=(0, 1)),),
            (0,),
            "after deep sleep: 0 full DTLS handshake, 1 DTLS session resumption",
            "配置深休眠唤醒后的 DTLS 握手模式（0 完整握手，1 会话恢复）",
        ),
        Setting(
            "dtls_version",
            (_p("dtls_version", choices=(0, 1, 2)),),
            (2,),
            "DTLS version: 0 DTLS 1.0, 1 DTLS 1.2, 2 negotiate",
            "配置 DTLS 握手协议版本（0 DTLS1.0，1 DTLS1.2，2 协商）",
        ),
    )
}


def update_interval(lifetime: int) -> int:
    """Seconds between automatic registration Updates for a lifetime: the vendor's formula, integer arithmetic."""
    if lifetime <= 30:
        return lifetime // 2
    if lifetime <= 50:
        return 15 + (lifetime - 30) * 3 // 4
    if lifetime <= 100:
        return 30 + (lifetime - 50) * 4 // 5
    if lifetime <= 300:
        return 70 + (lifetime - 100) * 9 // 10
    return 250 + (lifetime - 300) * 19 // 20


def _cmd(
    name: str,
    summary: str,
    summary_zh: str,
    forms: str,
    params: tuple[Param, ...] = (),
    test: tuple[str, ...] = (),
    result: str = "",
    help: str = "",
    cme_params: int | None = None,
) -> Command:
    return Command(
        name=name,
        summary=summary,
        summary_zh=summary_zh,
        forms=frozenset(Form(f) for f in forms.split()),
        params=params,
        test=test,
        result=result,
        help=help,
        cme_params=cme_params,
    )


_VALUE_TEST = "(1-5),<len>,<value>"

COMMANDS: Mapping[str, Command] = {
    c.name: c
    for c in (
        _cmd(
            "+QLACONFIG",
            "Configure the LwM2M (or bootstrap) server",
            "配置注册参数",
            "test query set",
            (
                _p("bs_flag", choices=(0, 1), help="0 LwM2M server, 1 bootstrap server"),
                _p("server", "str", max_len=150, help="IP address or domain name (port goes in <port>)"),
                _p("port", lo=0, hi=65535),
                _p("endpoint_name", "str", max_len=150),
                LIFETIME,
                _p("security_mode", choices=(0, 3), help="0 DTLS-PSK, 3 no security"),
                _p("PSK_ID", "str", max_len=150, optional=True, help="only with security_mode 0"),
                _p("PSK", "hex", max_len=256, optional=True, help="even-length hex, only with security_mode 0"),
                replace(BINDING, optional=True, help="0 U, 1 UQ (default 0)"),
            ),
            test=("+QLACONFIG: (0,1),<server>,(0-65535),<endpoint_name>,(20-31536000),(0,3),<PSK_ID>,<PSK>,(0,1)",),
        ),
        _cmd(
            "+QLACFG",
            "Optional settings (saved)",
            "配置可选注册参数",
            "test query set",
            (_p("name", "str", help="setting name: " + ", ".join(CONFIG_SETTINGS)), _p("values", "str", optional=True)),
            test=tuple(
                f'+QLACFG: "{s.name}",'
                + ",".join([str(x) for x in s.prefix] + [p.describe_range() for p in s.params])
                for s in CONFIG_SETTINGS.values()
            ),
        ),
        _cmd("+QLAREG", "Register with the LwM2M server", "发送注册请求", "test exec", result="+QLAREG: <status_code>"),
        _cmd(
            "+QLAUPDATE",
            "Send a registration Update (lifetime or binding)",
            "发送更新请求",
            "test set",
            (
                _p("mode", choices=(0, 1), help="0 lifetime, 1 binding mode"),
                _p("lifetime/binding_mode", help="mode 0: 20-31536000 s; mode 1: 0 U, 1 UQ"),
            ),
            test=("+QLAUPDATE: (0,1),(20-31536000)|(0,1)",),
            result="+QLAUPDATE: <status_code>,<messageID>",
        ),
        _cmd("+QLADEREG", "De-register", "发送注销请求", "test exec", result="+QLADEREG: <status_code>"),
        _cmd(
            "+QLAADDOBJ",
            "Add a custom object instance",
            "添加 LwM2M 对象",
            "test query set",
            (OBJ, INST, _p("resource_number", lo=1, hi=MAX_RESOURCES), _p("resourceID", lo=0, hi=65535)),
            test=("+QLAADDOBJ: <objectID>,<instanceID>,(1-14),<resourceID>[,<resourceID>...]",),
            result="+QLAADDOBJ: <status_code>",
            help="at most 3 custom objects, 4 instances each, 14 resources per instance; 0/1/3/4/5 are built in",
        ),
        _cmd(
            "+QLADELOBJ",
            "Delete a custom object (all its instances)",
            "删除 LwM2M 对象",
            "test set",
            (OBJ,),
            test=("+QLADELOBJ: <objectID>",),
            result="+QLADELOBJ: <status_code>",
        ),
        _cmd(
            "+QLARDRSP",
            "Answer a read request",
            "响应读请求",
            "test set",
            (MID, _p("result", choices=tuple(READ_RESULTS)), OBJ, INST, RES, VTYPE, LEN, VALUE, INDEX),
            test=(f"+QLARDRSP: <messageID>,(1,11-15),<objectID>,<instanceID>,<resourceID>,{_VALUE_TEST},<index>",),
            result="+QLARDRSP: <status_code>",
        ),
        _cmd(
            "+QLAWRRSP",
            "Answer a write request",
            "响应写请求",
            "test set",
            (MID, _p("result", choices=tuple(EXEC_RESULTS))),
            test=("+QLAWRRSP: <messageID>,(2,11-14)",),
            result="+QLAWRRSP: <status_code>",
        ),
        _cmd(
            "+QLAEXERSP",
            "Answer an execute request",
            "响应执行请求",
            "test set",
            (MID, _p("result", choices=tuple(EXEC_RESULTS))),
            test=("+QLAEXERSP: <messageID>,(2,11-14)",),
            result="+QLAEXERSP: <status_code>",
        ),
        _cmd(
            "+QLAOBSRSP",
            "Answer an observe (or cancel) request",
            "响应订阅请求",
            "test set",
            (MID, _p("result", choices=tuple(READ_RESULTS)), OBJ, INST, RES, VTYPE, LEN, VALUE, INDEX),
            test=(f"+QLAOBSRSP: <messageID>,(1,11-15),<objectID>,<instanceID>,<resourceID>,{_VALUE_TEST},<index>",),
            result="+QLAOBSRSP: <status_code>",
        ),
        _cmd(
            "+QLANOTIFY",
            "Notify an observed resource",
            "将数据通知到服务器",
            "test set",
            (OBJ, INST, RES, VTYPE, LEN, VALUE, INDEX, ACK),
            test=(f"+QLANOTIFY: <objectID>,<instanceID>,<resourceID>,{_VALUE_TEST},<index>,(0,1)",),
            result="+QLANOTIFY: <status_code>",
        ),
        _cmd(
            "+QLASENDDATA",
            "Send data to the server (LwM2M Send, AndLink)",
            "直接发送数据",
            "test set",
            (_p("value_type", choices=(1, 2), help="1 string, 2 opaque (hex)"), LEN, VALUE, ACK),
            test=("+QLASENDDATA: (1,2),<len>,<value>,(0,1)",),
            result="+QLASENDDATA: <status_code>,<messageID>",
        ),
        _cmd("+QLARD", "Read the URC buffer", "读取缓存数据", "test query exec"),
        _cmd(
            "+QLARECOVER",
            "Recover the LwM2M session after deep sleep",
            "手动恢复 LwM2M 会话",
            "test exec",
            result='+QLAURC: "recovered",<status_code>',
        ),
        _cmd("+QLASTATUS", "LwM2M status", "查询当前 LwM2M 状态", "test query"),
    )
}

BASIC_COMMANDS: Mapping[str, str] = {
    "AT": "attention: answers OK",
    "ATE": "echo off (same as ATE0)",
    "ATE0": "echo off",
    "ATE1": "echo on (default)",
    "ATV": "numeric result codes (same as ATV0)",
    "ATV0": "numeric result codes: 0 OK, 4 ERROR",
    "ATV1": "verbose result codes (default)",
    "ATQ": "result codes on (same as ATQ0)",
    "ATQ0": "result codes on (default)",
    "ATQ1": "result codes off (information text is still sent)",
    "ATZ": "restore the user profile saved with AT&W",
    "ATZ0": "restore the user profile saved with AT&W",
    "AT&F": "factory defaults of the line settings",
    "AT&F0": "factory defaults of the line settings",
    "AT&W": "save the line settings (E, V, Q, S3, S4, CMEE) as the user profile",
    "AT&W0": "save the line settings (E, V, Q, S3, S4, CMEE) as the user profile",
    "ATI": "product information: maker, model, revision",
    "ATS3?": "line termination character (013)",
    "ATS4?": "response formatting character (010)",
    "ATS3=": "set the line termination character, 0-127",
    "ATS4=": "set the response formatting character, 0-127",
}
"""The V.250 basic command lines the module accepts, exactly as written (any case), with their help; a key
ending in ``=`` takes a number 0-127."""

S_REGISTER = _p("value", lo=0, hi=127)
"""The value of ``ATS3=`` / ``ATS4=``."""

IPR_RATES = (2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
QBAND_BANDS = (1, 2, 3, 4, 5, 8, 12, 13, 17, 18, 19, 20, 25, 26, 28, 66)
"""The NB-IoT bands of the BC26 hardware, as ``AT+QBAND`` takes them."""
PDP_TYPES = ("IP", "IPV6", "IPV4V6", "Non-IP")
EDRX_CYCLES = ("0010", "0011", "0101", "1001", "1010", "1011", "1100", "1101", "1110", "1111")
"""The NB-S1 eDRX cycle codes ``AT+CEDRXS`` accepts (20.48 s … 10485.76 s)."""
_TIMER = "(\"00000000\"-\"11111111\")"


def _basic(
    name: str, summary: str, summary_zh: str, forms: str, params: tuple[Param, ...] = (), *test: str, help: str = ""
) -> Command:
    return _cmd(name, summary, summary_zh, forms, params, tuple(test), help=help, cme_params=50)


MODULE_COMMANDS: Mapping[str, Command] = {
    c.name: c
    for c in (
        # identity
        _basic("+CGMI", "Manufacturer", "查询制造商", "test exec"),
        _basic("+CGMM", "Model", "查询型号", "test exec"),
        _basic("+CGMR", "Firmware revision", "查询固件版本", "test exec"),
        _basic(
            "+CGSN", "Serial number, IMEI, IMEISV or SVN", "查询产品序列号", "test exec set",
            (_p("snt", lo=0, hi=3, help="0 serial number, 1 IMEI, 2 IMEISV, 3 SVN"),), "+CGSN: (0-3)",
        ),
        _basic("+GSN", "IMEI", "查询 IMEI", "test exec"),
        _basic("+CIMI", "IMSI of the SIM", "查询 IMSI", "test exec"),
        _basic("+QCCID", "ICCID of the SIM", "查询 USIM 卡 ICCID", "test exec"),
        _basic("+CPIN", "SIM state (READY)", "查询 PIN 状态", "test query set", (_p("pin", "str", max_len=8),)),
        # V.250 and Quectel extended basics
        _cmd(
            "+CMEE", "Error reporting: 0 ERROR, 1 numeric, 2 text", "设置错误上报格式", "test query set",
            (_p("n", lo=0, hi=2, help="0 plain ERROR, 1 +CME ERROR: <err> (default), 2 +CME ERROR: <text>"),),
            ("+CMEE: (0-2)",),
        ),
        _basic(
            "+IPR", "UART baud rate", "设置 UART 波特率", "test query set", (_p("rate", choices=IPR_RATES),),
            "+IPR: (" + ",".join(map(str, IPR_RATES[:-1])) + ")",
        ),
        _basic("+QRST", "Reboot the module", "重启模块", "test set", (_p("mode", choices=(1,)),), "+QRST: (1)"),
        # radio and registration
        _basic(
            "+CFUN", "Functionality: 0 minimum (detach), 1 full, 4 RF off", "设置功能模式", "test query set",
            (_p("fun", choices=(0, 1, 4)), _p("rst", choices=(0, 1), optional=True, help="1: reboot after")),
            "+CFUN: (0,1,4),(0,1)",
        ),
        _basic(
            "+CEREG", "EPS registration status; URCs when n >= 1", "EPS 网络注册状态", "test query set",
            (_p("n", lo=0, hi=5, optional=True,
                help="0 no URC, 1 stat, 2 +location, 3 +cause, 4 +PSM timers, 5 all"),),
            "+CEREG: (0-5)",
        ),
        _basic(
            "+CGREG", "Registration status (2G/3G form, mirrors EPS)", "网络注册状态", "test query set",
            (_p("n", lo=0, hi=2, optional=True),), "+CGREG: (0-2)",
        ),
        _basic("+CGATT", "PS attach: 0 detach, 1 attach", "PS 附着/去附着", "test query set",
               (_p("state", choices=(0, 1)),), "+CGATT: (0,1)"),
        _basic("+CSCON", "RRC connection state; URC when n = 1", "信令连接状态", "test query set",
               (_p("n", choices=(0, 1)),), "+CSCON: (0,1)"),
        _basic(
            "+COPS", "Operator selection", "运营商选择", "test query set",
            (_p("mode", lo=0, hi=4), _p("format", lo=0, hi=2, optional=True),
             _p("oper", "str", max_len=16, optional=True), _p("AcT", choices=(9,), optional=True)),
            '+COPS: (2,"CHINA TELECOM","CTCC","46011",9),,(0-4),(0-2)',
        ),
        _basic("+CSQ", "Signal quality", "查询信号强度", "test exec", (), "+CSQ: (0-31,99),(0-7,99)"),
        _basic(
            "+CESQ", "Extended signal quality (RSRQ, RSRP)", "查询扩展信号质量", "test exec", (),
            "+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)",
        ),
        _basic("+QENG", "Engineering mode: 0 serving cell, 2 time statistics", "工程模式", "test set",
               (_p("mode", choices=(0, 2)),), "+QENG: (0,2)"),
        _basic(
            "+QBAND", "NB-IoT bands to search: count, then the bands (0: all)", "设置搜索频段", "test query set",
            (_p("band_number", lo=0, hi=len(QBAND_BANDS)), _p("band", choices=QBAND_BANDS, optional=True)),
            f"+QBAND: (0-{len(QBAND_BANDS)}),(" + ",".join(map(str, QBAND_BANDS)) + ")",
        ),
        _basic("+CCLK", "Clock (synchronised by the network)", "查询实时时钟", "test query set",
               (_p("time", "str", max_len=20, help='"yy/MM/dd,hh:mm:ss±zz", zz in quarter hours'),)),
        # PDN
        _basic(
            "+CGDCONT", "PDP contexts", "定义 PDP 上下文", "test query set",
            (_p("cid", lo=1, hi=10), _p("PDP_type", "str", optional=True), _p("APN", "str", max_len=99, optional=True)),
            '+CGDCONT: (1-10),("IP","IPV6","IPV4V6","Non-IP")',
        ),
        _basic(
            "+QCGDEFCONT", "Default PDN used at attach (after a reboot)", "设置默认 PDN", "test query set",
            (_p("PDP_type", "str"), _p("APN", "str", max_len=99, optional=True),
             _p("username", "str", max_len=19, optional=True), _p("password", "str", max_len=19, optional=True),
             _p("auth_type", lo=0, hi=2, optional=True)),
            '+QCGDEFCONT: ("IP","IPV6","IPV4V6","Non-IP")',
        ),
        _basic("+CGACT", "PDP context activation", "激活/去激活 PDP 上下文", "test query set",
               (_p("state", choices=(0, 1)), _p("cid", lo=1, hi=10, optional=True)), "+CGACT: (0,1)"),
        _basic("+CGPADDR", "PDP address (none while detached)", "查询 PDP 地址", "test exec set",
               (_p("cid", lo=1, hi=10),), "+CGPADDR: (1)"),
        _basic(
            "+QIDNSCFG", "DNS servers: <cid> alone queries them", "配置 DNS 服务器地址", "test set",
            (_p("contextID", lo=0, hi=10), _p("pri_dns", "str", max_len=64, optional=True),
             _p("sec_dns", "str", max_len=64, optional=True)),
            "+QIDNSCFG: (1),<pri_dns>,<sec_dns>",
        ),
        # power saving
        _basic(
            "+CPSMS", "Power saving mode: requested periodic TAU (T3412) and active time (T3324)", "设置 PSM",
            "test query set",
            (_p("mode", lo=0, hi=2, optional=True, help="0 off, 1 on, 2 off and timers reset"),
             _p("Requested_Periodic-RAU", "str", optional=True), _p("Requested_GPRS-READY-timer", "str", optional=True),
             _p("Requested_Periodic-TAU", "bits", max_len=8, optional=True, help="T3412, GPRS Timer 3 octet"),
             _p("Requested_Active-Time", "bits", max_len=8, optional=True, help="T3324, GPRS Timer 2 octet")),
            f"+CPSMS: (0-2),,,{_TIMER},{_TIMER}",
        ),
        _basic(
            "+CEDRXS", "eDRX: 0 off, 1 on, 2 on with +CEDRXP, 3 off and reset", "设置 eDRX", "test query set",
            (_p("mode", lo=0, hi=3, optional=True), _p("AcT", choices=(5,), optional=True),
             _p("Requested_eDRX_value", "bits", max_len=4, optional=True)),
            '+CEDRXS: (0-3),(5),("0000"-"1111")',
        ),
        _basic("+QSCLK", "Sleep: 0 never, 1 light and deep sleep, 2 light sleep", "设置休眠模式", "test query set",
               (_p("n", lo=0, hi=2),), "+QSCLK: (0-2)"),
        _basic("+QNBIOTEVENT", "Report PSM entry and exit", "使能 PSM 事件上报", "test query set",
               (_p("enable", choices=(0, 1)), _p("event", choices=(1,), help="1 PSM state")),),
        _basic("+CBC", "Supply voltage", "查询电源电压", "test exec", (), "+CBC: (0,1,2),(0-100),(voltage)"),
    )
}
"""The 3GPP TS 27.007 and Quectel commands of the module's start-up, network and power set (not LwM2M)."""

MODULE_URCS: Mapping[str, str] = {
    "+CEREG": "EPS registration changed (AT+CEREG=1..5)",
    "+CSCON": "RRC connection: 1 connected, 0 idle (AT+CSCON=1)",
    "+QNBIOTEVENT": '"ENTER PSM" / "EXIT PSM" (AT+QNBIOTEVENT=1,1)',
    "+IP": "the network attach gave the module this address",
    "+CFUN": "functionality after power-on",
    "+CPIN": "SIM state after power-on",
}
"""Unsolicited lines of the radio side, by prefix."""


URCS: Mapping[str, UrcSpec] = {
    u.kind: u
    for u in (
        UrcSpec("ping", (STATUS,), "automatic lifetime Update done", "生命周期更新结果"),
        UrcSpec("buffer", (), "the URC buffer went from empty to non-empty", "缓存由空到有数据"),
        UrcSpec(
            "write",
            (MID, OBJ, INST, RES, VTYPE, LEN, VALUE, INDEX, _p("token", "token", optional=True)),
            "server Write on a custom object: answer with AT+QLAWRRSP",
            "服务器写请求",
            buffered=True,
        ),
        UrcSpec(
            "read",
            (MID, OBJ, _p("instanceID", lo=-1, hi=65535), _p("resourceID", lo=-1, hi=65535),
             _p("uri_query", "str", optional=True)),
            "server Read: answer with AT+QLARDRSP",
            "服务器读请求",
            buffered=True,
        ),
        UrcSpec("execute", (MID, OBJ, INST, RES), "server Execute: answer with AT+QLAEXERSP", "服务器执行请求",
                buffered=True),
        UrcSpec(
            "observe",
            (MID, _p("flag", choices=(0, 1), help="0 observe, 1 cancel"), OBJ,
             _p("instanceID", lo=-1, hi=65535), _p("resourceID", lo=-1, hi=65535)),
            "server Observe (flag 0) or cancel (flag 1): answer with AT+QLAOBSRSP",
            "服务器订阅请求",
            buffered=True,
        ),
        UrcSpec("bs_finished", (), "bootstrap done", "bootstrap 阶段完成", buffered=True),
        UrcSpec("report", (MID,), "CON notification sent", "CON 类型数据已发送"),
        UrcSpec("report_ack", (STATUS, MID), "CON notification acknowledged (or timed out / reset)",
                "收到 CON 数据应答"),
        UrcSpec("send_ack", (STATUS, MID), "CON Send acknowledged", "收到 CON 类型数据包应答"),
        UrcSpec("lifetime_changed", (_p("lifetime"),), "the server changed the lifetime", "Lifetime 值更改",
                buffered=True),
        UrcSpec("binding_changed", (_p("binding_mode", "token"),), "the server changed the binding",
                "Binding Mode 值更改"),
        UrcSpec("recovered", (STATUS,), "session recovery after deep sleep", "LwM2M 会话恢复结果"),
        UrcSpec("lw_event", (_p("event_type"), _p("parameter1"), MID),
                "RST received for a NON notification", "LwM2M 其他事件"),
        UrcSpec("fota_end", (_p("result"),), "firmware update finished", "升级结束", buffered=True),
    )
}


ERRORS: Mapping[int, tuple[str, str]] = {
    0: ("success", "操作成功"),
    1: ("other error", "其他错误"),
    2: ("wrong number of parameters", "参数编号错误"),
    3: ("parameter value error", "参数值错误"),
    4: ("not registered", "未注册错误"),
    7: ("disabled (only for the AndLink platform)", "禁用错误"),
    13: ("odd data length", "数据长度奇数错误"),
    15: ("not ready (registering or deregistering)", "未准备好接收错误"),
    32: ("connection kept: deregister first", "保持连接错误"),
    33: ("already registered", "已注册错误"),
    34: ("cannot create LwM2M client (no configuration, or the server name does not resolve)", "创建 LwM2M 错误"),
}
"""``+CME ERROR: <err>`` (source table 5)."""

BASIC_ERRORS: Mapping[int, tuple[str, str]] = {
    10: ("SIM not inserted", "未插入 SIM 卡"),
    30: ("no network service", "无网络服务"),
    50: ("Incorrect parameters", "参数错误"),
    100: ("unknown", "未知错误"),
}
"""``+CME ERROR: <err>`` of the 3GPP TS 27.007 commands (its section 9.2 texts), beside the LwM2M table."""

STATUS_CODES: Mapping[int, tuple[str, str]] = {
    StatusCode.SUCCESS: ("success", "成功"),
    StatusCode.TIMEOUT: ("timeout", "超时"),
    StatusCode.NOT_SENT: ("packet not sent", "数据包未发送"),
    StatusCode.RECOVERY_FAILED: ("recovery failed", "恢复失败"),
    StatusCode.UPDATE_FAILED: ("update failed", "更新失败"),
    StatusCode.RESET: ("reset (CoAP RST)", "重置"),
    StatusCode.BAD_REQUEST: ("bad request", "错误请求"),
    StatusCode.FORBIDDEN: ("forbidden", "禁止"),
    StatusCode.NOT_FOUND: ("not found", "未找到"),
    StatusCode.PRECONDITION_FAILED: ("precondition failed", "前提条件失败"),
}
"""``<status_code>`` (source table 6)."""

URC_BUFFER_CAPACITY = 30
"""Entries the URC buffer of ``access_mode`` 1 holds; a server request that finds it full is answered 5.03."""

LWM2M_STATES: Mapping[int, tuple[str, str]] = {
    LwM2MState.NOT_REGISTERED: ("not registered", "未注册"),
    LwM2MState.REGISTERING: ("registering", "注册中"),
    LwM2MState.REGISTERED: ("registered", "已注册"),
    LwM2MState.DEREGISTERING: ("deregistering", "注销中"),
    LwM2MState.DEREGISTERED: ("deregistered", "已注销"),
    LwM2MState.INVALID: ("invalid", "无效"),
    LwM2MState.RECOVERING: ("recovering", "恢复中"),
    LwM2MState.WAIT_RECOVER: ("waiting for AT+QLARECOVER", "等待手动恢复"),
}
"""``+QLASTATUS: <status>``."""


def error_text(code: int, *, chinese: bool = False) -> str:
    """Meaning of a ``+CME ERROR`` code; unknown codes say so instead of failing."""
    entry = ERRORS.get(code) or BASIC_ERRORS.get(code)
    if entry is None:
        return "unknown error code" if not chinese else "未知错误码"
    return entry[1] if chinese else entry[0]


def status_text(code: int, *, chinese: bool = False) -> str:
    """Meaning of a ``<status_code>``."""
    entry = STATUS_CODES.get(code)
    if entry is None:
        return "unknown status code" if not chinese else "未知状态码"
    return entry[1] if chinese else entry[0]


def find_command(name: str) -> Command | None:
    """The command called ``+QLAREG`` or ``+CEREG`` (any case), or None."""
    key = name.upper()
    return COMMANDS.get(key) or MODULE_COMMANDS.get(key)
