"""STS: who am I, and temporary credentials (role sessions, session tokens).

``GetCallerIdentity`` and ``GetSessionToken`` need no permission, as on AWS.

``AssumeRole`` is authorized by the gateway like every call, against the
role's ARN: the caller's identity policies must allow ``sts:AssumeRole`` and
the role's trust policy must allow the caller (both, across accounts). Passing
session tags also needs ``sts:TagSession``, setting a source identity
``sts:SetSourceIdentity``, on the same terms. The condition keys of the call
(``sts:ExternalId``, ``sts:RoleSessionName``, ``sts:SourceIdentity``,
``sts:TransitiveTagKeys``, ``aws:RequestTag/…``, ``aws:TagKeys``) are given to
every one of these checks. A role assumed from another account records the
call in the role's account too, as AWS does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from clusterport.errors import AccessDeniedError
from clusterport.services import audit
from clusterport.services.authorization import authorize, request_tag_context
from clusterport.services.base import Provider, RequestContext, ResourceArns
from clusterport.services.iam import sessions
from clusterport.services.sts import shapes_generated as shapes


def _role_arns(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    sessions.parse_role_arn(params["RoleArn"])
    return [params["RoleArn"]]


class StsProvider(Provider):
    """The STS API."""

    service = "sts"
    iam_prefix = "sts"
    global_service = True
    unauthorized_operations: ClassVar[frozenset[str]] = frozenset(
        {"GetCallerIdentity", "GetSessionToken"}
    )
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = {"AssumeRole": _role_arns}

    def context_keys_for(
        self, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> Mapping[str, str | Sequence[str]]:
        if operation != "AssumeRole":
            return {}
        keys: dict[str, str | Sequence[str]] = {"sts:RoleSessionName": params["RoleSessionName"]}
        if params.get("ExternalId") is not None:
            keys["sts:ExternalId"] = params["ExternalId"]
        source_identity = params.get("SourceIdentity") or ctx.principal.source_identity
        if source_identity:
            keys["sts:SourceIdentity"] = source_identity
        if params.get("TransitiveTagKeys"):
            keys["sts:TransitiveTagKeys"] = list(params["TransitiveTagKeys"])
        keys.update(request_tag_context(params.get("Tags")))
        return keys

    async def get_caller_identity(
        self, ctx: RequestContext, params: shapes.GetCallerIdentityRequest
    ) -> shapes.GetCallerIdentityResponse:
        principal = ctx.principal
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}

    async def assume_role(
        self, ctx: RequestContext, params: shapes.AssumeRoleRequest
    ) -> shapes.AssumeRoleResponse:
        role_arn = params["RoleArn"]
        context = self.context_keys_for(ctx, "AssumeRole", params)
        if params.get("Tags"):
            authorize(ctx, "sts:TagSession", [role_arn], context)
        if params.get("SourceIdentity") and not ctx.principal.source_identity:
            authorize(ctx, "sts:SetSourceIdentity", [role_arn], context)
        request = sessions.RoleSessionRequest(
            session_name=params["RoleSessionName"],
            duration_seconds=params.get("DurationSeconds"),
            policy=params.get("Policy"),
            policy_arns=tuple(d["arn"] for d in params.get("PolicyArns") or () if d.get("arn")),
            tags=tuple({"Key": t["Key"], "Value": t["Value"]} for t in params.get("Tags") or ()),
            transitive_tag_keys=tuple(params.get("TransitiveTagKeys") or ()),
            source_identity=params.get("SourceIdentity"),
        )
        with ctx.platform.db.session() as session:
            role = sessions.find_role(session, role_arn)
            if role is None:  # deleted since the gateway's check
                raise AccessDeniedError(
                    f"User: {ctx.principal.arn} is not authorized to perform: sts:AssumeRole on "
                    f"resource: {role_arn}. Check that the role exists.",
                    code="AccessDenied",
                )
            answer = sessions.assume_role(
                session, ctx.platform, ctx.principal, role, request, ctx.region, ctx.now
            )
            if role.account_id != ctx.account_id:
                # As on AWS, the role's account sees who assumed its role, too.
                audit.record(
                    session,
                    audit.CallRecord(
                        event_time=ctx.now,
                        region=ctx.region,
                        event_source="sts.amazonaws.com",
                        event_name="AssumeRole",
                        request_id=ctx.request_id,
                        source_ip=ctx.source_ip,
                        user_agent=ctx.user_agent,
                        principal=ctx.principal,
                        account_id=role.account_id,
                        request_parameters=params,
                        resources=(role_arn,),
                    ),
                )
            return answer

    async def get_session_token(
        self, ctx: RequestContext, params: shapes.GetSessionTokenRequest
    ) -> shapes.GetSessionTokenResponse:
        with ctx.platform.db.session() as session:
            return sessions.session_token(
                session, ctx.platform, ctx.principal, params.get("DurationSeconds"), ctx.now
            )
