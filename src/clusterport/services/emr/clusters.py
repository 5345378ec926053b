"""Cluster operations: create, describe, list, terminate, protect, tag, policies."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import Engine, EngineDescription
from clusterport.errors import ValidationError
from clusterport.services.authorization import authorize
from clusterport.services.base import RequestContext
from clusterport.services.emr import ids, lifecycle, network, nodes, paging, steps, usage
from clusterport.services.emr.documents import (
    ACTIVE_STATES,
    DESIRED_RUNNING,
    FINAL_STATES,
    STARTING,
    cluster_state,
    describe,
    iso,
    new_status,
    summary,
)
from clusterport.services.emr.records import CLUSTER, STEP, EmrRecords
from clusterport.services.emr.request import ClusterRequest, parse_run_job_flow
from clusterport.services.emr.spec import ui_prefix_for, work_dir_for
from clusterport.store.resources import ResourceRow

#: TerminateJobFlows' refusal, worded as EMR words it, plus the fix.
PROTECTED_MESSAGE = (
    "Could not shut down one or more job flows since they are termination protected. "
    "Turn protection off with SetTerminationProtection first."
)


def role_arn(ctx: RequestContext, role: str) -> str:
    """A role given by name or ARN, as an ARN of the caller's account."""
    if role.startswith("arn:"):
        return role
    return f"arn:aws:iam::{ctx.account_id}:role/{role}"


def check_pass_roles(ctx: RequestContext, params: Mapping[str, Any]) -> None:
    """iam:PassRole on the service role and the instance profile's role, as EMR requires."""
    for member in ("ServiceRole", "JobFlowRole", "AutoScalingRole"):
        role = params.get(member)
        if role:
            authorize(ctx, "iam:PassRole", [role_arn(ctx, str(role))])


def cluster_document(
    ctx: RequestContext,
    request: ClusterRequest,
    cluster_id: str,
    placement: network.Placement,
    groups: list[dict[str, Any]],
    instances: list[dict[str, Any]],
    params: Mapping[str, Any],
    engine: EngineDescription,
) -> dict[str, Any]:
    """The stored document of a new cluster (see :mod:`.documents`)."""
    now = ctx.now
    arn = ids.cluster_arn(ctx.region, ctx.account_id, cluster_id)
    attributes = placement.instance_attributes(request.instances)
    if params.get("JobFlowRole"):
        attributes["IamInstanceProfile"] = params["JobFlowRole"]
    cluster: dict[str, Any] = {
        "Id": cluster_id,
        "Name": request.name,
        "Status": new_status(STARTING, now, "Provisioning the cluster's nodes."),
        "Ec2InstanceAttributes": attributes,
        "InstanceCollectionType": "INSTANCE_GROUP",
        "ReleaseLabel": request.release_label,
        "AutoTerminate": not request.keep_alive,
        "TerminationProtected": request.termination_protected,
        "UnhealthyNodeReplacement": bool(request.instances.get("UnhealthyNodeReplacement", True)),
        "VisibleToAllUsers": bool(params.get("VisibleToAllUsers", True)),
        "Applications": [a.to_api() for a in request.applications],
        "Tags": list(request.tags),
        "MasterPublicDnsName": nodes.MASTER_PUBLIC_DNS,
        "Configurations": list(request.configurations),
        "ClusterArn": arn,
        "StepConcurrencyLevel": 1,
        "ScaleDownBehavior": "TERMINATE_AT_TASK_COMPLETION",
    }
    cluster.update(request.extra)
    data_dir = ctx.platform.data_dir
    return {
        "Cluster": cluster,
        "InstanceGroups": groups,
        "Instances": instances,
        "BootstrapActions": list(request.bootstrap_actions),
        "AutoTerminationPolicy": (
            {"IdleTimeout": request.idle_timeout} if request.idle_timeout else None
        ),
        "ManagedScalingPolicy": request.managed_scaling,
        "Desired": DESIRED_RUNNING,
        "Termination": None,
        "Engine": {
            "Name": engine.name,
            "ForTests": engine.for_tests,
            "Summary": engine.summary,
            "WorkDir": str(work_dir_for(data_dir, cluster_id).resolve()),
            "UiPrefix": ui_prefix_for(cluster_id),
            "ConnectToken": ctx.platform.secrets.seal(secrets.token_urlsafe(32)),
            "Endpoints": None,
            "HistoryPort": None,
        },
        "Network": placement.to_data(),
        "Events": [],
        "LastActivity": iso(now),
    }


def create_cluster(
    ctx: RequestContext, params: Mapping[str, Any], engine: Engine
) -> tuple[str, str]:
    """Check and store a new cluster with its nodes and steps; returns its id and ARN.

    Nothing starts here: the reconciler starts the cluster once it is stored.
    """
    request = parse_run_job_flow(params)
    check_pass_roles(ctx, params)
    now = ctx.now
    with ctx.platform.db.session() as session:
        rec = EmrRecords(session, ctx.account_id, ctx.region)
        placement = network.choose_placement(
            session, ctx.account_id, ctx.region, request.instances, now
        )
        usage.check_new_cluster(
            rec, ctx.platform, engine.capacity(), request.vcpus, request.worker_count
        )
        cluster_id = ids.cluster_id()
        groups: list[dict[str, Any]] = []
        instances: list[dict[str, Any]] = []
        for group_request in request.groups:
            group = nodes.new_group(group_request, now)
            groups.append(group)
            infos = network.launch_nodes(
                session,
                ctx.account_id,
                ctx.region,
                placement,
                cluster_id=cluster_id,
                role=group_request.role,
                instance_type=group_request.itype.name,
                count=group_request.count,
                now=now,
            )
            instances += [nodes.new_instance(info, group, now) for info in infos]
        doc = cluster_document(
            ctx, request, cluster_id, placement, groups, instances, params, engine.describe()
        )
        rec.store.add(
            account_id=ctx.account_id,
            region=ctx.region,
            kind=CLUSTER,
            resource_id=cluster_id,
            name=request.name,
            state=STARTING,
            data=doc,
            now=now,
        )
        add_steps(rec, cluster_id, request.steps, now, params.get("StepExecutionRoleArn"))
    return cluster_id, str(doc["Cluster"]["ClusterArn"])


def add_steps(
    rec: EmrRecords,
    cluster_id: str,
    configs: list[dict[str, Any]] | Any,
    now: dt.datetime,
    execution_role: str | None = None,
) -> list[str]:
    """Store PENDING steps of a cluster, in order; returns their ids."""
    added = []
    for config in configs:
        step_id = ids.step_id()
        rec.store.add(
            account_id=rec.account_id,
            region=rec.region,
            kind=STEP,
            resource_id=step_id,
            parent_id=cluster_id,
            state=steps.PENDING,
            data=steps.new_step(step_id, config, now, execution_role),
            now=now,
        )
        added.append(step_id)
    return added


def describe_cluster(rec: EmrRecords, cluster_id: str, now: dt.datetime) -> dict[str, Any]:
    """DescribeCluster's ``Cluster``."""
    return describe(rec.cluster(cluster_id).data, now)


def list_clusters(rec: EmrRecords, params: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """ListClusters: newest first, filtered by state and creation time, 50 a page."""
    states = params.get("ClusterStates")
    after, before = params.get("CreatedAfter"), params.get("CreatedBefore")
    rows = [
        r
        for r in reversed(rec.clusters(list(states) if states else None))
        if (after is None or r.created_at >= after) and (before is None or r.created_at <= before)
    ]
    scope = f"ListClusters|{sorted(states or [])}|{after}|{before}"
    chosen, marker = paging.page(rows, params.get("Marker"), scope)
    out: dict[str, Any] = {"Clusters": [summary(r.data, now) for r in chosen]}
    if marker:
        out["Marker"] = marker
    return out


def open_cluster(rec: EmrRecords, cluster_id: str, action: str) -> ResourceRow:
    """A cluster that can still be changed (not terminating or terminated)."""
    row = rec.cluster(cluster_id)
    if cluster_state(row.data) in (*FINAL_STATES, "TERMINATING"):
        raise ValidationError(
            f"A job flow that is shutting down, terminated, or finished may not be modified "
            f"({cluster_id} is {cluster_state(row.data)}); {action} a running cluster instead."
        )
    return row


def terminate_clusters(rec: EmrRecords, cluster_ids: list[str], now: dt.datetime) -> list[str]:
    """TerminateJobFlows: all or nothing when any cluster is termination protected."""
    rows = [rec.cluster(cid) for cid in cluster_ids]
    if any(
        r.data["Cluster"].get("TerminationProtected")
        and cluster_state(r.data) not in (*FINAL_STATES, "TERMINATING")
        for r in rows
    ):
        raise ValidationError(PROTECTED_MESSAGE)
    changed = []
    for row in rows:
        if cluster_state(row.data) in FINAL_STATES:
            continue
        doc = lifecycle.request_termination(
            row.data, now, code=lifecycle.USER_REQUEST, message="Terminated by user request"
        )
        rec.store.update(row, doc, now, state=cluster_state(doc))
        changed.append(row.resource_id)
    return changed


def set_cluster_flag(
    rec: EmrRecords, cluster_ids: list[str], member: str, value: bool, now: dt.datetime
) -> None:
    """Set a boolean member of ``Cluster`` (TerminationProtected, VisibleToAllUsers …)."""
    for cid in cluster_ids:
        row = rec.cluster(cid)
        doc = dict(row.data)
        doc["Cluster"] = {**doc["Cluster"], member: value}
        rec.store.update(row, doc, now)


def merge_tags(
    existing: list[dict[str, str]], added: list[dict[str, str]], removed: list[str]
) -> list[dict[str, str]]:
    """Tags after an AddTags (later values win) or RemoveTags."""
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in added})
    for key in removed:
        merged.pop(key, None)
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def active_count(rec: EmrRecords) -> int:
    """The account's active clusters in the region."""
    return len(rec.clusters(list(ACTIVE_STATES)))
