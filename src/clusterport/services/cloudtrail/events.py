"""Finding audit events as ``LookupEvents`` asks: one account's, one region's, newest first.

Filters on stored columns run in the database; ``ResourceName`` and
``ResourceType`` (which look inside the event's resource list) are applied
while reading, in batches, so a page never loads the whole trail.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from clusterport.services.cloudtrail import shapes_generated as shapes
from clusterport.store.audit import AuditEvent

BATCH = 200

#: CloudFormation-style type names of the resources the platform serves, by (service, type).
RESOURCE_TYPES: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("iam", "role"): "AWS::IAM::Role",
        ("iam", "user"): "AWS::IAM::User",
        ("iam", "policy"): "AWS::IAM::Policy",
        ("iam", "instance-profile"): "AWS::IAM::InstanceProfile",
        ("elasticmapreduce", "cluster"): "AWS::EMR::Cluster",
        ("ec2", "vpc"): "AWS::EC2::VPC",
        ("ec2", "subnet"): "AWS::EC2::Subnet",
        ("ec2", "security-group"): "AWS::EC2::SecurityGroup",
        ("ec2", "route-table"): "AWS::EC2::RouteTable",
        ("ec2", "vpc-peering-connection"): "AWS::EC2::VPCPeeringConnection",
        ("ec2", "internet-gateway"): "AWS::EC2::InternetGateway",
        ("ec2", "instance"): "AWS::EC2::Instance",
        ("sagemaker", "domain"): "AWS::SageMaker::Domain",
        ("sagemaker", "user-profile"): "AWS::SageMaker::UserProfile",
        ("sagemaker", "studio-lifecycle-config"): "AWS::SageMaker::StudioLifecycleConfig",
        ("cloudformation", "stack"): "AWS::CloudFormation::Stack",
        ("servicecatalog", "product"): "AWS::ServiceCatalog::CloudFormationProduct",
        ("servicecatalog", "portfolio"): "AWS::ServiceCatalog::Portfolio",
    }
)

#: LookupAttributes keys answered by a column, and the column.
_COLUMNS = MappingProxyType(
    {
        "EventId": AuditEvent.event_id,
        "EventName": AuditEvent.event_name,
        "Username": AuditEvent.username,
        "EventSource": AuditEvent.event_source,
        "AccessKeyId": AuditEvent.access_key_id,
        "ReadOnly": AuditEvent.read_only,
    }
)


def resource_type(arn: str) -> str | None:
    """The type name of a resource ARN, when the platform knows it."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return None
    kind = parts[5].split("/", 1)[0]
    return RESOURCE_TYPES.get((parts[2], kind))


def _resource_matches(arn: str, value: str) -> bool:
    return arn == value or arn.rsplit("/", 1)[-1] == value or arn.rsplit(":", 1)[-1] == value


@dataclass(frozen=True)
class EventQuery:
    """What to look up: one account's events in one region, within a time window."""

    account_id: str
    region: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    attribute_key: str | None = None
    attribute_value: str | None = None

    def statement(self) -> Select[AuditEvent]:
        query = select(AuditEvent).where(
            AuditEvent.account_id == self.account_id, AuditEvent.region == self.region
        )
        if self.start is not None:
            query = query.where(AuditEvent.event_time >= self.start)
        if self.end is not None:
            query = query.where(AuditEvent.event_time <= self.end)
        column = _COLUMNS.get(self.attribute_key or "")
        if column is not None:
            query = query.where(column == self.attribute_value)
        return query.order_by(AuditEvent.event_time.desc(), AuditEvent.pk.desc())

    def keeps(self, event: AuditEvent) -> bool:
        """The checks that look inside an event's resources."""
        value = self.attribute_value or ""
        if self.attribute_key == "ResourceName":
            return any(_resource_matches(r, value) for r in event.resource_names or [])
        if self.attribute_key == "ResourceType":
            return any(resource_type(r) == value for r in event.resource_names or [])
        return True


def events_after(
    session: Session, query: EventQuery, cursor: tuple[dt.datetime, int] | None
) -> Iterator[AuditEvent]:
    """Matching events, newest first, after ``cursor`` (the time and key of the last one seen)."""
    while True:
        statement = query.statement()
        if cursor is not None:
            when, pk = cursor
            statement = statement.where(
                or_(
                    AuditEvent.event_time < when,
                    and_(AuditEvent.event_time == when, AuditEvent.pk < pk),
                )
            )
        batch = list(session.scalars(statement.limit(BATCH)))
        for event in batch:
            if query.keeps(event):
                yield event
        if len(batch) < BATCH:
            return
        cursor = (batch[-1].event_time, batch[-1].pk)


def output(event: AuditEvent) -> shapes.Event:
    """CloudTrail's ``Event`` shape, with the full record as ``CloudTrailEvent`` JSON."""
    resources: list[shapes.Resource] = [
        {"ResourceType": kind, "ResourceName": arn} if kind else {"ResourceName": arn}
        for arn in event.resource_names or []
        if arn != "*"
        for kind in [resource_type(arn)]
    ]
    record = dict(event.event)
    if resources and "resources" not in record:
        record["resources"] = [
            {
                "ARN": r["ResourceName"],
                "accountId": event.account_id,
                **({"type": r["ResourceType"]} if "ResourceType" in r else {}),
            }
            for r in resources
        ]
    out: shapes.Event = {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": event.read_only,
        "EventTime": event.event_time,
        "EventSource": event.event_source,
        "Resources": resources,
        "CloudTrailEvent": json.dumps(record),
    }
    if event.access_key_id:
        out["AccessKeyId"] = event.access_key_id
    if event.username:
        out["Username"] = event.username
    return out
