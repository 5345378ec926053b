"""The one-time tokens behind presigned domain URLs.

``CreatePresignedDomainUrl`` issues a random token and keeps only its SHA-256
digest, with the domain, the profile and the expiry, as a row of kind
``presigned-domain-url``. The login route (``GET /_studio/login/<token>``) finds
the row by digest, and redeems it at most once: the row is flipped from
``valid`` to ``used`` by one conditional UPDATE, so two concurrent logins with
the same URL cannot both succeed. Rows are purged a day after they expire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from clusterport.services.sagemaker.names import SERVICE
from clusterport.services.sagemaker.records import invalid
from clusterport.store.resources import ResourceRow, ResourceStore

KIND = "presigned-domain-url"
VALID = "valid"
USED = "used"
#: How long an expired or used token is still recognised (to say "expired" or "used").
_KEEP_AFTER_EXPIRY = dt.timedelta(days=1)
#: LandingUri prefixes that land in the user's JupyterLab (the only app the launcher runs).
_LANDINGS = ("studio::", "app:JupyterLab:", "app:JupyterServer:")


def landing_path(landing_uri: str | None) -> str:
    """The lab path a ``LandingUri`` asks for (``""`` for the lab's start page)."""
    if not landing_uri:
        return ""
    for prefix in _LANDINGS:
        if landing_uri.startswith(prefix):
            path = landing_uri[len(prefix) :].strip("/")
            if ".." in path.split("/"):
                raise invalid(f"LandingUri {landing_uri!r} may not leave the user's home (..).")
            return path
    raise invalid(
        f"LandingUri {landing_uri!r} is not supported: Studio apps here are JupyterLab; use "
        "'studio::<relative/path>', 'app:JupyterLab:<relative/path>' or omit it."
    )


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LoginGrant:
    """What a presigned URL grants: a login to one profile's app until ``expires_at``."""

    pk: int
    account_id: str
    region: str
    domain_id: str
    user_profile: str
    expires_at: dt.datetime
    session_expires_in: int
    landing_path: str
    used: bool
    #: ``(ARN, principal id)`` of who asked for the URL (CreatePresignedDomainUrl's caller).
    issued_to: tuple[str, str] | None = None

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at


def issue(
    session: Session,
    *,
    account_id: str,
    region: str,
    domain_id: str,
    user_profile: str,
    now: dt.datetime,
    expires_in: int,
    session_expires_in: int,
    landing: str,
    issued_to: tuple[str, str] | None = None,
) -> str:
    """Store a new one-time token and return it (the only time it is seen)."""
    purge(session, now)
    token = secrets.token_urlsafe(32)
    ResourceStore(session, SERVICE).add(
        account_id=account_id,
        region=region,
        kind=KIND,
        resource_id=digest(token),
        parent_id=f"{domain_id}/{user_profile}",
        state=VALID,
        now=now,
        data={
            "DomainId": domain_id,
            "UserProfileName": user_profile,
            "ExpiresAt": (now + dt.timedelta(seconds=expires_in)).isoformat(),
            "SessionExpirationDurationInSeconds": session_expires_in,
            "LandingPath": landing,
            "IssuedTo": list(issued_to) if issued_to else None,
        },
    )
    return token


def find(session: Session, token: str) -> LoginGrant | None:
    """The grant of ``token``, used or not, or None when it was never issued (or purged)."""
    row = session.scalars(
        select(ResourceRow).where(
            ResourceRow.service == SERVICE,
            ResourceRow.kind == KIND,
            ResourceRow.resource_id == digest(token),
        )
    ).first()
    if row is None:
        return None
    data = row.data
    return LoginGrant(
        pk=row.pk,
        account_id=row.account_id,
        region=row.region,
        domain_id=str(data["DomainId"]),
        user_profile=str(data["UserProfileName"]),
        expires_at=dt.datetime.fromisoformat(str(data["ExpiresAt"])),
        session_expires_in=int(data["SessionExpirationDurationInSeconds"]),
        landing_path=str(data.get("LandingPath", "")),
        used=row.state != VALID,
        issued_to=(str(issued[0]), str(issued[1])) if (issued := data.get("IssuedTo")) else None,
    )


def redeem(session: Session, grant: LoginGrant, now: dt.datetime) -> bool:
    """Mark the grant used; False when it was used (by anyone) or expired meanwhile."""
    if grant.expired(now):
        return False
    result = session.execute(
        update(ResourceRow)
        .where(ResourceRow.pk == grant.pk, ResourceRow.state == VALID)
        .values(state=USED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def purge(session: Session, now: dt.datetime) -> None:
    """Forget tokens that expired more than a day ago."""
    stale = [
        row.pk
        for row in ResourceStore(session, SERVICE).find(KIND)
        if dt.datetime.fromisoformat(str(row.data["ExpiresAt"])) + _KEEP_AFTER_EXPIRY < now
    ]
    if stale:
        session.execute(
            delete(ResourceRow)
            .where(ResourceRow.pk.in_(stale))
            .execution_options(synchronize_session=False)
        )
