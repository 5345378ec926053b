"""The EC2 rows of one account and region in the generic resource table.

Every EC2 resource is a :class:`~clusterport.store.resources.ResourceRow` of
service ``ec2``; its ``data`` is close to the shape EC2 describes it in, with
tags kept as a ``{key: value}`` mapping under ``"Tags"``. :class:`Ec2Records`
binds a store session to one account and region, so the domain code never
mixes accounts by accident; cross-account reads (peering, group references)
open a second :class:`Ec2Records` for the other account on the same session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clusterport.services.ec2.errors import invalid_value, not_found
from clusterport.store import versions
from clusterport.store.resources import ResourceRow, ScopedResources

SERVICE = "ec2"

VPC = "vpc"
SUBNET = "subnet"
ROUTE_TABLE = "route-table"
SECURITY_GROUP = "security-group"
PEERING = "vpc-peering-connection"
INSTANCE = "instance"
INTERNET_GATEWAY = "internet-gateway"
#: Marks that an account's region has been given its default VPC (once, as on AWS).
REGION_SETUP = "region-setup"

#: Resource-id prefix → kind, for the operations that take any resource id (tags).
KIND_OF_PREFIX: dict[str, str] = {
    "vpc-": VPC,
    "subnet-": SUBNET,
    "rtb-": ROUTE_TABLE,
    "sg-": SECURITY_GROUP,
    "pcx-": PEERING,
    "i-": INSTANCE,
    "igw-": INTERNET_GATEWAY,
}


def kind_of(resource_id: str) -> str | None:
    """The kind of resource an EC2 id names, from its prefix."""
    for prefix, kind in KIND_OF_PREFIX.items():
        if resource_id.startswith(prefix):
            return kind
    return None


class Ec2Records(ScopedResources):
    """The EC2 rows of one account in one region, within one store session.

    Every write bumps the network version (:mod:`clusterport.store.versions`)
    in the same transaction: network snapshots are kept by it.
    """

    def __init__(self, session: Session, account_id: str, region: str) -> None:
        super().__init__(session, SERVICE, account_id, region, versions.NETWORK)

    def other(self, account_id: str, region: str | None = None) -> Ec2Records:
        """The rows of another account (and region) on the same session."""
        return Ec2Records(self.session, account_id, self.region if region is None else region)

    def require(self, kind: str, resource_id: str) -> ResourceRow:
        """The row, or the kind's ``Invalid…ID.NotFound`` error."""
        row = self.get(kind, resource_id)
        if row is None:
            raise not_found(kind, resource_id, self.account_id, self.region)
        return row

    def select(self, kind: str, ids: Iterable[str] | None) -> list[ResourceRow]:
        """The rows named by ``ids`` (every one must exist), or all rows of ``kind``."""
        if ids is None:
            return self.find(kind)
        wanted = list(dict.fromkeys(ids))
        rows = []
        for resource_id in wanted:
            rows.append(self.require(kind, resource_id))
        return rows


def rows_with_id(session: Session, kind: str, resource_id: str) -> list[ResourceRow]:
    """Every account's row of ``kind`` with ``resource_id`` (shared resources such as peering)."""
    query = select(ResourceRow).where(
        ResourceRow.service == SERVICE,
        ResourceRow.kind == kind,
        ResourceRow.resource_id == resource_id,
    )
    return list(session.scalars(query.order_by(ResourceRow.pk)))


# --------------------------------------------------------------------------- tags


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags as EC2 lists them: ``[{"Key": …, "Value": …}]``."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def with_tags(view: dict[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """``view`` with its ``Tags`` list when there are any (EC2 omits an empty tag set)."""
    if tags:
        view["Tags"] = tag_list(tags)
    return view


def tags_from_list(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``[{"Key": …, "Value": …}]`` as a mapping; keys starting ``aws:`` are reserved."""
    tags: dict[str, str] = {}
    for item in items or ():
        key = str(item.get("Key", ""))
        if not key:
            raise invalid_value("A tag has an empty Key; give every tag a key of 1-127 characters.")
        if key.lower().startswith("aws:"):
            raise invalid_value(
                f"Tag key '{key}' starts with 'aws:', which is reserved for AWS use; "
                "choose another key."
            )
        tags[key] = str(item.get("Value", "") or "")
    return tags


def tags_from_specs(
    specs: Iterable[Mapping[str, Any]] | None, resource_type: str
) -> dict[str, str]:
    """The tags ``TagSpecifications`` give a new resource of ``resource_type``."""
    tags: dict[str, str] = {}
    for spec in specs or ():
        given = spec.get("ResourceType")
        if given is not None and given != resource_type:
            raise invalid_value(
                f"TagSpecifications name resource type '{given}', but this call creates a "
                f"'{resource_type}'; set ResourceType={resource_type}."
            )
        tags.update(tags_from_list(spec.get("Tags")))
    return tags
