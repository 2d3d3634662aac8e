"""Plugins: code registered on a message and table that runs before or after the operation.

Stages as in Dataverse: PRE_VALIDATION (10, before the transaction of the outermost request),
PRE_OPERATION (20) and POST_OPERATION (40), inside the transaction; ordered by rank.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.types import Entity

__all__ = [
    "ENTRY_POINT_GROUP",
    "InvalidPluginExecutionException",
    "PluginExecutionContext",
    "PluginRegistry",
    "PluginStage",
    "PluginStep",
    "clear_entry_point_cache",
]


ENTRY_POINT_GROUP = "leadsdk.plugins"
"""The entry point group an embedding application declares its plugin steps under."""


class PluginStage(enum.IntEnum):
    PRE_VALIDATION = 10
    PRE_OPERATION = 20
    MAIN_OPERATION = 30
    POST_OPERATION = 40


class InvalidPluginExecutionException(Exception):
    """Raise from a plugin to fail the request with this message; everything rolls back."""

    def __init__(self, message: str = "An error occurred in a plug-in.", *, error_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code


@attrs.define(eq=False)
class PluginExecutionContext:
    """What a plugin sees, named as IPluginExecutionContext in snake_case."""

    message_name: str
    primary_entity_name: str | None
    primary_entity_id: uuid.UUID | None
    stage: int
    depth: int
    user_id: uuid.UUID
    initiating_user_id: uuid.UUID
    service: Any
    input_parameters: dict[str, Any] = attrs.field(factory=dict)
    output_parameters: dict[str, Any] = attrs.field(factory=dict)
    pre_entity_images: dict[str, Entity] = attrs.field(factory=dict)
    post_entity_images: dict[str, Entity] = attrs.field(factory=dict)
    shared_variables: dict[str, Any] = attrs.field(factory=dict)
    correlation_id: uuid.UUID = attrs.field(factory=uuid.uuid4)
    parent_context: PluginExecutionContext | None = None
    is_in_transaction: bool = True
    trace: list[str] = attrs.field(factory=list)

    def trace_message(self, message: str) -> None:
        """The ITracingService: lines kept with the context and added to a fault's trace text."""
        self.trace.append(message)


ImageSpec = Sequence[str] | bool | Mapping[str, Sequence[str] | bool] | None


@attrs.define(eq=False)
class PluginStep:
    """A registered step (an `sdkmessageprocessingstep`)."""

    id: uuid.UUID
    message: str
    entity: str | None
    stage: PluginStage
    handler: Callable[[PluginExecutionContext], Any]
    rank: int = 0
    filtering_attributes: frozenset[str] | None = None
    pre_images: dict[str, Sequence[str] | None] = attrs.field(factory=dict)
    post_images: dict[str, Sequence[str] | None] = attrs.field(factory=dict)
    order: int = 0

    def matches(self, message: str, entity: str | None, target_columns: Iterable[str] | None) -> bool:
        if self.message.lower() != message.lower():
            return False
        if self.entity is not None and self.entity != entity:
            return False
        if self.filtering_attributes is not None and target_columns is not None:
            return bool(self.filtering_attributes.intersection(target_columns))
        return True


def _images(spec: ImageSpec, default_name: str) -> dict[str, Sequence[str] | None]:
    """`pre_image=["name"]`, `pre_image=True` (all columns), or `{"Image": [...]}`."""
    if spec is None or spec is False:
        return {}
    if spec is True:
        return {default_name: None}
    if isinstance(spec, Mapping):
        return {k: (None if v is True else list(v) if not isinstance(v, bool) else None) for k, v in spec.items()}
    return {default_name: list(spec)}


class PluginRegistry:
    """The steps registered on one store's services."""

    def __init__(self) -> None:
        self.steps: dict[uuid.UUID, PluginStep] = {}
        self._n = 0

    def register(
        self,
        *,
        message: str,
        entity: str | None,
        stage: PluginStage | int,
        handler: Callable[[PluginExecutionContext], Any],
        rank: int = 0,
        filtering_attributes: Iterable[str] | None = None,
        pre_image: ImageSpec = None,
        post_image: ImageSpec = None,
    ) -> uuid.UUID:
        self._n += 1
        step = PluginStep(
            uuid.uuid4(), message, entity, PluginStage(int(stage)), handler, rank,
            frozenset(filtering_attributes) if filtering_attributes is not None else None,
            _images(pre_image, "PreImage"), _images(post_image, "PostImage"), self._n,
        )
        self.steps[step.id] = step
        return step.id

    def unregister(self, step_id: uuid.UUID) -> bool:
        return self.steps.pop(step_id, None) is not None

    def for_message(self, message: str, entity: str | None, target_columns: Iterable[str] | None
                    ) -> list[PluginStep]:
        if not self.steps:
            return []
        cols = list(target_columns) if target_columns is not None else None
        found = [s for s in self.steps.values() if s.matches(message, entity, cols)]
        found.sort(key=lambda s: (s.stage, s.rank, s.order))
        return found

    def load_entry_points(self, target: Any = None, group: str = ENTRY_POINT_GROUP) -> int:
        """Run the step declarations installed packages ship under the `leadsdk.plugins` entry point group.

        Each entry point names a callable taking `target` (the OrganizationService of the store being
        opened, so it registers with `svc.register_plugin(...)`; this registry when None). Returns how
        many ran. A declaration that fails faults, naming the entry point: a plugin silently missing
        would change what the store does.
        """

        n = 0
        for ep in _entry_points(group):
            try:
                ep.load()(self if target is None else target)
            except OrganizationServiceFault:
                raise
            except Exception as e:
                raise OrganizationServiceFault(
                    ErrorCodes.UNABLE_TO_LOAD_PLUGIN_TYPE,
                    f"The plugin entry point '{ep.name}' ({ep.value}) failed to register: {type(e).__name__}: {e}",
                ) from e
            n += 1
        return n


_EP_CACHE: dict[str, list[Any]] = {}


def _entry_points(group: str) -> list[Any]:
    """The group's entry points, looked up once per process (scanning installed packages is slow)."""
    eps = _EP_CACHE.get(group)
    if eps is None:
        from importlib.metadata import entry_points

        eps = _EP_CACHE[group] = list(entry_points(group=group))
    return eps


def clear_entry_point_cache() -> None:
    """Forget the entry points found so far (after installing a package at run time)."""
    _EP_CACHE.clear()
