"""Instance groups and instances: listing them, and resizing groups of a running cluster."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from clusterport.engines.base import Capacity
from clusterport.errors import ValidationError
from clusterport.platform import Platform
from clusterport.services.emr import paging, usage
from clusterport.services.emr import shapes_generated as shapes
from clusterport.services.emr.documents import (
    GROUP_RESIZING,
    READY_STATES,
    api_view,
    cluster_state,
    group_api,
    live_instances,
    set_group_state,
)
from clusterport.services.emr.records import EmrRecords
from clusterport.store.resources import ResourceRow


def list_groups(
    rec: EmrRecords, params: shapes.ListInstanceGroupsInput
) -> shapes.ListInstanceGroupsOutput:
    """ListInstanceGroups."""
    doc = rec.cluster(params["ClusterId"]).data
    groups = [cast(shapes.InstanceGroup, group_api(doc, g)) for g in doc["InstanceGroups"]]
    chosen, marker = paging.page(groups, params.get("Marker"), f"groups|{params['ClusterId']}")
    return {"InstanceGroups": chosen, **({"Marker": marker} if marker else {})}


def list_instances(
    rec: EmrRecords, params: shapes.ListInstancesInput
) -> shapes.ListInstancesOutput:
    """ListInstances, filtered by group, group type and state."""
    doc = rec.cluster(params["ClusterId"]).data
    if params.get("InstanceFleetId") or params.get("InstanceFleetType"):
        return {"Instances": []}
    roles = {g["Id"]: g["InstanceGroupType"] for g in doc["InstanceGroups"]}
    group_id = params.get("InstanceGroupId")
    types = params.get("InstanceGroupTypes")
    states = params.get("InstanceStates")
    found = [
        api_view(i)
        for i in doc["Instances"]
        if (group_id is None or i["InstanceGroupId"] == group_id)
        and (not types or roles[i["InstanceGroupId"]] in types)
        and (not states or i["Status"]["State"] in states)
    ]
    scope = (
        f"instances|{params['ClusterId']}|{group_id}|{sorted(types or [])}|{sorted(states or [])}"
    )
    chosen, marker = paging.page(found, params.get("Marker"), scope)
    return {"Instances": chosen, **({"Marker": marker} if marker else {})}


def _cluster_of_group(rec: EmrRecords, cluster_id: str | None, group_id: str) -> ResourceRow:
    rows = [rec.cluster(cluster_id)] if cluster_id else rec.clusters()
    for row in rows:
        if any(g["Id"] == group_id for g in row.data["InstanceGroups"]):
            return row
    raise ValidationError(
        f"Instance group id '{group_id}' is not valid; list the cluster's groups with "
        "ListInstanceGroups.",
        code="InvalidRequestException",
    )


def modify_groups(
    rec: EmrRecords,
    params: Mapping[str, Any],
    platform: Platform,
    capacity: Capacity,
    now: dt.datetime,
) -> list[str]:
    """ModifyInstanceGroups: new requested counts for core and task groups; returns cluster ids.

    The reconciler then starts or stops nodes until every group has its count.
    """
    changed: list[str] = []
    for change in params.get("InstanceGroups") or ():
        group_id = str(change["InstanceGroupId"])
        row = _cluster_of_group(rec, params.get("ClusterId"), group_id)
        doc = copy.deepcopy(row.data)
        if cluster_state(doc) not in READY_STATES:
            raise ValidationError(
                f"An instance group can only be resized while its cluster is RUNNING or WAITING; "
                f"{row.resource_id} is {cluster_state(doc)}."
            )
        group = next(g for g in doc["InstanceGroups"] if g["Id"] == group_id)
        if change.get("Configurations"):
            raise ValidationError(
                "Reconfiguring a running instance group is not supported here; give the "
                "Configurations when creating the cluster."
            )
        if group["InstanceGroupType"] == "MASTER":
            raise ValidationError("The MASTER instance group cannot be resized.")
        to_terminate = [str(i) for i in change.get("EC2InstanceIdsToTerminate") or ()]
        live = {i["Ec2InstanceId"] for i in live_instances(doc, group_id)}
        unknown = [i for i in to_terminate if i not in live]
        if unknown:
            raise ValidationError(
                f"EC2InstanceIdsToTerminate names {', '.join(unknown)}, which are not running "
                f"in {group_id}; list them with ListInstances."
            )
        current = int(group["RequestedInstanceCount"])
        count = change.get("InstanceCount")
        wanted = int(count) if count is not None else current - len(to_terminate)
        minimum = 1 if group["InstanceGroupType"] == "CORE" else 0
        if wanted < minimum:
            raise ValidationError(
                f"A {group['InstanceGroupType']} group needs at least {minimum} instance(s); "
                f"asked for {wanted}."
            )
        usage.check_added_nodes(rec, platform, capacity, group["InstanceType"], wanted - current)
        message = f"Resizing from {current} to {wanted} instances."
        updated = set_group_state(group, GROUP_RESIZING, now, message=message)
        updated["RequestedInstanceCount"] = wanted
        updated["InstancesToTerminate"] = to_terminate
        doc["InstanceGroups"] = [
            updated if g["Id"] == group_id else g for g in doc["InstanceGroups"]
        ]
        rec.store.update(row, doc, now)
        changed.append(row.resource_id)
    return changed
