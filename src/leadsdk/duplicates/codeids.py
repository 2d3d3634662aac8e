"""Match-code row ids (duplicates feature, pure): the primary id of the `duplicatematchcode` row of one
(rule, record), computed from the two, so that a record's code is found, updated and deleted by its id.

The id is the record's id with its low 62 bits XORed with a mask derived from the rule id::

    code_id(rule, record) = record XOR (blake2b-64(rule id) AND (2**62 - 1))

- It sorts with its record: the high 64 bits (a version-7 id's millisecond and counter) are the record's,
  so the codes that publishing a rule or a bulk create writes (records in id order) append to the
  primary-key index instead of landing on a random page of it (the former uuid5 ids did: at 1,000,000
  codes most inserts read an uncached page).
- It is a valid UUID of the record's version and variant: the version (bits 76-79) and the variant
  (the top two bits of the low half) are not touched, only the 62 bits below the variant.
- Per rule it is a bijection (XOR with a constant), so two records never share a code id under one rule.
  Under two rules, (r1, a) and (r2, b) share an id only when a and b have the same high 64 bits and
  differ in their low 62 bits by exactly mask(r1) XOR mask(r2), a pseudo-random 62-bit number (a hash of
  the rule ids, so also for rule ids that differ in one bit): negligible.

Stores written before this scheme hold uuid5(rule id, str(record id)) ids (random: inserting many
scattered them over the primary-key index); `leadsdk.duplicates.upgrade` re-keys such stores when they
are opened.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import deque
from collections.abc import Sequence
from itertools import repeat
from operator import attrgetter, is_, xor

__all__ = ["code_id", "code_ids", "rule_mask"]


_LOW62 = (1 << 62) - 1


_PERSON = b"leadsdk:mc-id"


def rule_mask(rule_id: uuid.UUID) -> int:
    """The 62 bits a rule XORs into its records' ids (a keyed hash of the rule id)."""
    digest = hashlib.blake2b(rule_id.bytes, digest_size=8, person=_PERSON).digest()
    return int.from_bytes(digest, "big") & _LOW62


_new_uuid = uuid.UUID.__new__
_set_int = uuid.UUID.__dict__["int"].__set__
_set_safe = uuid.UUID.__dict__["is_safe"].__set__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_int_of = attrgetter("int")


def code_id(rule_id: uuid.UUID, record_id: uuid.UUID) -> uuid.UUID:
    """The id of the match-code row of `record_id` under the rule `rule_id` (see the module docstring)."""
    u = _new_uuid(uuid.UUID)
    _set_int(u, record_id.int ^ rule_mask(rule_id))
    _set_safe(u, _SAFE_UNKNOWN)
    return u


def code_ids(rule_id: uuid.UUID, record_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """`code_id` of many records under one rule, with C-level maps (no Python code per id)."""
    n = len(record_ids)
    ids = record_ids if all(map(is_, map(type, record_ids), repeat(uuid.UUID))) else \
        [uuid.UUID(str(r)) for r in record_ids]
    out = list(map(_new_uuid, repeat(uuid.UUID, n)))
    deque(map(_set_int, out, map(xor, map(_int_of, ids), repeat(rule_mask(rule_id)))), 0)
    deque(map(_set_safe, out, repeat(_SAFE_UNKNOWN, n)), 0)
    return out

