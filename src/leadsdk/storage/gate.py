"""The door of a store: counts the requests running on it so that `close()` never pulls connections
from under a request another thread is running (closing a SQLite connection while a statement runs on
it can crash the interpreter), and so that requests after `close()` fault cleanly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from leadsdk.errors import ErrorCodes, OrganizationServiceFault

__all__ = ["CLOSE_TIMEOUT", "RequestGate", "closed_fault"]

CLOSE_TIMEOUT = 60.0
"""How long `close()` waits for running requests before it refuses."""


def closed_fault() -> OrganizationServiceFault:
    return OrganizationServiceFault(ErrorCodes.INVALID_OPERATION,
                                    "This store has been closed; open it again to make requests.")


class RequestGate:
    """Running requests by thread; `close()` stops new ones and waits for the running ones to end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._running: dict[int, int] = {}
        self.closing = False
        self.closed = False

    def enter(self) -> None:
        """A top-level request starts on this thread: faults once the store is closed (or closing)."""
        me = threading.get_ident()
        with self._lock:  # the condition's lock, taken without the Condition's Python-level wrapper
            if (self.closed or self.closing) and me not in self._running:
                raise closed_fault()
            self._running[me] = self._running.get(me, 0) + 1

    def leave(self) -> None:
        """The request `enter` counted has ended."""
        me = threading.get_ident()
        with self._lock:
            n = self._running[me] - 1
            if n:
                self._running[me] = n
            else:
                del self._running[me]
            if self.closing:  # only close() waits on the condition
                self._cond.notify_all()

    @contextmanager
    def request(self) -> Iterator[None]:
        """Around one top-level request: faults once the store is closed (or closing)."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> bool:
        """Stop new requests and wait for the running ones. False when it was closed already; faults
        (and stays open) when called from inside a request or when requests still run after `timeout`."""
        me = threading.get_ident()
        with self._cond:
            if self.closed:
                return False
            if me in self._running:
                raise OrganizationServiceFault(
                    ErrorCodes.INVALID_OPERATION,
                    "A store cannot be closed from inside one of its own requests (a plugin or handler).")
            self.closing = True
            end = time.monotonic() + timeout
            while self._running:
                left = end - time.monotonic()
                if left <= 0:
                    self.closing = False
                    self._cond.notify_all()
                    raise OrganizationServiceFault(
                        ErrorCodes.INVALID_OPERATION,
                        f"The store was not closed: {sum(self._running.values())} request(s) still running "
                        f"after {timeout:g} s on other threads.")
                self._cond.wait(left)
            self.closed = True
            self.closing = False
            return True
