"""What every service provider builds on: the caller, the request context, the provider base.

A provider is one class per AWS service with one async method per operation,
named as botocore names it in Python (``DescribeCluster`` → ``describe_cluster``).
Each takes the :class:`RequestContext` and the validated input parameters and
returns plain data shaped like the operation's output; failures are raised as
:class:`clusterport.errors.ServiceError` subclasses.

Which IAM resources an operation touches is declared per provider in
``resource_arns``: a mapping from operation name to a function of the context
and parameters. Operations the AWS Service Authorization Reference lists
without resource types (``ListClusters``, ``DescribeVpcs`` …) are named in
``no_resource_operations`` and act on ``*``. Authorization fails closed: an
operation declared in neither is a bug, refused with an internal error and
caught by a test that walks every served operation.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from clusterport.errors import InternalError

if TYPE_CHECKING:
    from clusterport.platform import Platform

PrincipalKind = Literal["root", "user", "assumed-role", "service"]


@dataclass(frozen=True)
class Principal:
    """Who made a request, as established by its verified credentials."""

    account_id: str
    arn: str
    user_id: str
    kind: PrincipalKind
    access_key_id: str
    #: IAM user name, or role name for assumed roles.
    name: str | None = None
    session_name: str | None = None
    role_id: str | None = None
    session_policy: str | None = None
    session_tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    #: The session issuer (the role's ARN) for assumed roles.
    issuer_arn: str | None = None

    @property
    def is_root(self) -> bool:
        return self.kind == "root"


@dataclass(frozen=True)
class RequestContext:
    """One call: who, where, when, and the platform to act on."""

    platform: Platform
    principal: Principal
    region: str
    service: str
    operation: str
    request_id: str
    source_ip: str
    now: dt.datetime
    secure_transport: bool = False
    user_agent: str = ""
    #: The IAM version read when the caller was authenticated (see store.versions): a
    #: caller whose policies are kept under it is authorized without the store.
    iam_version: int | None = None

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        """An ARN in the caller's account: ``arn:aws:<service>:<region>:<account>:<resource>``."""
        where = self.region if region is None else region
        return f"arn:aws:{service}:{where}:{self.account_id}:{resource}"


ResourceArns = Callable[[RequestContext, Mapping[str, Any]], list[str]]


class Provider:
    """The base of every service provider."""

    #: botocore's service name (``emr``, ``sts`` …).
    service: ClassVar[str]
    #: The IAM action prefix (``elasticmapreduce``, ``sts`` …).
    iam_prefix: ClassVar[str]
    #: True for global services (IAM, STS): their resources carry no region.
    global_service: ClassVar[bool] = False
    #: Operation name → the resource ARNs it is authorized against.
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = {}
    #: Operations AWS documents without resource-level permissions: authorized on ``*``.
    no_resource_operations: ClassVar[frozenset[str]] = frozenset()
    #: Operations any authenticated caller may make without a policy (as AWS does for
    #: sts:GetCallerIdentity).
    unauthorized_operations: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    @classmethod
    def declares_resources(cls, operation: str) -> bool:
        """True when ``operation`` says which resources it is authorized against."""
        return (
            operation in cls.resource_arns
            or operation in cls.no_resource_operations
            or operation in cls.unauthorized_operations
        )

    async def startup(self) -> None:
        """Start the provider's background work with the app (the EMR reconciler); no-op here."""

    async def resume(self) -> None:
        """Resume work a previous run left in progress, once the server listens; no-op here."""

    async def shutdown(self) -> None:
        """Stop the provider's background work when the app stops; no-op here."""

    def resources_for(
        self, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> list[str]:
        """The resource ARNs ``operation`` is authorized against; never a silent ``*``."""
        found = self.resource_arns.get(operation)
        if found is not None:
            return found(ctx, params)
        if operation in self.no_resource_operations or operation in self.unauthorized_operations:
            return ["*"]
        raise UndeclaredResourcesError(self.service, operation)

    def shared_resources(self, ctx: RequestContext, resources: Sequence[str]) -> frozenset[str]:
        """Resources of other accounts that the service itself shares with the caller's account.

        Their owner's grant is the share (a Service Catalog portfolio share, say), so the
        caller's own policies decide them as for resources of its account. None by default.
        """
        return frozenset()

    def context_keys_for(
        self, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> Mapping[str, str | Sequence[str]]:
        """Condition keys of this request beyond the global ones, for the gateway's check.

        Override to supply ``aws:RequestTag/…`` and ``aws:TagKeys`` (see
        ``authorization.request_tag_context``) or service keys such as ``sts:ExternalId``.
        """
        return {}

    def region_key(self, ctx: RequestContext) -> str:
        """The region rows of this service are stored under (``""`` for global services)."""
        return "" if self.global_service else ctx.region


class UndeclaredResourcesError(InternalError):
    """An operation is served without declaring its resources: refused, never authorized on *."""

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"{service} {operation} cannot be authorized: the platform declares no resources "
            "for it. This is a defect of the platform; report it."
        )


_ID_ALPHABET = string.ascii_uppercase + string.digits


def random_id(length: int, alphabet: str = _ID_ALPHABET) -> str:
    """A random identifier of ``length`` characters."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hex_id(prefix: str, length: int = 17) -> str:
    """An EC2-style identifier: ``vpc-0a1b2c3d4e5f67890``."""
    return f"{prefix}-{secrets.token_hex(length)[:length]}"
