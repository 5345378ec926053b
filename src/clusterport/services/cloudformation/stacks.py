"""Stacks in the store: their documents, their resources, their events, and how the API shows them.

A stack is one row of the resource table (service ``cloudformation``, kind
``stack``; resource ID = stack ID, name = stack name, state = stack status)
whose document holds everything: template, parameters, tags, the principal
it acts as, outputs, and its resources by logical ID. Each event is a row of
kind ``stack-event`` under the stack. Deleted stacks stay (DELETE_COMPLETE),
found by ID but not by name, as in CloudFormation.

Timestamps in documents are ISO 8601 text; views turn them into datetimes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any, Final, cast

from sqlalchemy.orm import Session

# The stack statuses, which CloudFormation's code reads here as ``st.<status>``.
from clusterport.services.cloudformation import shapes_generated as shapes
from clusterport.services.stack_status import *  # noqa: F403
from clusterport.services.stack_status import DELETE_COMPLETE
from clusterport.store.resources import ResourceRow, ResourceStore
from clusterport.templates import NO_ECHO_MASK

SERVICE: Final = "cloudformation"
STACK: Final = "stack"
EVENT: Final = "stack-event"
STACK_TYPE: Final = "AWS::CloudFormation::Stack"

#: The status of a resource its stack keeps on deletion (``DeletionPolicy: Retain``).
DELETE_SKIPPED: Final = "DELETE_SKIPPED"


def iso(moment: dt.datetime) -> str:
    """A timestamp as stored in documents."""
    return moment.astimezone(dt.UTC).isoformat()


def when(text: str | None) -> dt.datetime | None:
    """A stored timestamp back as a datetime."""
    return dt.datetime.fromisoformat(text) if text else None


class StackStore:
    """Stacks and events of one account and region, within a DB session."""

    def __init__(self, session: Session, account_id: str, region: str) -> None:
        self.rows = ResourceStore(session, SERVICE)
        self.account_id = account_id
        self.region = region

    def get(self, stack_id: str) -> ResourceRow | None:
        """A stack by ID (deleted ones too)."""
        return self.rows.get(self.account_id, self.region, STACK, stack_id)

    def find(self, name_or_id: str) -> ResourceRow | None:
        """A stack by ID (deleted ones too) or by name (live ones only)."""
        if name_or_id.startswith("arn:"):
            return self.get(name_or_id)
        for row in reversed(
            self.rows.find(STACK, account_id=self.account_id, region=self.region, name=name_or_id)
        ):
            if row.state != DELETE_COMPLETE:
                return row
        return None

    def all(self, *, live_only: bool = False) -> list[ResourceRow]:
        """Every stack of the account and region, newest first."""
        rows = self.rows.find(STACK, account_id=self.account_id, region=self.region)
        if live_only:
            rows = [r for r in rows if r.state != DELETE_COMPLETE]
        return list(reversed(rows))

    def add(self, document: dict[str, Any], now: dt.datetime) -> ResourceRow:
        return self.rows.add(
            account_id=self.account_id,
            region=self.region,
            kind=STACK,
            resource_id=str(document["StackId"]),
            name=str(document["StackName"]),
            state=str(document["StackStatus"]),
            data=document,
            now=now,
        )

    def save(self, row: ResourceRow, document: dict[str, Any], now: dt.datetime) -> None:
        self.rows.update(row, document, now, state=str(document["StackStatus"]))

    def add_event(
        self,
        document: Mapping[str, Any],
        now: dt.datetime,
        *,
        logical_id: str,
        physical_id: str | None,
        resource_type: str,
        status: str,
        reason: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> None:
        event_id = f"{logical_id}-{status}-{uuid.uuid4()}"
        data: dict[str, Any] = {
            "StackId": document["StackId"],
            "EventId": event_id,
            "StackName": document["StackName"],
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "Timestamp": iso(now),
            "ResourceStatus": status,
        }
        if physical_id:
            data["PhysicalResourceId"] = physical_id
        if reason:
            data["ResourceStatusReason"] = reason
        if properties is not None:
            data["ResourceProperties"] = json.dumps(properties)
        if document.get("ClientRequestToken"):
            data["ClientRequestToken"] = document["ClientRequestToken"]
        self.rows.add(
            account_id=self.account_id,
            region=self.region,
            kind=EVENT,
            resource_id=event_id,
            parent_id=str(document["StackId"]),
            state=status,
            data=data,
            now=now,
        )

    def events(self, stack_id: str) -> list[dict[str, Any]]:
        """A stack's events, newest first."""
        rows = self.rows.find(
            EVENT, account_id=self.account_id, region=self.region, parent_id=stack_id
        )
        return [dict(r.data) for r in reversed(rows)]


# ---------------------------------------------------------------------------- views


def stack_view(document: Mapping[str, Any]) -> shapes.Stack:
    """A stack as DescribeStacks shows it (NoEcho parameters masked)."""
    view: dict[str, Any] = {
        "StackId": document["StackId"],
        "StackName": document["StackName"],
        "CreationTime": when(document["CreationTime"]),
        "StackStatus": document["StackStatus"],
        "DisableRollback": bool(document.get("DisableRollback")),
        "NotificationARNs": list(document.get("NotificationARNs") or ()),
        "Capabilities": list(document.get("Capabilities") or ()),
        "Tags": list(document.get("Tags") or ()),
        "EnableTerminationProtection": bool(document.get("EnableTerminationProtection")),
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
        "Parameters": [
            {
                "ParameterKey": p["Key"],
                "ParameterValue": NO_ECHO_MASK if p.get("NoEcho") else p["Value"],
            }
            for p in document.get("Parameters") or ()
        ],
    }
    for key in ("Description", "StackStatusReason", "RoleARN", "TimeoutInMinutes"):
        if document.get(key) is not None:
            view[key] = document[key]
    for key in ("LastUpdatedTime", "DeletionTime"):
        if document.get(key):
            view[key] = when(document[key])
    if document.get("Outputs"):
        view["Outputs"] = [dict(o) for o in document["Outputs"]]
    return cast(shapes.Stack, view)


def summary_view(document: Mapping[str, Any]) -> shapes.StackSummary:
    """A stack as ListStacks shows it."""
    view: dict[str, Any] = {
        "StackId": document["StackId"],
        "StackName": document["StackName"],
        "CreationTime": when(document["CreationTime"]),
        "StackStatus": document["StackStatus"],
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    if document.get("Description") is not None:
        view["TemplateDescription"] = document["Description"]
    if document.get("StackStatusReason"):
        view["StackStatusReason"] = document["StackStatusReason"]
    for key in ("LastUpdatedTime", "DeletionTime"):
        if document.get(key):
            view[key] = when(document[key])
    return cast(shapes.StackSummary, view)


def event_view(event: Mapping[str, Any]) -> shapes.StackEvent:
    """An event as DescribeStackEvents shows it."""
    view = dict(event)
    view["Timestamp"] = when(str(event["Timestamp"]))
    return cast(shapes.StackEvent, view)


def resource_view(document: Mapping[str, Any], logical_id: str, *, detail: bool) -> dict[str, Any]:
    """A stack resource as DescribeStackResource(s) and ListStackResources show it."""
    resource = document["Resources"][logical_id]
    stamp = when(resource["Timestamp"])
    view: dict[str, Any] = {
        "LogicalResourceId": logical_id,
        "ResourceType": resource["Type"],
        "ResourceStatus": resource["Status"],
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    if detail:
        view["StackName"] = document["StackName"]
        view["StackId"] = document["StackId"]
    if resource.get("PhysicalResourceId"):
        view["PhysicalResourceId"] = resource["PhysicalResourceId"]
    if resource.get("StatusReason"):
        view["ResourceStatusReason"] = resource["StatusReason"]
    if resource.get("Description"):
        view["Description"] = resource["Description"]
    view["Timestamp" if detail else "LastUpdatedTimestamp"] = stamp
    return view
