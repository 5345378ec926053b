"""Refuse a Studio user's connect when the network cannot carry it, saying which piece is missing.

On AWS, a notebook reaches a cluster only if the network between them lets
it: routes both ways, an active peering connection, security group rules and
the DNS options of the peering. The platform knows where a Studio user's
requests come from by their credentials: the Studio launcher issues them with
the transitive session tags ``sagemaker:domain-arn`` and
``sagemaker:user-profile-arn``, which survive role chaining into the cluster's
account (see :mod:`clusterport.services.sagemaker.source_network`). For such
a caller, :func:`check_connect` runs the reachability analyzer over one
network snapshot of the Studio account and the cluster's account, from each
of the domain's subnets (an app may be placed in any of them) with the
user's security groups to the cluster's primary node by its private DNS name
(Studio resolves that name across the peering). If the path is incomplete it
raises EMR's ``InvalidRequestException`` naming what was being connected, the
first missing piece by id and account, and the command that fixes it.

Callers without those tags (an admin, a service, a script) are not checked:
as on AWS, the network matters only where the client sits, and for them the
platform does not know that.

Where it is enforced:

* ``StartSession`` and ``GetSessionEndpoint``: the Spark Connect port; the
  notebook helper calls ``StartSession`` first, so an incomplete path fails
  there, before anything waits for a session;
* ``GetOnClusterAppUIPresignedURL`` and ``GetPersistentAppUIPresignedURL``
  (the latter only while the cluster runs; a terminated cluster's persistent
  UI is served from kept event logs, not from its primary node): the UI's
  port (these three in the EMR provider);
* Livy: every request that goes through the gateway's ``/_livy/<cluster-id>/``
  route (:mod:`clusterport.gateway.livy_proxy`), on Livy's port 8998. The
  cluster's Livy endpoint answers nothing else: it requires an access key
  that only that route adds, so sparkmagic cannot go around the check.

The ports analyzed are the ones EMR's primary node listens on, the ones
security group rules on AWS are written for (:data:`SPARK_CONNECT_PORT`,
:data:`LIVY_PORT`, :data:`SPARK_HISTORY_PORT`, :data:`RESOURCE_MANAGER_PORT`),
not the host ports the local engine happened to pick: a rule for the Spark
Connect port keeps working for every cluster.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from clusterport.errors import ValidationError
from clusterport.network.model import NetworkSnapshot
from clusterport.network.reachability import (
    Destination,
    MissingPiece,
    ReachabilityInputError,
    Source,
    analyze,
)
from clusterport.services.base import RequestContext
from clusterport.services.ec2.network_api import kept_network_snapshot
from clusterport.services.emr.documents import READY_STATES, cluster_state, live_instances
from clusterport.services.sagemaker.source_network import StudioSource, studio_source
from clusterport.store.resources import ResourceRow

__all__ = [
    "LIVY_PORT",
    "RESOURCE_MANAGER_PORT",
    "SPARK_CONNECT_PORT",
    "SPARK_HISTORY_PORT",
    "check_connect",
    "on_cluster_ui_port",
]

#: The Spark Connect server of the primary node (EMR sessions).
SPARK_CONNECT_PORT = 15002
#: Livy on the primary node (what ``clusterport doctor`` checks by default).
LIVY_PORT = 8998
#: The Spark History Server on the primary node.
SPARK_HISTORY_PORT = 18080
#: The ResourceManager's web UI; application UIs are reached through its web proxy.
RESOURCE_MANAGER_PORT = 8088

_CODE = "InvalidRequestException"


def on_cluster_ui_port(ui_type: str | None) -> int:
    """The primary node's port behind a ``GetOnClusterAppUIPresignedURL`` UI type."""
    return SPARK_HISTORY_PORT if ui_type == "SparkHistoryServer" else RESOURCE_MANAGER_PORT


def check_connect(
    session: Session, ctx: RequestContext, cluster: ResourceRow, port: int, what: str
) -> None:
    """Raise ``InvalidRequestException`` if a Studio caller's network cannot reach ``cluster``.

    ``cluster`` is the stored cluster row, ``port`` the primary node's TCP port
    the connection goes to, ``what`` the thing being connected (``"a Spark
    Connect session"``), used in the message. Callers that are not Studio
    users, and clusters that are not RUNNING or WAITING (the operation itself
    refuses those), are let through.
    """
    source = studio_source(session, ctx.principal, ctx.platform.studio_sources)
    if source is None or cluster_state(cluster.data) not in READY_STATES:
        return
    cluster_id = cluster.resource_id
    primary = _primary_instance(cluster)
    if primary is None:
        return
    snapshot = _snapshot(session, ctx, source, cluster)
    groups = source.security_group_ids or _default_groups(snapshot, source)
    destination = Destination(port=port, instance_id=primary, address_kind="private-dns")
    for subnet_id in source.subnet_ids:
        try:
            verdict = analyze(
                snapshot,
                Source(account=source.account_id, subnet_id=subnet_id, security_group_ids=groups),
                destination,
            )
        except ReachabilityInputError as exc:
            raise ValidationError(
                f"{_who(source)} cannot connect {what} of cluster {cluster_id}: the path from "
                f"subnet {subnet_id} cannot be checked because {exc}. Give the domain subnets "
                "and security groups that exist in its VPC (sagemaker update-domain, "
                "update-user-profile).",
                code=_CODE,
            ) from exc
        if verdict.missing is not None:
            raise ValidationError(
                _refusal(source, subnet_id, cluster_id, primary, port, what, verdict.missing),
                code=_CODE,
            )


def _primary_instance(cluster: ResourceRow) -> str | None:
    """The EC2 instance id of the cluster's live primary node."""
    doc = cluster.data
    masters = [g["Id"] for g in doc.get("InstanceGroups", []) if g["InstanceGroupType"] == "MASTER"]
    for group_id in masters:
        for instance in live_instances(doc, group_id):
            if instance.get("Ec2InstanceId"):
                return str(instance["Ec2InstanceId"])
    return None


def _snapshot(
    session: Session, ctx: RequestContext, source: StudioSource, cluster: ResourceRow
) -> NetworkSnapshot:
    """One view of both accounts' networks (two regions' views merged if they differ).

    Kept on the platform until the next network write (every connect of a Studio
    user, and every Livy request, checks the path again).
    """
    platform = ctx.platform
    if source.region == cluster.region:
        return kept_network_snapshot(
            session, platform, [source.account_id, cluster.account_id], cluster.region
        )
    return kept_network_snapshot(session, platform, [source.account_id], source.region).merge(
        kept_network_snapshot(session, platform, [cluster.account_id], cluster.region)
    )


def _default_groups(snapshot: NetworkSnapshot, source: StudioSource) -> tuple[str, ...]:
    """The VPC's default group: what an interface gets when no group is named, as on EC2."""
    return tuple(
        g.id
        for g in snapshot.security_groups.values()
        if g.vpc_id == source.vpc_id and g.name == "default"
    )


def _who(source: StudioSource) -> str:
    return (
        f"Studio user profile {source.user_profile} (domain {source.domain_id}, account "
        f"{source.account_id})"
    )


def _refusal(
    source: StudioSource,
    subnet_id: str,
    cluster_id: str,
    primary: str,
    port: int,
    what: str,
    missing: MissingPiece,
) -> str:
    return (
        f"{_who(source)} cannot connect {what} of cluster {cluster_id}: the network from "
        f"subnet {subnet_id} does not reach its primary node {primary} on TCP {port}. "
        f"Missing: {missing.kind} {missing.component_id} (account {missing.account}). "
        f"Fix: {missing.fix}"
    )
