"""The base of every resource provider: one small class per resource type.

A handler creates, updates and deletes one kind of resource through the API
of the service that owns it (:class:`ResourceApi` calls the platform's
providers as the stack's principal), and says what ``Ref`` and
``Fn::GetAtt`` return. Creation and deletion are two-phase, as in
CloudFormation's resource handlers: ``create`` starts the work and returns the
physical ID; ``check_created`` is polled until it returns the attributes (the
resource is ready) or raises :class:`ResourceFailed`. Most resources are ready
at once, so the default check returns the attributes of ``attributes``.

Updates follow CloudFormation's rule: a change to a property listed in
``updatable`` is applied in place; a change to any other property replaces the
resource (a new one is created, the old one deleted once the stack update
succeeds).
"""

from __future__ import annotations

import secrets
import string
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from clusterport.errors import ServiceError
from clusterport.services.base import Principal
from clusterport.services.calls import ServiceCaller

UpdateKind = Literal["none", "in-place", "replace"]

STACK_NAME_TAG = "aws:cloudformation:stack-name"
STACK_ID_TAG = "aws:cloudformation:stack-id"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"

_SUFFIX_ALPHABET = string.ascii_uppercase + string.digits


class ResourceFailed(Exception):
    """A resource could not be created, updated or deleted; ``reason`` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StackScope:
    """The stack a resource belongs to."""

    stack_name: str
    stack_id: str
    account_id: str
    region: str
    #: The stack's own tags, which CloudFormation passes on to the resources that take tags.
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ResourceRequest:
    """One operation on one resource of a stack."""

    logical_id: str
    resource_type: str
    #: The rendered properties (every intrinsic evaluated).
    properties: Mapping[str, Any]
    physical_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    #: The properties before an update (None otherwise).
    previous_properties: Mapping[str, Any] | None = None


class ResourceApi:
    """What a handler may do: call services as the stack's principal, or read as the platform."""

    def __init__(self, caller: ServiceCaller, principal: Principal, scope: StackScope) -> None:
        self.caller = caller
        self.principal = principal
        self.scope = scope

    async def call(self, service: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """An API call as the stack's principal; a refusal fails the resource with its reason."""
        try:
            return await self.caller.call(
                self.principal, self.scope.region, service, operation, params
            )
        except ServiceError as error:
            raise ResourceFailed(describe_error(service, error)) from error

    async def call_as(
        self, principal: Principal, service: str, operation: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Make an API call as another principal (a peer account's accepter role …)."""
        try:
            return await self.caller.call(principal, self.scope.region, service, operation, params)
        except ServiceError as error:
            raise ResourceFailed(describe_error(service, error)) from error

    async def lookup(
        self, service: str, operation: str, params: Mapping[str, Any], account_id: str | None = None
    ) -> dict[str, Any]:
        """A read made by the platform itself (to follow a resource's progress)."""
        try:
            return await self.caller.lookup(
                account_id or self.scope.account_id, self.scope.region, service, operation, params
            )
        except ServiceError as error:
            raise ResourceFailed(describe_error(service, error)) from error

    def physical_name(self, logical_id: str, max_length: int = 255) -> str:
        """A unique name as CloudFormation makes them: ``<stack>-<logical id>-<suffix>``."""
        suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(12))
        room = max_length - len(suffix) - 2
        stack = self.scope.stack_name
        logical = logical_id
        if len(stack) + len(logical) > room:
            half = max(room // 2, 1)
            stack = stack[: max(room - min(len(logical), half), 1)]
            logical = logical[: max(room - len(stack), 1)]
        return f"{stack}-{logical}-{suffix}"

    def resource_tags(
        self,
        logical_id: str,
        own: Sequence[Mapping[str, Any]] | None = None,
        *,
        reserved: bool = True,
    ) -> list[dict[str, str]]:
        """The stack's tags, the resource's own ``Tags`` and (``reserved``) the ``aws:`` tags.

        Services whose API refuses ``aws:`` keys from callers get those through
        their domain code instead (see :meth:`system_tags`).
        """
        merged: dict[str, str] = dict(self.scope.tags)
        for tag in own or ():
            merged[str(tag.get("Key"))] = str(tag.get("Value", ""))
        if reserved:
            merged.update(self.system_tags(logical_id))
        else:
            merged = {k: v for k, v in merged.items() if not k.lower().startswith("aws:")}
        return [{"Key": k, "Value": v} for k, v in merged.items()]

    def system_tags(self, logical_id: str) -> dict[str, str]:
        """The ``aws:`` tags a resource of the stack carries: CloudFormation's three, and the
        stack's own ``aws:`` tags (Service Catalog's ``aws:servicecatalog:*``)."""
        tags = {k: v for k, v in self.scope.tags if k.lower().startswith("aws:")}
        tags.update(
            {
                STACK_NAME_TAG: self.scope.stack_name,
                STACK_ID_TAG: self.scope.stack_id,
                LOGICAL_ID_TAG: logical_id,
            }
        )
        return tags


def describe_error(service: str, error: ServiceError) -> str:
    """A resource failure reason for a refused call, as CloudFormation words them."""
    message = error.message.rstrip()
    return f"{message} (Service: {service}, Status Code: {error.status}, Error Code: {error.code})"


def changed_properties(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> set[str]:
    """Top-level property names whose values differ between ``old`` and ``new``."""
    before = dict(old or {})
    keys = set(before) | set(new)
    return {k for k in keys if before.get(k) != new.get(k)}


class ResourceHandler(ABC):
    """Creates, updates and deletes one resource type through its service's API."""

    #: The CloudFormation type (``AWS::EC2::VPC``).
    type_name: ClassVar[str]
    #: Top-level properties whose change is applied in place (others replace the resource).
    updatable: ClassVar[frozenset[str]] = frozenset()
    #: Attributes ``Fn::GetAtt`` may name (for the documentation and clear errors).
    attribute_names: ClassVar[tuple[str, ...]] = ()

    def update_kind(self, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> UpdateKind:
        """How a change from ``old`` to ``new`` properties is carried out."""
        changed = changed_properties(old, new)
        if not changed:
            return "none"
        return "in-place" if changed <= self.updatable else "replace"

    @abstractmethod
    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        """Start creating the resource; returns its physical ID."""

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        """The resource's attributes once it is ready; None while it is still being created."""
        return dict(request.attributes)

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        """Apply an in-place update; returns attributes to merge into the stored ones."""
        raise ResourceFailed(
            f"{self.type_name} cannot be updated in place on this platform; change a property "
            "that replaces it, or delete and recreate the stack."
        )

    async def check_updated(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        """The attributes once an in-place update has taken effect; None while it is going on."""
        return dict(request.attributes)

    @abstractmethod
    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        """Start deleting the resource."""

    async def check_deleted(self, api: ResourceApi, request: ResourceRequest) -> bool:
        """True once the resource is gone."""
        return True

    def ref(self, physical_id: str, attributes: Mapping[str, Any]) -> str:
        """What ``Ref`` returns (the physical ID unless the type says otherwise)."""
        return physical_id


def text(properties: Mapping[str, Any], key: str) -> str | None:
    """A property as text (None when absent)."""
    value = properties.get(key)
    return None if value is None else str(value)


def require(properties: Mapping[str, Any], key: str, resource_type: str) -> Any:
    """A required property, or a failure naming it."""
    value = properties.get(key)
    if value is None or value == "":
        raise ResourceFailed(f"Property {key} is required for {resource_type}; add it.")
    return value
