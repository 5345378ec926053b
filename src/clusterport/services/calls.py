"""Calling another service's operations on someone's behalf, with every check the API makes.

CloudFormation and Service Catalog create real resources through the other
providers (EMR, EC2, IAM, CloudFormation itself), never through their
internals: a call names the service, the operation and its parameters as the
API takes them, and runs as a given principal (the stack's role, the caller,
a launch role). On the way it does what the gateway does for a client call:

* the parameters are decoded against the operation's input shape, the way
  CloudFormation reads property values (scalars as text, coerced to the
  member's type), and checked against its constraints;
* the principal is authorized for the IAM action on the operation's resources;
* the call is recorded in the audit trail, marked as made by the service;
* the provider's method runs.

:meth:`ServiceCaller.lookup` makes a read as the account's root without an
authorization check; it is for the platform's own bookkeeping (does a role
exist, what is a cluster's state), never for acting on a user's behalf.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from botocore import xform_name

from clusterport.errors import ServiceError, ValidationError
from clusterport.services.base import Principal, Provider, RequestContext
from clusterport.services.invocation import invoke, is_served, plain
from clusterport.services.service_models import ServiceModels
from clusterport.services.shapes import ShapeTypeError, decode, validate
from clusterport.templates.syntax import scalar_text

if TYPE_CHECKING:
    from clusterport.platform import Platform

log = logging.getLogger(__name__)

#: The services stacks and catalog products act on.
CALLED_SERVICES = ("emr", "ec2", "iam", "cloudformation")


def root_principal(account_id: str) -> Principal:
    """The root user of ``account_id`` (for the platform's own reads)."""
    return Principal(
        account_id=account_id,
        arn=f"arn:aws:iam::{account_id}:root",
        user_id=account_id,
        kind="root",
        access_key_id="",
    )


def as_text(value: Any) -> Any:
    """``value`` with every scalar turned into CloudFormation's text form.

    Decoding with ``textual=True`` then turns the text back into the type each
    input member declares, as CloudFormation does with property values.
    """
    if isinstance(value, Mapping):
        return {str(k): as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value]
    if value is None:
        return None
    text = scalar_text(value)
    return text if text is not None else value


class ServiceUnavailableError(ServiceError):
    """The platform does not serve the service a resource needs."""

    code = "ServiceUnavailable"
    status = 400
    sender_fault = True


class ServiceCaller:
    """Runs operations of the platform's providers as a given principal."""

    def __init__(self, platform: Platform, invoked_by: str) -> None:
        self.platform = platform
        #: The service name recorded as the caller (``cloudformation.amazonaws.com``).
        self.invoked_by = invoked_by

    @cached_property
    def models(self) -> ServiceModels:
        """The models of the services called (loaded on first use)."""
        return ServiceModels(CALLED_SERVICES)

    def context(
        self, principal: Principal, region: str, service: str, operation: str
    ) -> RequestContext:
        """The request context of one call made by the service for ``principal``."""
        return RequestContext(
            platform=self.platform,
            principal=principal,
            region=region,
            service=service,
            operation=operation,
            request_id=str(uuid.uuid4()),
            source_ip=self.invoked_by,
            now=self.platform.now(),
            user_agent=self.invoked_by,
        )

    def _provider(self, service: str, operation: str) -> Provider:
        provider = self.platform.providers.get(service)
        if provider is None or not is_served(provider, operation):
            raise ServiceUnavailableError(
                f"{service} {operation} is not served by this platform, so this resource "
                "cannot be created here; remove it from the template or create it by hand "
                "and pass its ID as a parameter."
            )
        return provider

    def prepare(self, service: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` decoded against the operation's input shape and checked."""
        op = self.models.get(service).operation(operation)
        if op is None or op.input_shape is None:
            return dict(params)
        try:
            decoded: dict[str, Any] = decode(op.input_shape, as_text(params), textual=True)
        except ShapeTypeError as error:
            raise ValidationError(
                f"Properties for {operation} are malformed: {error}", code="ValidationError"
            ) from None
        violations = validate(op.input_shape, decoded)
        if violations:
            count = len(violations)
            raise ValidationError(
                f"{count} validation error{'s' if count > 1 else ''} detected in the "
                f"{service} {operation} request: " + "; ".join(violations),
                code="ValidationError",
            )
        return decoded

    async def call(
        self,
        principal: Principal,
        region: str,
        service: str,
        operation: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Run ``service``'s ``operation`` as ``principal``, checked and authorized as the API."""
        provider = self._provider(service, operation)
        decoded = self.prepare(service, operation, params)
        ctx = self.context(principal, region, service, operation)
        prefix = self.models.get(provider.service).model.metadata["endpointPrefix"]
        return await invoke(
            ctx,
            provider,
            operation,
            decoded,
            event_source=f"{prefix}.amazonaws.com",
            recorded_params=plain(decoded),
        )

    async def lookup(
        self, account_id: str, region: str, service: str, operation: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A read made by the platform itself, as ``account_id``'s root, not authorized."""
        provider = self._provider(service, operation)
        decoded = self.prepare(service, operation, params)
        ctx = self.context(root_principal(account_id), region, service, operation)
        result = await getattr(provider, xform_name(operation))(ctx, decoded)
        return dict(result or {})
