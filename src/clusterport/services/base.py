"""What every service provider builds on: the caller, the request context, the provider base.

A provider is one class per AWS service with one async method per operation,
named as botocore names it in Python (``DescribeCluster`` → ``describe_cluster``).
Each takes the :class:`RequestContext` and the validated input parameters and
returns plain data shaped like the operation's output; failures are raised as
:class:`clusterport.errors.ServiceError` subclasses.

Which IAM resources an operation touches is declared per provider in
``resource_arns``: a mapping from operation name to a function of the context
and parameters. Operations not listed act on ``*``, as AWS's list operations do.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

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
    #: Operations any authenticated caller may make without a policy (as AWS does for
    #: sts:GetCallerIdentity).
    unauthorized_operations: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def startup(self) -> None:
        """Start the provider's background work with the app (the EMR reconciler); no-op here."""

    async def shutdown(self) -> None:
        """Stop the provider's background work when the app stops; no-op here."""

    def resources_for(
        self, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> list[str]:
        found = self.resource_arns.get(operation)
        return found(ctx, params) if found is not None else ["*"]

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


_ID_ALPHABET = string.ascii_uppercase + string.digits


def random_id(length: int, alphabet: str = _ID_ALPHABET) -> str:
    """A random identifier of ``length`` characters."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hex_id(prefix: str, length: int = 17) -> str:
    """An EC2-style identifier: ``vpc-0a1b2c3d4e5f67890``."""
    return f"{prefix}-{secrets.token_hex(length)[:length]}"
