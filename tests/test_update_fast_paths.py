"""The single update's fast paths (upd30): each compared with what the general code gives."""

from __future__ import annotations

import datetime as dt
import random

from leadsdk.storage import dialect

UTC = dt.timezone.utc


def test_datetime_text_equals_isoformat() -> None:
    # SQLite's stored text of a moment: the remembered minute + seconds table give isoformat's digits
    rnd = random.Random(7)
    moments = [dt.datetime(1000, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
               dt.datetime(2026, 12, 7, 0, 0, 0, 0, tzinfo=UTC), dt.datetime(2026, 12, 7, 9, 5, 7, 10, tzinfo=UTC)]
    moments += [dt.datetime(1000, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=rnd.randrange(2 ** 57))
                 for _ in range(3000)]
    for m in moments:
        assert dialect._stored_moment(m) == m.isoformat(" ", "microseconds")[:26]
        assert dialect._stored_moment(m) == m.strftime("%Y-%m-%d %H:%M:%S.%f")
    # through the encoder, also a moment in another zone and one before the year 1000
    east = dt.timezone(dt.timedelta(hours=5, minutes=30))
    local = dt.datetime(2026, 3, 1, 2, 3, 4, 56, tzinfo=east)
    assert dialect._datetime_out(local) == "2026-02-28 20:33:04.000056"
    early = dt.datetime(999, 5, 6, 7, 8, 9, 1, tzinfo=UTC)
    assert dialect._datetime_out(early) == early.strftime("%Y-%m-%d %H:%M:%S.%f")  # (as before: strftime)
