"""Spark UIs for clients: on-cluster presigned URLs and persistent app UIs.

* ``GetOnClusterAppUIPresignedURL`` (RUNNING/WAITING clusters):
  ``SparkHistoryServer`` → the cluster's history server, ``ApplicationMaster``
  → an application's (driver's) UI; without an ``ApplicationId``, the jobs
  page of the cluster's running application (its Spark Connect driver);
  ``ResourceManager`` → the standalone master (the scheduler's UI here).
  Other UI types do not exist on a Spark cluster here.
* ``CreatePersistentAppUI``: a Spark History Server view of a cluster that
  works after it terminated: ATTACHING until its history server answers, then
  ATTACHED. For a terminated cluster the engine starts a history server over
  its kept event logs (it runs until ``clusterport down``).
* ``GetPersistentAppUIPresignedURL``: a link to that history server: the
  page of ``ApplicationId``, or, without one, of the cluster's own application
  (its Spark Connect driver), so a terminated cluster's UI opens where the
  live one did.

Links are signed and served as described in :mod:`.ui_links`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from clusterport.errors import ValidationError
from clusterport.services.base import RequestContext
from clusterport.services.emr import endpoints, ids, ui_links
from clusterport.services.emr.documents import READY_STATES, api_view, cluster_state, iso
from clusterport.services.emr.records import PERSISTENT_APP_UI, EmrRecords
from clusterport.store.resources import ResourceRow

ATTACHING = "ATTACHING"
ATTACHED = "ATTACHED"
FAILED = "FAILED"
_ARN = re.compile(r"^arn:aws[a-z-]*:elasticmapreduce:([a-z0-9-]+):(\d{12}):cluster/(j-[A-Z0-9]+)$")
_ON_CLUSTER_TYPES = ("SparkHistoryServer", "ApplicationMaster", "ResourceManager")


def link(ctx: RequestContext, cluster_id: str, path: str, prefix: str | None = None) -> str:
    """A presigned URL to ``path`` below the cluster's UI prefix (``prefix``), for the caller."""
    key = ui_links.signing_key(ctx.platform.data_dir)
    grant = ui_links.UiGrant(
        ctx.account_id,
        ctx.region,
        cluster_id,
        ctx.now + ui_links.LINK_LIFETIME,
        principal_arn=ctx.principal.arn,
        principal_id=ctx.principal.user_id,
    )
    return ui_links.presigned_url(ctx.platform.settings.public_url, grant, key, path, prefix=prefix)


def on_cluster_url(
    ctx: RequestContext, rec: EmrRecords, params: Mapping[str, Any]
) -> dict[str, Any]:
    """GetOnClusterAppUIPresignedURL."""
    cluster_id = str(params["ClusterId"])
    row = rec.cluster(cluster_id)
    state = cluster_state(row.data)
    if state not in READY_STATES:
        raise ValidationError(
            f"Cluster {cluster_id} is {state}; on-cluster UIs need a RUNNING or WAITING "
            "cluster. Use CreatePersistentAppUI for a terminated one.",
            code="InvalidRequestException",
        )
    kind = params.get("OnClusterAppUIType") or "ApplicationMaster"
    if kind not in _ON_CLUSTER_TYPES:
        raise ValidationError(
            f"{kind} does not run on clusters of this platform; ask for one of "
            f"{', '.join(_ON_CLUSTER_TYPES)}.",
            code="InvalidRequestException",
        )
    app_id = params.get("ApplicationId")
    if kind == "SparkHistoryServer":
        path = ui_links.history_path(app_id)
    elif kind == "ApplicationMaster":
        path = ui_links.application_path(app_id)
    else:
        path = ""
    prefix = ui_links.ui_prefix_of(row.data)
    return {"PresignedURLReady": True, "PresignedURL": link(ctx, cluster_id, path, prefix)}


def parse_cluster_arn(arn: str) -> tuple[str, str, str]:
    """Region, account and cluster id of a cluster ARN."""
    match = _ARN.match(arn)
    if match is None:
        raise ValidationError(
            f"TargetResourceArn '{arn}' is not a cluster ARN; give the ClusterArn that "
            "DescribeCluster returns.",
            code="InvalidRequestException",
        )
    return match.group(1), match.group(2), match.group(3)


def create(
    ctx: RequestContext, rec: EmrRecords, params: Mapping[str, Any]
) -> tuple[ResourceRow, bool]:
    """CreatePersistentAppUI: the cluster's persistent UI (one per cluster); True if attached."""
    if params.get("EMRContainersConfig"):
        raise ValidationError(
            "EMR on EKS job runs do not exist on this platform; give a cluster's ARN only.",
            code="InvalidRequestException",
        )
    if params.get("ProfilerType") not in (None, "SHS"):
        raise ValidationError(
            f"ProfilerType {params['ProfilerType']} is not available; clusters here have the "
            "Spark History Server (SHS) only.",
            code="InvalidRequestException",
        )
    region, account, cluster_id = parse_cluster_arn(str(params["TargetResourceArn"]))
    if (region, account) != (ctx.region, ctx.account_id):
        raise ValidationError(
            f"Cluster {cluster_id} is not in this account and region; call "
            "CreatePersistentAppUI with credentials of its account, in its region.",
            code="InvalidRequestException",
        )
    cluster = rec.cluster(cluster_id)
    existing = rec.children(PERSISTENT_APP_UI, cluster_id)
    if existing:
        return existing[0], existing[0].state == ATTACHED
    now = ctx.now
    attached = endpoints.history_endpoint(cluster.data) is not None and cluster_state(
        cluster.data
    ) in (READY_STATES)
    ui_id = ids.persistent_app_ui_id()
    status = ATTACHED if attached else ATTACHING
    data = {
        "PersistentAppUIId": ui_id,
        "PersistentAppUITypeList": ["SHS"],
        "PersistentAppUIStatus": status,
        "AuthorId": ctx.principal.arn,
        "CreationTime": iso(now),
        "LastModifiedTime": iso(now),
        "LastStateChangeReason": "The cluster's history server answers."
        if attached
        else "Starting a history server over the cluster's event logs.",
        "Tags": list(params.get("Tags") or []),
        "TargetResourceArn": cluster.data["Cluster"]["ClusterArn"],
        "ClusterId": cluster_id,
    }
    row = rec.store.add(
        account_id=ctx.account_id,
        region=ctx.region,
        kind=PERSISTENT_APP_UI,
        resource_id=ui_id,
        parent_id=cluster_id,
        state=status,
        data=data,
        now=now,
    )
    return row, attached


def find(rec: EmrRecords, ui_id: str) -> ResourceRow:
    """A persistent app UI of the caller's account and region."""
    row = rec.store.get(rec.account_id, rec.region, PERSISTENT_APP_UI, ui_id)
    if row is None:
        raise ValidationError(
            f"Persistent app UI '{ui_id}' does not exist in this account and region; create "
            "one with CreatePersistentAppUI.",
            code="InvalidRequestException",
        )
    return row


def describe(row: ResourceRow) -> dict[str, Any]:
    """DescribePersistentAppUI's ``PersistentAppUI``."""
    view: dict[str, Any] = api_view(
        {k: v for k, v in row.data.items() if k not in ("TargetResourceArn", "ClusterId")}
    )
    return view


def set_status(
    rec: EmrRecords, cluster_id: str, status: str, reason: str, now: dt.datetime
) -> None:
    """Move every persistent UI of a cluster to ``status``."""
    for row in rec.children(PERSISTENT_APP_UI, cluster_id):
        data = {
            **row.data,
            "PersistentAppUIStatus": status,
            "LastModifiedTime": iso(now),
            "LastStateChangeReason": reason,
        }
        rec.store.update(row, data, now, state=status)


def presigned(
    ctx: RequestContext,
    row: ResourceRow,
    params: Mapping[str, Any],
    ready: bool,
    prefix: str | None = None,
) -> dict[str, Any]:
    """GetPersistentAppUIPresignedURL's answer: a link once the history server answers.

    ``prefix`` is the cluster's UI prefix (:func:`ui_links.ui_prefix_of`).
    """
    if params.get("PersistentAppUIType") not in (None, "SHS"):
        raise ValidationError(
            f"PersistentAppUIType {params['PersistentAppUIType']} is not available; use SHS.",
            code="InvalidRequestException",
        )
    if not ready:
        return {"PresignedURLReady": False}
    app_id = params.get("ApplicationId")
    path = ui_links.history_path(app_id) if app_id else ui_links.history_application_path()
    return {
        "PresignedURLReady": True,
        "PresignedURL": link(ctx, str(row.parent_id), path, prefix),
    }
