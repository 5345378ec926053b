"""Temporary credentials: role sessions (``AssumeRole``) and session tokens (``GetSessionToken``).

Credentials are rows of ``session_credentials``: the secret sealed with the
server's key, only a digest of the session token, and what the session acts
as (role, session name, session policies, session tags and which of them are
transitive, source identity, the issuing role's ARN). Authentication reads
them back; expired ones are refused there with ``ExpiredToken``.

Role chaining (a role session assuming a role) follows AWS: at most one hour,
the caller's transitive session tags are carried into the new session and may
not be overridden, and a source identity, once set, stays and may not change.

:func:`issue_service_role_session` lets the platform itself act as an AWS
service (``sagemaker.amazonaws.com`` starting a Studio app with the user
profile's execution role): it is allowed only when the role's trust policy
names that service.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from clusterport.errors import AccessDeniedError, ValidationError
from clusterport.iam import (
    AttachmentKind,
    AuthorizationRequest,
    MalformedPolicyError,
    NamedPolicy,
    PolicyKind,
    PolicySet,
    PolicySizeError,
    PrincipalInfo,
    PrincipalKind,
    SizeQuota,
    evaluate,
    parse_policy,
    policy_size,
)
from clusterport.platform import Platform
from clusterport.services.base import Principal
from clusterport.services.iam import documents, managed_policies, names, roles
from clusterport.services.iam.errors import validation
from clusterport.services.iam.principal_policies import encode_session_policies
from clusterport.services.iam.records import IamRecords
from clusterport.services.identity import new_access_key_id, new_secret, token_digest
from clusterport.services.sts import shapes_generated as sts_shapes
from clusterport.store.identity import SessionCredential
from clusterport.store.resources import ResourceRow

DEFAULT_ROLE_SESSION = 3600
MIN_SESSION = 900
#: Role chaining: a role session assuming a role gets at most an hour.
CHAINED_MAX = 3600
DEFAULT_SESSION_TOKEN = 43200
MAX_SESSION_TOKEN = 129600
ROOT_SESSION_TOKEN_MAX = 3600
MAX_SESSION_TAGS = 50
#: Packed session policies and tags are measured against this many characters.
PACKED_LIMIT = 2048
#: Expired credentials are kept this long (to answer ExpiredToken), then purged.
KEEP_EXPIRED = dt.timedelta(days=1)


@dataclass(frozen=True)
class IssuedCredentials:
    """Temporary credentials, the only time their secret and token are shown."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime

    def output(self) -> sts_shapes.Credentials:
        """STS's ``Credentials`` shape."""
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration,
        }


@dataclass(frozen=True)
class RoleSessionRequest:
    """What a role session is asked for (``AssumeRole``'s parameters, checked)."""

    session_name: str
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[Mapping[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None


def _issue(
    session: Session,
    platform: Platform,
    *,
    account_id: str,
    kind: str,
    now: dt.datetime,
    seconds: int,
    **fields: Any,
) -> IssuedCredentials:
    session.execute(
        delete(SessionCredential).where(
            SessionCredential.account_id == account_id,
            SessionCredential.expires_at < now - KEEP_EXPIRED,
        )
    )
    key_id, secret = new_access_key_id("ASIA"), new_secret()
    token = secrets.token_urlsafe(180)
    expires = now + dt.timedelta(seconds=seconds)
    session.add(
        SessionCredential(
            access_key_id=key_id,
            account_id=account_id,
            secret_sealed=platform.secrets.seal(secret),
            token_digest=token_digest(token),
            kind=kind,
            issued_at=now,
            expires_at=expires,
            **fields,
        )
    )
    session.flush()
    return IssuedCredentials(key_id, secret, token, expires)


def find_role(session: Session, role_arn: str) -> ResourceRow | None:
    """The role an ARN names (path included), or None."""
    parsed = names.parse_entity_arn(role_arn)
    if parsed is None or parsed.kind != names.ROLE or not parsed.account_id.isdigit():
        return None
    row = IamRecords(session, parsed.account_id).find(names.ROLE, parsed.name)
    if row is None or row.data["Arn"] != role_arn:
        return None
    return row


def parse_role_arn(role_arn: str) -> names.EntityArn:
    """The parts of a role ARN; ``ValidationError`` naming the expected form otherwise."""
    parsed = names.parse_entity_arn(role_arn)
    if parsed is None or parsed.kind != names.ROLE or not parsed.account_id.isdigit():
        raise validation(
            f"RoleArn {role_arn!r} is not a role ARN: pass "
            "arn:aws:iam::ACCOUNT_ID:role/[PATH/]ROLE_NAME."
        )
    return parsed


def _duration(requested: int | None, role: ResourceRow, chained: bool) -> int:
    seconds = DEFAULT_ROLE_SESSION if requested is None else int(requested)
    maximum = int(role.data["MaxSessionDuration"])
    if seconds < MIN_SESSION:
        raise validation(f"DurationSeconds must be at least {MIN_SESSION} seconds (15 minutes).")
    if chained and seconds > CHAINED_MAX:
        raise validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
            f"by role chaining: this call is made with role session credentials, so ask for at "
            f"most {CHAINED_MAX} seconds."
        )
    if seconds > maximum:
        raise validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role: "
            f"role {role.data['Name']} allows at most {maximum} seconds; ask for less or raise "
            "its MaxSessionDuration with UpdateRole."
        )
    return seconds


def _session_tags(
    caller: Principal, request: RoleSessionRequest
) -> tuple[dict[str, str], list[str]]:
    carried = {k: v for k, v in caller.session_tags.items() if k in set(caller.transitive_tag_keys)}
    carried_lower = {k.lower() for k in carried}
    tags: dict[str, str] = dict(carried)
    seen: set[str] = set()
    for tag in request.tags:
        tag_key = str(tag["Key"])
        if tag_key.lower().startswith("aws:"):
            raise _bad_value(f"Session tag key {tag_key!r} may not start with 'aws:'.")
        if tag_key.lower() in seen:
            raise _bad_value(
                f"Duplicate tag keys found: {tag_key!r}. Please note that Tag keys are case "
                "insensitive; pass each key once."
            )
        if tag_key.lower() in carried_lower:
            raise _bad_value(
                f"Session tag {tag_key!r} is a transitive tag of the calling session and cannot "
                "be overridden in a chained AssumeRole; leave it out."
            )
        seen.add(tag_key.lower())
        tags[tag_key] = str(tag.get("Value", ""))
    for tag_key in request.transitive_tag_keys:
        if tag_key.lower() not in seen:
            raise _bad_value(
                f"Transitive tag key {tag_key!r} is not one of the session tags passed in Tags; "
                "each TransitiveTagKeys entry must name a tag of this call."
            )
    if len(tags) > MAX_SESSION_TAGS:
        raise _bad_value(
            f"A session has at most {MAX_SESSION_TAGS} session tags (including the transitive "
            f"tags carried from the calling session); this one would have {len(tags)}."
        )
    transitive = list(carried) + [
        k
        for k in (str(t["Key"]) for t in request.tags)
        if k.lower() in {x.lower() for x in request.transitive_tag_keys}
    ]
    return tags, transitive


def _bad_value(message: str) -> ValidationError:
    return ValidationError(message, code="InvalidParameterValue", status=400)


def _session_policy(request: RoleSessionRequest, role_rec: IamRecords) -> str | None:
    if request.policy is None:
        stored_policy = None
    else:
        text = documents.text_of(request.policy)
        try:
            parse_policy(text, PolicyKind.SESSION, quota=SizeQuota.SESSION_POLICY)
        except PolicySizeError as exc:
            raise ValidationError(
                f"{exc.reason}: the session policy is too large ({exc.hint})",
                code="PackedPolicyTooLarge",
                status=400,
            ) from exc
        except MalformedPolicyError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            raise ValidationError(
                f"{exc.reason} (session policy){hint}", code="MalformedPolicyDocument", status=400
            ) from exc
        stored_policy = text
    for arn in request.policy_arns:
        if managed_policies.find(role_rec, arn) is None:
            raise validation(
                f"Session policy {arn} does not exist: PolicyArns must name managed policies "
                f"of the role's account {role_rec.account_id} or AWS-managed policies."
            )
    return encode_session_policies(stored_policy, request.policy_arns)


def _packed_size(policy: str | None, tags: Mapping[str, str]) -> int:
    size = policy_size(policy) if policy else 0
    size += sum(len(k) + len(v) for k, v in tags.items())
    percent = math.ceil(100 * size / PACKED_LIMIT)
    if percent > 100:
        raise ValidationError(
            f"Packed size of the session policy and session tags is {percent}% of the limit; "
            "pass a shorter policy or fewer tags.",
            code="PackedPolicyTooLarge",
            status=400,
        )
    return percent


def assume_role(
    session: Session,
    platform: Platform,
    caller: Principal,
    role: ResourceRow,
    request: RoleSessionRequest,
    region: str,
    now: dt.datetime,
) -> sts_shapes.AssumeRoleResponse:
    """Issue a role session for ``caller`` (already authorized) and answer as ``AssumeRole``."""
    chained = caller.kind == "assumed-role"
    seconds = _duration(request.duration_seconds, role, chained)
    tags, transitive = _session_tags(caller, request)
    source_identity = caller.source_identity
    if request.source_identity is not None:
        if request.source_identity.lower().startswith("aws:"):
            raise validation("SourceIdentity may not start with 'aws:'; choose another value.")
        if source_identity is not None and request.source_identity != source_identity:
            raise validation(
                f"The source identity of this session is {source_identity!r} and cannot be "
                "changed; omit SourceIdentity or pass the same value."
            )
        source_identity = request.source_identity
    role_rec = IamRecords(session, role.account_id)
    session_policy = _session_policy(request, role_rec)
    packed = (
        _packed_size(request.policy, {str(t["Key"]): str(t.get("Value", "")) for t in request.tags})
        if request.policy is not None or request.tags
        else None
    )
    role_name, role_id = str(role.data["Name"]), str(role.data["Id"])
    issued = _issue(
        session,
        platform,
        account_id=role.account_id,
        kind="assumed-role",
        now=now,
        seconds=seconds,
        role_name=role_name,
        role_id=role_id,
        session_name=request.session_name,
        session_policy=session_policy,
        session_tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity,
        issuer_arn=str(role.data["Arn"]),
    )
    roles.mark_used(role_rec, role, region, now)
    out: sts_shapes.AssumeRoleResponse = {
        "Credentials": issued.output(),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role_id}:{request.session_name}",
            "Arn": (
                f"arn:aws:sts::{role.account_id}:assumed-role/{role_name}/{request.session_name}"
            ),
        },
    }
    if packed is not None:
        out["PackedPolicySize"] = packed
    if source_identity is not None:
        out["SourceIdentity"] = source_identity
    return out


def session_token(
    session: Session,
    platform: Platform,
    caller: Principal,
    duration_seconds: int | None,
    now: dt.datetime,
) -> sts_shapes.GetSessionTokenResponse:
    """``GetSessionToken``: temporary credentials that act as the calling user (or root)."""
    if caller.kind not in ("root", "user") or caller.access_key_id.startswith("ASIA"):
        raise AccessDeniedError(
            "Cannot call GetSessionToken with session credentials: call it with the long-term "
            "access key of an IAM user or of the account's root.",
            code="AccessDenied",
        )
    maximum = ROOT_SESSION_TOKEN_MAX if caller.kind == "root" else MAX_SESSION_TOKEN
    default = ROOT_SESSION_TOKEN_MAX if caller.kind == "root" else DEFAULT_SESSION_TOKEN
    seconds = default if duration_seconds is None else int(duration_seconds)
    if not MIN_SESSION <= seconds <= maximum:
        who = "the root user" if caller.kind == "root" else "an IAM user"
        raise validation(
            f"DurationSeconds {seconds} is out of range: session tokens of {who} last "
            f"{MIN_SESSION} to {maximum} seconds."
        )
    issued = _issue(
        session,
        platform,
        account_id=caller.account_id,
        kind="session",
        now=now,
        seconds=seconds,
        source_user_name=caller.name if caller.kind == "user" else None,
        role_id=caller.user_id if caller.kind == "user" else None,
        session_tags={},
        transitive_tag_keys=[],
    )
    return {"Credentials": issued.output()}


def issue_service_role_session(
    platform: Platform,
    service_principal: str,
    role_arn: str,
    session_name: str,
    *,
    duration_seconds: int = DEFAULT_ROLE_SESSION,
    source_identity: str | None = None,
    tags: Sequence[Mapping[str, str]] = (),
    transitive_tag_keys: Sequence[str] = (),
    region: str = "",
    context: Mapping[str, str | Sequence[str]] | None = None,
) -> IssuedCredentials:
    """Credentials of ``role_arn`` issued to the platform acting as ``service_principal``.

    Refused with AccessDenied unless the role's trust policy allows
    ``sts:AssumeRole`` for that service (e.g. ``sagemaker.amazonaws.com``).
    ``context`` adds condition keys the service sets (``aws:SourceAccount``,
    ``aws:SourceArn``), so a trust policy that guards against the confused
    deputy with them works as on AWS.
    """
    now = platform.now()
    parsed = parse_role_arn(role_arn)
    with platform.db.session() as session:
        role = find_role(session, role_arn)
        service = PrincipalInfo(
            arn=service_principal, account_id=parsed.account_id, kind=PrincipalKind.SERVICE
        )
        allowed = False
        if role is not None:
            trust = NamedPolicy(
                role.data["Name"],
                None,
                AttachmentKind.INLINE,
                documents.parsed(role.data["AssumeRolePolicyDocument"], PolicyKind.TRUST),
            )
            request = AuthorizationRequest(
                principal=service,
                action="sts:AssumeRole",
                resource=role_arn,
                context={**(context or {}), "sts:RoleSessionName": session_name},
                resource_account=parsed.account_id,
            )
            allowed = evaluate(request, PolicySet(resource=trust)).allowed
        if role is None or not allowed:
            raise AccessDeniedError(
                f"{service_principal} is not authorized to perform: sts:AssumeRole on resource: "
                f"{role_arn}. Add a statement to the trust policy of role {parsed.name} that "
                f'allows sts:AssumeRole for {{"Service": "{service_principal}"}}.',
                code="AccessDenied",
            )
        caller = Principal(
            account_id=parsed.account_id,
            arn=service_principal,
            user_id=service_principal,
            kind="service",
            access_key_id="",
        )
        request_fields = RoleSessionRequest(
            session_name=session_name,
            duration_seconds=duration_seconds,
            tags=tuple(tags),
            transitive_tag_keys=tuple(transitive_tag_keys),
            source_identity=source_identity,
        )
        out = assume_role(session, platform, caller, role, request_fields, region, now)
    credentials = out["Credentials"]
    return IssuedCredentials(
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
        credentials["Expiration"],
    )
