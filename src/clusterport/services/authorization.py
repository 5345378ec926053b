"""Authorization of every call: the IAM action and resources, decided by the policy engine.

The gateway calls :func:`authorize` before each operation (providers call it
again for extra checks such as ``iam:PassRole``). It builds the engine's
request from the caller (root, IAM user or role session, with its tags,
source identity and session policies), loads the caller's policies from the
store, adds the global condition keys of the request (``aws:SourceIp``,
``aws:CurrentTime``, ``aws:EpochTime``, ``aws:SecureTransport``,
``aws:RequestedRegion``, ``aws:PrincipalArn`` …) and the keys the provider
supplies (``aws:RequestTag/…``, ``aws:TagKeys``, ``sts:ExternalId`` …), and
decides every resource. A resource of another account needs that account's
resource-based policy too; for ``sts:AssumeRole`` (and ``sts:TagSession``,
``sts:SetSourceIdentity``) the target role's trust policy is that policy.

An account's root acting in its own account is allowed without loading
anything: the engine would allow it too, and the platform's other services
rely on it being cheap.

A denial raises :class:`AccessDeniedError` with AWS's message and one more
sentence saying what to change where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from clusterport.errors import AccessDeniedError
from clusterport.iam import (
    MISSING_BOUNDARY,
    MISSING_IDENTITY,
    MISSING_RESOURCE,
    MISSING_SESSION,
    AttachmentKind,
    AuthorizationRequest,
    DecisionOutcome,
    NamedPolicy,
    PolicyDecision,
    PolicyKind,
    StatementRef,
    access_denied_message,
    evaluate,
)
from clusterport.iam.cache import ParsedPolicies
from clusterport.services.base import RequestContext
from clusterport.services.iam import documents, names
from clusterport.services.iam.principal_policies import (
    CallerPolicies,
    cached_caller,
    known_caller,
)
from clusterport.services.iam.records import IamRecords
from clusterport.store import versions

if TYPE_CHECKING:
    from clusterport.platform import Platform

ContextKeys = Mapping[str, str | Sequence[str]]

#: Actions authorized against a role's trust policy as its resource-based policy.
TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:tagsession", "sts:setsourceidentity"})


def arn_account(arn: str) -> str | None:
    """The account an ARN belongs to (None for ``*`` and account-less ARNs)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[4]:
        return None
    return parts[4]


def resource_owner(arn: str) -> str | None:
    """The 12-digit account owning a resource; None for ``*``, account-less and AWS-owned ARNs."""
    account = arn_account(arn)
    return account if account is not None and account.isdigit() else None


def request_tag_context(tags: Sequence[Mapping[str, Any]] | None) -> dict[str, str | list[str]]:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` for a request that carries ``tags``.

    ``tags`` are ``{"Key": …, "Value": …}`` items, as most AWS APIs take them.
    """
    if not tags:
        return {}
    context: dict[str, str | list[str]] = {
        f"aws:RequestTag/{t['Key']}": str(t.get("Value", "")) for t in tags
    }
    context["aws:TagKeys"] = [str(t["Key"]) for t in tags]
    return context


def global_context(ctx: RequestContext) -> dict[str, str | Sequence[str]]:
    """The global condition keys every request carries (the principal's come from the engine)."""
    now = ctx.now.astimezone(dt.UTC)
    context: dict[str, str | Sequence[str]] = {
        "aws:SourceIp": ctx.source_ip,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": "true" if ctx.secure_transport else "false",
        "aws:RequestedRegion": ctx.region,
    }
    if ctx.user_agent:
        context["aws:UserAgent"] = ctx.user_agent
    return context


def authorize(
    ctx: RequestContext,
    action: str,
    resources: Sequence[str],
    context_keys: ContextKeys | None = None,
    shared: Collection[str] = (),
) -> None:
    """Raise AccessDenied unless the caller may perform ``action`` on every resource.

    ``shared`` names resources of other accounts that the service shares with the
    caller's account (see ``Provider.shared_resources``): the share is their owner's
    grant, so the caller's own policies decide them.
    """
    principal = ctx.principal
    trust = action.lower() in TRUST_ACTIONS

    def owner_of(resource: str) -> str | None:
        return None if resource in shared else resource_owner(resource)

    if (
        principal.is_root
        and not trust
        and all(owner_of(r) in (None, principal.account_id) for r in resources)
    ):
        return
    known = (
        known_caller(principal, ctx.platform, ctx.iam_version)
        if ctx.iam_version is not None and not trust
        else None
    )
    if known is not None:  # the usual call: the caller's policies are kept, no store access
        _decide(ctx, known, action, resources, context_keys, owner_of, None)
        return
    with ctx.platform.db.session() as session:
        caller = cached_caller(session, principal, ctx.platform, ctx.iam_version)
        trust_of = (lambda arn: cached_trust_policy(session, arn, ctx.platform)) if trust else None
        _decide(ctx, caller, action, resources, context_keys, owner_of, trust_of)


def _decide(
    ctx: RequestContext,
    caller: CallerPolicies,
    action: str,
    resources: Sequence[str],
    context_keys: ContextKeys | None,
    owner_of: Callable[[str], str | None],
    trust_of: Callable[[str], NamedPolicy | None] | None,
) -> None:
    """Raise AccessDenied unless ``caller``'s policies allow ``action`` on every resource.

    ``trust_of`` (for the STS actions a role's trust policy decides) gives a
    role ARN's trust policy, None when there is no such role.
    """
    context = {**global_context(ctx), **(context_keys or {})}
    for resource in resources:
        resource_policy = trust_of(resource) if trust_of else None
        request = AuthorizationRequest(
            principal=caller.info,
            action=action,
            resource=resource,
            context=context,
            resource_account=owner_of(resource),
        )
        if trust_of and resource_policy is None:
            decision = PolicyDecision(False, DecisionOutcome.IMPLICIT_DENY, (), MISSING_RESOURCE)
        else:
            decision = evaluate(request, caller.policy_set(resource_policy))
        if not decision.allowed:
            no_role = trust_of is not None and resource_policy is None
            raise AccessDeniedError(
                f"{access_denied_message(request, decision)}. "
                f"{denial_hint(caller, request, decision, no_role)}",
                code=_denied_code(ctx),
            )


def trust_policy(
    session: Session, role_arn: str, cache: ParsedPolicies | None = None
) -> NamedPolicy | None:
    """The trust policy of the role ``role_arn`` names, or None when there is no such role."""
    parsed = names.parse_entity_arn(role_arn)
    if parsed is None or parsed.kind != names.ROLE or not parsed.account_id.isdigit():
        return None
    row = IamRecords(session, parsed.account_id).find(names.ROLE, parsed.name)
    if row is None or row.data["Arn"] != role_arn:
        return None
    return NamedPolicy(
        row.data["Name"],
        None,
        AttachmentKind.INLINE,
        documents.parsed(row.data["AssumeRolePolicyDocument"], PolicyKind.TRUST, cache),
    )


def cached_trust_policy(session: Session, role_arn: str, platform: Platform) -> NamedPolicy | None:
    """:func:`trust_policy`, kept on the platform until the next IAM write."""
    version = versions.current(session, versions.IAM)  # before the role (see versions)
    (found,) = platform.trust_policies.get_or_make(
        (version, role_arn), lambda: (trust_policy(session, role_arn, platform.policies),)
    )
    return found


def denial_hint(
    caller: CallerPolicies,
    request: AuthorizationRequest,
    decision: PolicyDecision,
    unknown_role: bool = False,
) -> str:
    """One sentence saying what to add (or remove) where so the request is allowed."""
    action, resource = request.action, request.resource
    account = caller.info.account_id
    if decision.outcome is DecisionOutcome.EXPLICIT_DENY and decision.deciding:
        ref = decision.deciding[0]
        statement = f"statement {ref.sid!r}" if ref.sid else f"statement {ref.statement_index + 1}"
        return (
            f"Remove or narrow the Deny {statement} in {_policy_place(ref, caller, request)}: "
            "an explicit Deny overrides every Allow."
        )
    if not caller.exists:
        who = caller.label[:1].upper() + caller.label[1:]
        return (
            f"{who} no longer exists in account {account}; its credentials act for nobody "
            "(one created again under the same name is a new principal, with a new unique id). "
            "Use credentials of an existing identity."
        )
    missing = decision.missing or MISSING_IDENTITY
    if missing == MISSING_IDENTITY:
        return (
            f"Add an Allow for {action} on {resource} to a policy of {caller.label} "
            f"in account {account}."
        )
    if missing == MISSING_BOUNDARY:
        boundary = caller.boundary.arn if caller.boundary is not None else "(none)"
        return (
            f"Add {action} on {resource} to the permissions boundary {boundary} of "
            f"{caller.label}, or remove the boundary."
        )
    if missing == MISSING_SESSION:
        return (
            f"The session policy this role session was issued with does not allow {action} "
            f"on {resource}; assume {caller.label} again with a session policy (Policy or "
            "PolicyArns) that allows it, or with none."
        )
    owner = request.resource_account or account
    if request.action.lower() in TRUST_ACTIONS:
        role = names.parse_entity_arn(resource)
        role_name = role.name if role is not None else resource
        who = caller.entity_arn or caller.info.account_root_arn
        check = f"Check that role {resource} exists; then " if unknown_role else ""
        return (
            f"{check}{'its' if check else 'Add a statement to the'} trust policy of role "
            f"{role_name} in account {owner} {'must allow' if check else 'that allows'} "
            f'{action} for {{"AWS": "{who}"}} (or the whole account, '
            f'"{caller.info.account_root_arn}").'
        )
    return (
        f"{resource} belongs to account {owner}, where nothing grants it to {caller.label} of "
        f"account {account}; assume a role in account {owner} that allows {action} and call "
        "with its credentials."
    )


def _policy_place(ref: StatementRef, caller: CallerPolicies, request: AuthorizationRequest) -> str:
    if ref.policy_kind is PolicyKind.BOUNDARY:
        return f"the permissions boundary {ref.policy_arn} of {caller.label}"
    if ref.policy_kind is PolicyKind.SESSION:
        return "the session policy this role session was issued with"
    if ref.policy_kind is PolicyKind.TRUST:
        owner = request.resource_account or caller.info.account_id
        return f"the trust policy of role {ref.policy_name} in account {owner}"
    if ref.policy_kind is PolicyKind.RESOURCE:
        return f"the resource-based policy of {request.resource}"
    if ref.policy_arn:
        return f"managed policy {ref.policy_arn} attached to {caller.label}"
    return f"inline policy {ref.policy_name} of {caller.label}"


def _denied_code(ctx: RequestContext) -> str:
    if ctx.service == "ec2":
        return "UnauthorizedOperation"
    return "AccessDeniedException" if ctx.service in _JSON_SERVICES else "AccessDenied"


_JSON_SERVICES = frozenset({"emr", "sagemaker", "cloudtrail", "servicecatalog"})
