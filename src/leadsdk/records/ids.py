"""Record ids (records layer): time-ordered RFC 9562 version-7 UUIDs, as Dataverse's sequential GUIDs.

Called by the write paths and by features that insert rows of their own (audit, match codes)."""

from __future__ import annotations

import os
import struct
import time
import uuid
from collections import deque
from collections.abc import Iterator
from itertools import repeat
from operator import and_, lshift, or_

from leadsdk.storage.base import int_uuid_text, uuid_texts_of_halves

__all__ = ["new_id", "new_id_text", "new_id_texts", "new_ids"]


_new_uuid = uuid.UUID.__new__



_set_int = uuid.UUID.__dict__["int"].__set__
_set_safe = uuid.UUID.__dict__["is_safe"].__set__
"""The slots' own setters: through `map`, ~20% cheaper than `object.__setattr__` with the name."""


_urandom = os.urandom


_time_ns = time.time_ns


_SAFE_UNKNOWN = uuid.SafeUUID.unknown


_LOW_MASK = (1 << 62) - 1


_VARIANT = 1 << 63  # RFC 4122 variant bits (10) at the top of the low half


_last_stamp = 0
"""The last id's 60-bit stamp: its millisecond and, below it, 12 bits counting ids within it."""


_random_ids: list[int] = []
"""Random 64-bit numbers read from the OS 512 at a time (one system call, not one per id)."""


if hasattr(os, "register_at_fork"):  # a forked child must not reuse its parent's numbers
    os.register_at_fork(after_in_child=_random_ids.clear)


def _refill() -> int:
    first: int
    first, *rest = struct.unpack(">512Q", _urandom(4096))
    _random_ids.extend(rest)
    return first


def new_id() -> uuid.UUID:
    """A new record id, time-ordered as Dataverse's own ids are (it makes sequential GUIDs so that
    inserts append to the primary-key index instead of landing at random pages).

    The layout is RFC 9562's version 7: 48 bits of Unix milliseconds, the version, 12 bits counting
    the ids of that millisecond (more than 4096 borrow the next one), the variant and 62 random bits.
    One thread's ids sort in the order they were made; ids of several threads or processes stay
    unique through the random bits and sort by time, in any order within a millisecond. No lock:
    threads racing for the stamp at worst share it. Built without uuid.UUID's argument checks."""
    u = _new_uuid(uuid.UUID)
    _set_int(u, _new_int())
    _set_safe(u, _SAFE_UNKNOWN)
    return u


def new_id_text() -> str:
    """`str(new_id())` without the uuid.UUID (nor its text's memo, `storage.base.uuid_text`): the id of a row
    only ever written (an audit row) on a store that keeps ids as text (`Storage.text_ids`)."""
    return int_uuid_text(_new_int())


def _new_int() -> int:
    """The 128 bits of the next id (see `new_id`)."""
    try:
        r = _random_ids.pop()  # atomic: threads never share a number
    except IndexError:
        r = _refill()
    global _last_stamp
    stamp = _last_stamp = max(_time_ns() // 1_000_000 << 12, _last_stamp + 1)
    # the 128 bits of a version-7 id from the stamp (milliseconds << 12 | count) and the random bits
    return ((stamp >> 12) << 16 | 0x7000 | (stamp & 0xFFF)) << 64 | _VARIANT | (r & _LOW_MASK)


def _halves(n: int) -> tuple[list[int], Iterator[int]]:
    """The high and low 64 bits of the next `n` ids (one clock read, one system call): the stamps of a
    block are consecutive, so the high halves are one range per millisecond the block spans; the low
    halves are the random numbers with the variant."""
    global _last_stamp
    first = max(_time_ns() // 1_000_000 << 12, _last_stamp + 1)
    last = _last_stamp = first + n - 1
    highs: list[int] = []
    stamp = first
    while stamp <= last:  # the stamps within one millisecond: version 7 and a count in the high half
        ms = stamp >> 12
        end = min(last, ms << 12 | 0xFFF)
        base = ms << 16 | 0x7000
        highs.extend(range(base | stamp & 0xFFF, (base | end & 0xFFF) + 1))
        stamp = end + 1
    lows = map(or_, map(and_, struct.unpack(f">{n}Q", _urandom(8 * n)), repeat(_LOW_MASK)), repeat(_VARIANT))
    return highs, lows


def new_ids(n: int) -> list[uuid.UUID]:
    """`n` ids as `n` calls of `new_id` make them, with C-level maps instead of Python code per id."""
    highs, lows = _halves(n)
    out = list(map(_new_uuid, repeat(uuid.UUID, n)))
    deque(map(_set_int, out, map(or_, map(lshift, highs, repeat(64)), lows)), 0)
    deque(map(_set_safe, out, repeat(_SAFE_UNKNOWN, n)), 0)
    return out


def new_id_texts(n: int) -> list[str]:
    """The canonical texts of `n` new ids, made as `new_ids` makes them, without a uuid.UUID each: for
    rows only ever written on a store that keeps ids as text (`Storage.text_ids`), such as audit rows."""
    highs, lows = _halves(n)
    fmt = f">{n}Q"
    return uuid_texts_of_halves(struct.pack(fmt, *highs), struct.pack(fmt, *lows))
