"""Cluster operations: create, describe, list, terminate, protect, tag, policies."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any, cast

from clusterport.engines.base import Engine, EngineDescription
from clusterport.errors import AccessDeniedError, ValidationError
from clusterport.services.authorization import authorize
from clusterport.services.base import RequestContext
from clusterport.services.emr import ids, lifecycle, network, nodes, paging, steps, usage
from clusterport.services.emr import shapes_generated as shapes
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
from clusterport.services.emr.spec import ui_prefix_for
from clusterport.services.iam import names
from clusterport.services.iam.records import IamRecords
from clusterport.store.resources import ResourceRow

#: TerminateJobFlows' refusal, worded as EMR words it, plus the fix.
PROTECTED_MESSAGE = (
    "Could not shut down one or more job flows since they are termination protected. "
    "Turn protection off with SetTerminationProtection first."
)


def _entity_name(given: str) -> str:
    """The name in a role or instance profile given by name or by ARN."""
    return given.rsplit("/", 1)[-1] if given.startswith("arn:") else given


def _invalid_role(member: str, given: str, why: str) -> ValidationError:
    kind = "InstanceProfile" if member == "JobFlowRole" else member
    return ValidationError(f"Invalid {kind}: {given}. {why}")


def _roles_to_pass(ctx: RequestContext, params: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(member, as given, role ARN)`` of each role the cluster runs with; ValidationException
    naming the first that does not exist."""
    account = ctx.account_id
    found: list[tuple[str, str, str]] = []
    with ctx.platform.db.session() as session:
        rec = IamRecords(session, account)
        scaling = params.get("AutoScalingRole")
        if scaling:
            # Automatic scaling runs under no role here: the role is passed, not required.
            text = str(scaling)
            row = rec.find(names.ROLE, _entity_name(text))
            if text.startswith("arn:"):
                arn = text
            elif row is not None:
                arn = str(row.data["Arn"])
            else:
                arn = names.entity_arn(account, names.ROLE, text)
            found.append(("AutoScalingRole", text, arn))
        given = params.get("ServiceRole")
        if given:
            row = rec.find(names.ROLE, _entity_name(str(given)))
            if row is None or (str(given).startswith("arn:") and row.data["Arn"] != given):
                raise _invalid_role(
                    "ServiceRole",
                    str(given),
                    f"No such role exists in account {account}; create it (aws emr "
                    "create-default-roles creates EMR_DefaultRole) or name an existing role.",
                )
            found.append(("ServiceRole", str(given), str(row.data["Arn"])))
        profile_given = params.get("JobFlowRole")
        if profile_given:
            given = str(profile_given)
            profile = rec.find(names.INSTANCE_PROFILE, _entity_name(given))
            if profile is None or (given.startswith("arn:") and profile.data["Arn"] != given):
                raise _invalid_role(
                    "JobFlowRole",
                    given,
                    f"No such instance profile exists in account {account}; create it with "
                    "aws iam create-instance-profile and add-role-to-instance-profile (aws emr "
                    "create-default-roles creates EMR_EC2_DefaultRole).",
                )
            held = [rec.find(names.ROLE, n) for n in profile.data.get("Roles") or ()]
            role = next((r for r in held if r is not None), None)
            if role is None:
                raise _invalid_role(
                    "JobFlowRole",
                    given,
                    "The instance profile holds no role; add one with aws iam "
                    "add-role-to-instance-profile.",
                )
            found.append(("JobFlowRole", given, str(role.data["Arn"])))
    return found


#: The service each role is passed to (``iam:PassedToService``).
_PASSED_TO = {
    "ServiceRole": "elasticmapreduce.amazonaws.com",
    "AutoScalingRole": "application-autoscaling.amazonaws.com",
    "JobFlowRole": "ec2.amazonaws.com",
}


def check_roles(ctx: RequestContext, params: Mapping[str, Any]) -> None:
    """The service role and the instance profile (``JobFlowRole``) exist, and the caller may
    ``iam:PassRole`` them (and the auto-scaling role): a ValidationException naming the
    first that fails, as EMR answers, before anything is stored or started."""
    for member, given, arn in _roles_to_pass(ctx, params):
        try:
            authorize(ctx, "iam:PassRole", [arn], {"iam:PassedToService": _PASSED_TO[member]})
        except AccessDeniedError as denied:
            what = "instance profile" if member == "JobFlowRole" else "role"
            raise ValidationError(
                f"The {what} {given} ({member}) cannot be passed to the cluster: {denied.message}"
            ) from None


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
            "UiPrefix": ui_prefix_for(cluster_id),
            "ConnectToken": ctx.platform.secrets.seal(secrets.token_urlsafe(32)),
            "Endpoints": None,
            "History": None,
            # Set by the reconciler once the host's budget holds it (usage.admit).
            "Admitted": False,
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
    check_roles(ctx, params)
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


def describe_cluster(rec: EmrRecords, cluster_id: str, now: dt.datetime) -> shapes.Cluster:
    """DescribeCluster's ``Cluster``."""
    return cast(shapes.Cluster, describe(rec.cluster(cluster_id).data, now))


def list_clusters(
    rec: EmrRecords, params: shapes.ListClustersInput, now: dt.datetime
) -> shapes.ListClustersOutput:
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
    found = [cast(shapes.ClusterSummary, summary(r.data, now)) for r in chosen]
    out: shapes.ListClustersOutput = {"Clusters": found}
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
