"""What clusters use now, counted for the quotas (:mod:`.quotas`) before anything starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import Capacity
from clusterport.platform import Platform
from clusterport.services.emr import quotas
from clusterport.services.emr.documents import ACTIVE_STATES
from clusterport.services.emr.instance_types import instance_type
from clusterport.services.emr.records import CLUSTER, EmrRecords, all_rows


def _groups(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(doc.get("InstanceGroups", []))


def cluster_vcpus(doc: Mapping[str, Any]) -> int:
    """vCPUs of the instances a cluster has (or is growing to)."""
    return sum(
        instance_type(str(g["InstanceType"])).vcpus * int(g["RequestedInstanceCount"])
        for g in _groups(doc)
    )


def cluster_workers(doc: Mapping[str, Any]) -> int:
    """Core and task nodes a cluster has (or is growing to)."""
    return sum(
        int(g["RequestedInstanceCount"]) for g in _groups(doc) if g["InstanceGroupType"] != "MASTER"
    )


def account_usage(rec: EmrRecords) -> tuple[int, int]:
    """Active clusters and their vCPUs in the records' account and region."""
    active = rec.clusters(list(ACTIVE_STATES))
    return len(active), sum(cluster_vcpus(r.data) for r in active)


def host_committed_mb(rec: EmrRecords, capacity: Capacity) -> int:
    """Engine memory promised to every active cluster of every account."""
    return sum(
        quotas.cluster_host_memory_mb(capacity, cluster_workers(r.data))
        for r in all_rows(rec.session, CLUSTER, list(ACTIVE_STATES))
    )


def check_new_cluster(
    rec: EmrRecords, platform: Platform, capacity: Capacity, vcpus: int, workers: int
) -> None:
    """LimitExceededException unless a new cluster of this size fits the account and the host."""
    clusters, used = account_usage(rec)
    quotas.check_account(
        quotas.load_quotas(platform.data_dir, rec.account_id),
        active_clusters=clusters,
        active_vcpus=used,
        new_clusters=1,
        new_vcpus=vcpus,
    )
    quotas.check_host(
        capacity,
        committed_mb=host_committed_mb(rec, capacity),
        new_mb=quotas.cluster_host_memory_mb(capacity, workers),
    )


def check_added_nodes(
    rec: EmrRecords, platform: Platform, capacity: Capacity, itype: str, count: int
) -> None:
    """LimitExceededException unless ``count`` more nodes of ``itype`` fit."""
    if count <= 0:
        return
    clusters, used = account_usage(rec)
    quotas.check_account(
        quotas.load_quotas(platform.data_dir, rec.account_id),
        active_clusters=clusters,
        active_vcpus=used,
        new_clusters=0,
        new_vcpus=instance_type(itype).vcpus * count,
    )
    quotas.check_host(
        capacity,
        committed_mb=host_committed_mb(rec, capacity),
        new_mb=count * capacity.worker_memory_mb,
    )
