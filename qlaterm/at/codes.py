"""The numbers the module prints for LwM2M outcomes and states, as enums.

``StatusCode`` is the ``<status_code>`` of asynchronous results and URCs (source table 6);
``LwM2MState`` is the ``<status>`` of ``+QLASTATUS``.  Both are ``IntEnum``: they print as the bare
number, as on the wire, and compare equal to the integers a parser yields.  Their meanings are the
catalogue's tables (:data:`qlaterm.at.catalogue.STATUS_CODES`, :data:`qlaterm.at.catalogue.LWM2M_STATES`).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["LwM2MState", "StatusCode"]


class StatusCode(IntEnum):
    """``<status_code>``: how a network exchange ended (source table 6)."""

    SUCCESS = 0
    TIMEOUT = 1
    NOT_SENT = 2
    RECOVERY_FAILED = 3
    UPDATE_FAILED = 4
    RESET = 9
    BAD_REQUEST = 10
    FORBIDDEN = 13
    NOT_FOUND = 14
    PRECONDITION_FAILED = 22


class LwM2MState(IntEnum):
    """``+QLASTATUS: <status>``: where the module's LwM2M session stands."""

    NOT_REGISTERED = 0
    REGISTERING = 1
    REGISTERED = 2
    DEREGISTERING = 3
    DEREGISTERED = 4
    INVALID = 5
    RECOVERING = 6
    WAIT_RECOVER = 7
