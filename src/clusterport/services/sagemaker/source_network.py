"""Which Studio network a request comes from, by the session tags the launcher sets.

``clusterport studio`` assumes the user's execution role with the transitive
session tags ``sagemaker:domain-arn`` and ``sagemaker:user-profile-arn``, so
they survive role chaining into other accounts (as the connect magic does with
``--assumable-role-arn``). From them, :func:`studio_source` finds the domain's
subnets and the user's security groups (the domain's and the profile's
together): the source of a network path to a cluster. Like every session tag,
they are as trustworthy as the ``sts:TagSession`` permissions of the trust
policies that let them be set.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from clusterport.memo import BoundedMemo
from clusterport.services.base import Principal
from clusterport.services.sagemaker.records import DOMAIN, SageMakerRecords
from clusterport.store import versions

DOMAIN_TAG = "sagemaker:domain-arn"
PROFILE_TAG = "sagemaker:user-profile-arn"


@dataclass(frozen=True)
class StudioSource:
    """The network a Studio user's requests come from."""

    account_id: str
    region: str
    domain_id: str
    user_profile: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]


def _arn_parts(arn: str, kind: str) -> tuple[str, str, list[str]] | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sagemaker":
        return None
    path = parts[5].split("/")
    if path[0] != kind:
        return None
    return parts[3], parts[4], path[1:]


def studio_source(
    session: Session, principal: Principal, kept: BoundedMemo[Hashable, tuple[StudioSource | None]]
) -> StudioSource | None:
    """The Studio network of ``principal``'s session, or None when it names none (or a gone one).

    ``kept`` holds what was found before, by the Studio version
    (:data:`clusterport.store.versions.STUDIO`, bumped by every domain and
    profile write) and the two tags: every Livy request of a Studio user asks.
    """
    domain_arn = principal.session_tags.get(DOMAIN_TAG)
    profile_arn = principal.session_tags.get(PROFILE_TAG)
    if not domain_arn or not profile_arn:
        return None
    version = versions.current(session, versions.STUDIO)  # before the rows (see versions)
    (source,) = kept.get_or_make(
        (version, domain_arn, profile_arn),
        lambda: (_studio_source(session, domain_arn, profile_arn),),
    )
    return source


def _studio_source(session: Session, domain_arn: str, profile_arn: str) -> StudioSource | None:
    domain = _arn_parts(domain_arn, "domain")
    profile = _arn_parts(profile_arn, "user-profile")
    if domain is None or profile is None or len(domain[2]) != 1 or len(profile[2]) != 2:
        return None
    region, account, (domain_id,) = domain
    if profile[:2] != (region, account) or profile[2][0] != domain_id:
        return None
    rec = SageMakerRecords(session, account, region)
    domain_row = rec.store.get(account, region, DOMAIN, domain_id)
    profile_row = rec.find_profile(domain_id, profile[2][1])
    if domain_row is None or profile_row is None:
        return None
    defaults = domain_row.data.get("DefaultUserSettings") or {}
    own = profile_row.data.get("UserSettings") or {}
    groups = dict.fromkeys(
        [*(defaults.get("SecurityGroups") or []), *(own.get("SecurityGroups") or [])]
    )
    return StudioSource(
        account_id=account,
        region=region,
        domain_id=domain_id,
        user_profile=profile[2][1],
        vpc_id=str(domain_row.data["VpcId"]),
        subnet_ids=tuple(domain_row.data["SubnetIds"]),
        security_group_ids=tuple(groups),
    )
