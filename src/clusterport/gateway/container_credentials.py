"""``GET /_credentials/studio/<domain id>/<profile>``: a Studio app's execution-role credentials.

SageMaker gives a Studio app its execution role through a container-credentials
endpoint; botocore finds it in the app's environment
(``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and ``AWS_CONTAINER_AUTHORIZATION_TOKEN``)
and calls it whenever it needs fresh credentials. The ``clusterport studio``
launcher sets both for JupyterLab, its kernels, terminals and lifecycle
scripts, and registers the app's token (its digest only) in the app's record
(:mod:`clusterport.services.sagemaker.apps`).

A request is answered when its ``Authorization`` header is the token of the
profile's running app. The platform then assumes the profile's execution role
(the domain's default overridden by the profile's) **as the service principal
``sagemaker.amazonaws.com``**, so the role's trust policy needs nothing but
AWS's standard statement for SageMaker. The session carries the profile name
as its source identity and the domain and profile ARNs as transitive session
tags (``sagemaker:domain-arn``, ``sagemaker:user-profile-arn``), as SageMaker
sets them. Answers:

- 200 with ``AccessKeyId``, ``SecretAccessKey``, ``Token``, ``Expiration``, ``RoleArn``;
- 403 for a missing or wrong token, or an app that has stopped (the token is revoked);
- 403 when the role's trust policy does not allow ``sagemaker.amazonaws.com``.

Every answer is recorded in the domain's account as a CloudTrail ``AssumeRole``
event of ``sts.amazonaws.com`` invoked by ``sagemaker.amazonaws.com``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clusterport.errors import AccessDeniedError, ServiceError
from clusterport.platform import Platform
from clusterport.services import audit
from clusterport.services.base import Principal
from clusterport.services.iam.sessions import issue_service_role_session
from clusterport.services.sagemaker import apps
from clusterport.services.sagemaker.records import SageMakerRecords
from clusterport.services.sagemaker.user_settings import merge_settings

SAGEMAKER = "sagemaker.amazonaws.com"
DOMAIN_TAG = "sagemaker:domain-arn"
PROFILE_TAG = "sagemaker:user-profile-arn"
_NO_STORE = {"Cache-Control": "no-store"}


def credentials_route() -> Route:
    """The route to add to the gateway's app (before its catch-all AWS route)."""
    return Route("/_credentials/studio/{domain_id}/{profile}", studio_credentials, methods=["GET"])


def _refuse(message: str, code: str = "AccessDenied") -> Response:
    return JSONResponse({"Code": code, "Message": message}, status_code=403, headers=_NO_STORE)


def session_name_for(profile: str) -> str:
    """The ``RoleSessionName`` and ``SourceIdentity`` of a profile (2 to 64 characters)."""
    return (profile if len(profile) >= 2 else f"{profile}-studio")[:64]


def _execution_role(settings: Mapping[str, Any]) -> str | None:
    role = settings.get("ExecutionRole")
    return role if isinstance(role, str) and role else None


def _issue(platform: Platform, app: apps.AppRegistration) -> dict[str, Any]:
    """Assume the profile's execution role as SageMaker (raises ServiceError when refused)."""
    with platform.db.session() as session:
        records = SageMakerRecords(session, app.account_id, app.region)
        domain = records.domain(app.domain_id)
        profile = records.profile(app.domain_id, app.profile)
        defaults = domain.data.get("DefaultUserSettings") or {}
        settings = merge_settings(defaults, profile.data.get("UserSettings") or {})
    role_arn = _execution_role(settings)
    if role_arn is None:
        raise AccessDeniedError(
            f"Neither domain {app.domain_id} nor user profile {app.profile} sets an "
            "ExecutionRole; set DefaultUserSettings.ExecutionRole with UpdateDomain."
        )
    prefix = f"arn:aws:sagemaker:{app.region}:{app.account_id}"
    name = session_name_for(app.profile)
    issued = issue_service_role_session(
        platform,
        SAGEMAKER,
        role_arn,
        name,
        source_identity=name,
        tags=[
            {"Key": DOMAIN_TAG, "Value": f"{prefix}:domain/{app.domain_id}"},
            {"Key": PROFILE_TAG, "Value": f"{prefix}:user-profile/{app.domain_id}/{app.profile}"},
        ],
        transitive_tag_keys=[DOMAIN_TAG, PROFILE_TAG],
        region=app.region,
        context={
            "aws:SourceAccount": app.account_id,
            "aws:SourceArn": f"{prefix}:user-profile/{app.domain_id}/{app.profile}",
        },
    )
    return {
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret_access_key,
        "Token": issued.session_token,
        "Expiration": issued.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RoleArn": role_arn,
    }


def _audit(
    platform: Platform, request: Request, app: apps.AppRegistration, error: ServiceError | None
) -> None:
    service = Principal(
        account_id=app.account_id,
        arn=SAGEMAKER,
        user_id=SAGEMAKER,
        kind="service",
        access_key_id="",
    )
    audit.record_quietly(
        platform,
        audit.CallRecord(
            event_time=platform.now(),
            region=app.region,
            event_source="sts.amazonaws.com",
            event_name="AssumeRole",
            request_id=str(uuid.uuid4()),
            source_ip=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
            principal=service,
            account_id=app.account_id,
            request_parameters={
                "roleSessionName": session_name_for(app.profile),
                "sourceIdentity": session_name_for(app.profile),
                "domainId": app.domain_id,
                "userProfileName": app.profile,
            },
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            resources=(
                f"arn:aws:sagemaker:{app.region}:{app.account_id}:user-profile/"
                f"{app.domain_id}/{app.profile}",
            ),
        ),
    )


async def studio_credentials(request: Request) -> Response:
    """Answer botocore's container-credentials call of a running Studio app."""
    platform: Platform = request.app.state.platform
    domain_id, profile = request.path_params["domain_id"], request.path_params["profile"]
    token = request.headers.get("authorization", "")
    app = apps.registration(platform.data_dir, domain_id, profile)
    if app is None:
        return _refuse(
            f"No Studio app of user profile {profile} of domain {domain_id} is registered: "
            "credentials are issued only to a running app (start it with clusterport studio)."
        )
    if not token or not app.accepts(token):
        refusal = AccessDeniedError(
            "The authorization token is not the one of this user profile's running app (or "
            "the app has stopped): credentials are issued only to a running app."
        )
        _audit(platform, request, app, refusal)
        return _refuse(refusal.message)
    try:
        answer = await asyncio.to_thread(_issue, platform, app)
    except ServiceError as exc:
        _audit(platform, request, app, exc)
        return _refuse(exc.message, exc.code)
    _audit(platform, request, app, None)
    return JSONResponse(answer, headers=_NO_STORE)
