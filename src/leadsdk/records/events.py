"""Record events: the typed extension points of the record engine (records layer).

A feature reacts to writes with listeners declared where its rules live::

    @listens_for("before_create", tables=("lead", "opportunity"))
    def start_sales_process(ctx: Context, t: EntityMetadata, id_: UUID, row: dict[str, Any], _: None) -> None:
        '''New leads and opportunities start at the Qualify stage.'''

The pipeline builds one `Events` per store from the feature modules in its `FEATURES` order; the
listeners of one event run in that order (and, within a module, in the order they are defined). A
listener may raise an `OrganizationServiceFault` to stop the write; it runs inside the request's
transaction, and writes it makes through `ctx.execute(...)` commit or roll back with it.

The events and what their listeners receive:

- ``before_create(ctx, table, id, row, None)``: the row about to be inserted (listeners may change it).
- ``after_create(ctx, table, id, row, None)``: the row was inserted.
- ``before_update(ctx, table, id, changes, existing)``: columns about to change (may be changed).
- ``after_update(ctx, table, id, changes, existing)``: the change was written. ``existing`` is the stored
  row as the update read it first (`records.write.update_columns_needed`): a lookup's id (and a polymorphic
  one's ``@type``), not necessarily its target's name.
- ``before_delete(ctx, table, id)`` / ``after_delete(ctx, table, id)``.
- ``state_change(ctx, table, existing, state, status)``: a record is created in or moved to a
  state; extra state-transition rules (raise to refuse the transition).
- ``after_associate(ctx, relationship, entity1_id, entity2_id)`` / ``after_disassociate(...)``: an
  N:N row was added / removed.
- ``batch_start(ctx)`` / ``batch_end(ctx, ok)``: a bulk write (`batched(ctx)`) begins / ends; listeners
  may hold work back during the batch (audit rows) and do it at the end when `ok`, dropping it otherwise.

An update listener declared with `changing=(columns)` runs only for updates whose changes (as they are
when its turn comes) name one of them: `update_record` and UpdateMultiple skip the call otherwise (the
listener still checks what it needs; other events call it whatever the columns).

A create listener may also have a *column form* (`column_form(listener)`), which bulk creates call once
per chunk of rows given column by column: `form(ctx, table, columns, n) -> bool` (False: "give me rows").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

if TYPE_CHECKING:
    from leadsdk.records.context import Context

__all__ = ["EVENTS", "Event", "Events", "Listener", "batched", "column_form", "listens_for", "seeders", "seeds_store",
           "upgraders", "upgrades_store"]

Event = Literal["before_create", "after_create", "before_update", "after_update", "before_delete",
                "after_delete", "state_change", "after_associate", "after_disassociate", "batch_start",
                "batch_end"]
EVENTS: tuple[Event, ...] = get_args(Event)

Listener = Callable[..., None]
ColumnForm = Callable[..., bool]
_F = TypeVar("_F", bound=Callable[..., Any])

_MARK = "__leadsdk_listens_for__"
_FORM = "__leadsdk_column_form__"


def listens_for(event: Event | tuple[Event, ...], *, tables: Iterable[str] | None = None,
                changing: Iterable[str] | None = None) -> Callable[[_F], _F]:
    """Declare the function a listener of `event` (or of several), for writes of `tables` only (default:
    every table), and of updates changing one of `changing` only (default: any; see the module
    docstring). Declaring registers nothing: the pipeline collects listeners from its FEATURES."""
    names = (event,) if isinstance(event, str) else tuple(event)
    for name in names:
        if name not in EVENTS:
            raise ValueError(f"{name!r} is not a record event; the events are {', '.join(EVENTS)}")
    only = None if tables is None else frozenset(tables)
    when = None if changing is None else frozenset(changing)

    def mark(fn: _F) -> _F:
        marks: list[tuple[str, frozenset[str] | None, frozenset[str] | None]] = list(getattr(fn, _MARK, ()))
        marks.extend((n, only, when) for n in names)
        setattr(fn, _MARK, tuple(marks))
        return fn

    return mark


def column_form(listener: Callable[..., Any]) -> Callable[[_F], _F]:
    """Declare the decorated function the batch form of a create listener (see the module docstring)."""

    def mark(form: _F) -> _F:
        setattr(listener, _FORM, form)
        return form

    return mark


def form_of(listener: Callable[..., Any]) -> ColumnForm | None:
    """The batch form of a listener, if it has one."""
    form: ColumnForm | None = getattr(listener, _FORM, None)
    return form


_Entry = tuple[Listener, "frozenset[str] | None", "frozenset[str] | None"]
"""A registered listener, the tables it is for (None: all) and the columns an update must change (None: any)."""


class Events:
    """The listeners of one store, by event, in FEATURES order; answers per table (cached)."""

    def __init__(self, modules: Iterable[ModuleType] = ()) -> None:
        self._all: dict[str, list[_Entry]] = {e: [] for e in EVENTS}
        self._by_table: dict[tuple[str, str], tuple[Listener, ...]] = {}
        self._updates: dict[tuple[str, str], tuple[tuple[Listener, frozenset[str] | None], ...]] = {}
        for module in modules:
            for value in list(vars(module).values()):
                for name, only, when in getattr(value, _MARK, ()):
                    if getattr(value, "__module__", None) == module.__name__:
                        self._all[name].append((value, only, when))

    def for_table(self, event: Event, table: str) -> tuple[Listener, ...]:
        """The listeners to call for `event` on a write of `table`, in order."""
        key = (event, table)
        got = self._by_table.get(key)
        if got is None:
            got = self._by_table[key] = tuple(fn for fn, only, _ in self._all[event] if only is None or table in only)
        return got

    def for_update(self, event: Literal["before_update", "after_update"], table: str
                   ) -> tuple[tuple[Listener, frozenset[str] | None], ...]:
        """The listeners of an update event on `table`, in order, each with the columns one of which the
        update's changes must name for it to run (None: it always runs)."""
        key = (event, table)
        got = self._updates.get(key)
        if got is None:
            got = self._updates[key] = tuple((fn, when) for fn, only, when in self._all[event]
                                             if only is None or table in only)
        return got

    def of(self, event: Event) -> tuple[Listener, ...]:
        """Every listener of `event` (events not about one table: associate, disassociate)."""
        return tuple(fn for fn, _, _ in self._all[event])

    def add(self, event: Event, listener: Listener, *, tables: Iterable[str] | None = None,
            changing: Iterable[str] | None = None, first: bool = False) -> None:
        """Add a listener to this store only (tests, embedding apps); `first` runs it before the others."""
        entry = (listener, None if tables is None else frozenset(tables),
                 None if changing is None else frozenset(changing))
        if first:
            self._all[event].insert(0, entry)
        else:
            self._all[event].append(entry)
        self._by_table.clear()
        self._updates.clear()

    def remove(self, event: Event, listener: Listener) -> None:
        """Remove a listener added with `add`."""
        self._all[event] = [e for e in self._all[event] if e[0] is not listener]
        self._by_table.clear()
        self._updates.clear()

    def names(self, event: Event) -> list[str]:
        """`module.function` of each listener of `event`, in order (docs and tests)."""
        return [f"{fn.__module__}.{fn.__qualname__}" for fn, _, _ in self._all[event]]


_SEED = "__leadsdk_seed__"


def seeds_store(fn: _F) -> _F:
    """Declare the function a seeder: it writes the rows a new store starts with (roles, rules, views).
    The pipeline runs the seeders of its FEATURES in order, once, when a store is created."""
    setattr(fn, _SEED, True)
    return fn


def seeders(modules: Iterable[ModuleType]) -> list[Callable[..., None]]:
    """The seeders declared in `modules`, in their order."""
    return _declared(modules, _SEED)


_UPGRADE = "__leadsdk_upgrade__"


def upgrades_store(fn: _F) -> _F:
    """Declare the function an upgrader: it brings a store an earlier leadsdk wrote to this version's
    format (stored rows re-keyed, say). The pipeline runs the upgraders of its FEATURES in order each time
    a store is opened, after seeding and outside any transaction: an upgrader first finds out cheaply
    whether the store needs it (one indexed probe) and does its work in a `setup_transaction` of its own,
    checking again inside it (another process may have upgraded the store meanwhile)."""
    setattr(fn, _UPGRADE, True)
    return fn


def upgraders(modules: Iterable[ModuleType]) -> list[Callable[..., None]]:
    """The upgraders declared in `modules`, in their order."""
    return _declared(modules, _UPGRADE)


def _declared(modules: Iterable[ModuleType], mark: str) -> list[Callable[..., None]]:
    return [v for m in modules for v in list(vars(m).values())
            if getattr(v, mark, False) and getattr(v, "__module__", None) == m.__name__]


_BATCH = "records.batch"


@contextmanager
def batched(ctx: Context) -> Iterator[None]:
    """Run the writes inside as one batch (bulk creates and updates): `batch_start` listeners run first,
    `batch_end` listeners last. Nested blocks are part of the outermost one's batch."""
    if ctx.scratch.get(_BATCH):
        yield
        return
    ctx.scratch[_BATCH] = True
    for start in ctx.events.of("batch_start"):
        start(ctx)
    ok = False
    try:
        yield
        ok = True
    finally:
        del ctx.scratch[_BATCH]
        for end in ctx.events.of("batch_end"):
            end(ctx, ok)
