"""``GET /_studio/login/<token>``: where a presigned domain URL leads.

``CreatePresignedDomainUrl`` hands out ``<public url>/_studio/login/<token>``.
Opening it checks the token (issued, not expired, not used), finds the user
profile's running JupyterLab (the app file its ``clusterport studio``
launcher wrote) and redirects there with the lab's token, using the URL up:

- 302 to ``<lab url>/lab?token=…`` (the token is spent);
- 403 for an unknown, expired or used URL: ask for a new one;
- 409 when no JupyterLab runs for the profile: start it with ``clusterport studio``
  (the URL stays usable until it expires).

Every use of an issued URL, logged in or refused, is recorded in the domain's
account as a CloudTrail event ``StudioLogin`` of ``sagemaker.amazonaws.com``
naming who asked for the URL. The IAM action that guards this door is the one
that issues its URLs: ``sagemaker:CreatePresignedDomainUrl`` on the user
profile.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from clusterport.platform import Platform
from clusterport.services import audit
from clusterport.services.sagemaker import apps, login

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def login_route() -> Route:
    """The route to add to the gateway's app (before its catch-all AWS route)."""
    return Route("/_studio/login/{token}", studio_login, methods=["GET"])


def _page(status: int, title: str, message: str) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=_NO_STORE)


def _audit(
    platform: Platform, request: Request, grant: login.LoginGrant, refusal: str | None
) -> None:
    audit.record_quietly(
        platform,
        audit.CallRecord(
            event_time=platform.now(),
            region=grant.region,
            event_source="sagemaker.amazonaws.com",
            event_name="StudioLogin",
            request_id=str(uuid.uuid4()),
            source_ip=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
            principal=None,
            account_id=grant.account_id,
            request_parameters={
                "domainId": grant.domain_id,
                "userProfileName": grant.user_profile,
            },
            error_code="AccessDenied" if refusal else None,
            error_message=refusal,
            resources=(
                f"arn:aws:sagemaker:{grant.region}:{grant.account_id}:user-profile/"
                f"{grant.domain_id}/{grant.user_profile}",
            ),
            issued_to=grant.issued_to,
        ),
    )


_Refusal = tuple[int, str, str]


def _check(
    platform: Platform, session: Session, grant: login.LoginGrant, now: dt.datetime
) -> _Refusal | apps.RunningApp:
    """Why the login is refused (status, title, message), or the app it leads to."""
    ask_again = (
        "Ask your administrator for a new URL (CreatePresignedDomainUrl, e.g. "
        "aws sagemaker create-presigned-domain-url --domain-id … --user-profile-name …)."
    )
    used = (403, "Studio login URL already used", f"Each URL logs in once. {ask_again}")
    if grant.used:
        return used
    if grant.expired(now):
        return (
            403,
            "Studio login URL expired",
            f"This URL expired at {grant.expires_at.isoformat()}. {ask_again}",
        )
    app = apps.running_app(platform.data_dir, grant.domain_id, grant.user_profile)
    if app is None:
        return (
            409,
            "Studio is not running",
            f"No JupyterLab runs for user profile {grant.user_profile} of domain "
            f"{grant.domain_id}. Start it with: clusterport studio --domain-id "
            f"{grant.domain_id} --user-profile {grant.user_profile}, then open this URL "
            f"again (it is valid until {grant.expires_at.isoformat()}).",
        )
    if not login.redeem(session, grant, now):
        return used
    return app


async def studio_login(request: Request) -> Response:
    """Redeem a presigned domain URL's token and send the browser to the user's JupyterLab."""
    platform: Platform = request.app.state.platform
    token = request.path_params["token"]
    now = platform.now()
    with platform.db.session() as session:
        grant = login.find(session, token)
        if grant is None:  # never issued: no account to record the attempt in
            return _page(
                403,
                "Invalid Studio login URL",
                "This URL is not valid. Ask your administrator for a new URL "
                "(CreatePresignedDomainUrl, e.g. aws sagemaker create-presigned-domain-url "
                "--domain-id … --user-profile-name …).",
            )
        outcome = _check(platform, session, grant, now)
    if isinstance(outcome, tuple):
        _audit(platform, request, grant, outcome[2])
        return _page(*outcome)
    _audit(platform, request, grant, None)
    return RedirectResponse(outcome.lab_url(grant.landing_path), status_code=302, headers=_NO_STORE)
