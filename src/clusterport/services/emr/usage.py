"""What clusters use now, counted for the quotas (:mod:`.quotas`) before anything starts.

Host admission: RunJobFlow refuses a cluster the host's budget could never
hold; one that could, but not beside the clusters already running, is stored
and waits in STARTING, its status message saying what it waits for, until
clusters end (:func:`admit`, called by the reconciler before each start).
Clusters are admitted in the order they were created, so a large one is not
passed over for ever by smaller ones behind it.

The engine's warm pool (pre-started clusters no tenant holds yet) counts
against the budget too, and gives way: it gets only what every active cluster,
waiting ones included, leaves free (:func:`pool_room_mb`), so a waiting
cluster is admitted once the pool has shrunk for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import Capacity
from clusterport.platform import Platform
from clusterport.services.emr import quotas
from clusterport.services.emr.documents import ACTIVE_STATES
from clusterport.services.emr.instance_types import instance_type
from clusterport.services.emr.records import CLUSTER, EmrRecords, all_rows
from clusterport.store.resources import ResourceRow


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


def host_committed_mb(rec: EmrRecords, capacity: Capacity, *, waiting: bool = False) -> int:
    """Engine memory promised to every admitted active cluster of every account.

    With ``waiting``, the clusters that wait for room count as well.
    """
    return sum(
        quotas.cluster_host_memory_mb(capacity, cluster_workers(r.data))
        for r in all_rows(rec.session, CLUSTER, list(ACTIVE_STATES))
        if waiting or admitted(r.data)
    )


def admitted(doc: Mapping[str, Any]) -> bool:
    """True once the host's budget holds the cluster (it may start, or has)."""
    return doc.get("Engine", {}).get("Admitted", True) is not False


def pool_room_mb(rec: EmrRecords, capacity: Capacity) -> int:
    """What the host's budget leaves the warm pool: all but every active cluster's need.

    Clusters that wait for room count as well: the pool gives way to them.
    """
    return capacity.memory_mb - host_committed_mb(rec, capacity, waiting=True)


def admit(
    rec: EmrRecords,
    row: ResourceRow,
    capacity: Capacity,
    now: dt.datetime,
    pool_mb: int = 0,
) -> str | None:
    """Admit the cluster of ``row`` if the host holds it now; else what it waits for.

    Marks the cluster admitted in ``row`` (the caller's transaction) and returns
    None, or returns the status message of a cluster that waits. Other
    accounts' clusters are counted but never named. ``pool_mb`` is what the
    engine's warm pool holds (it gives way, see :func:`pool_room_mb`).
    """
    if admitted(row.data):
        return None
    need = quotas.cluster_host_memory_mb(capacity, cluster_workers(row.data))
    committed = host_committed_mb(rec, capacity)  # this cluster is not admitted: not in it
    ahead = sum(
        1
        for r in all_rows(rec.session, CLUSTER, list(ACTIVE_STATES))
        if not admitted(r.data) and r.pk < row.pk
    )
    if not ahead and committed + pool_mb + need <= capacity.memory_mb:
        doc = dict(row.data)
        doc["Engine"] = {**doc["Engine"], "Admitted": True}
        rec.store.update(row, doc, now, state=row.state)
        return None
    free = max(0, capacity.memory_mb - committed - pool_mb)
    queue = ""
    if ahead:
        queue = f"; {ahead} cluster{'s wait' if ahead > 1 else ' waits'} before it"
    return (
        f"Waiting for host capacity: the cluster needs {need} MiB, {free} MiB of "
        f"{capacity.label}'s {capacity.memory_mb} MiB are free{queue}. It starts when "
        "other clusters end; terminate one of yours to make room sooner."
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
    # A cluster the host could hold once others end is accepted and waits (admit).
    quotas.check_host_ever(capacity, quotas.cluster_host_memory_mb(capacity, workers))


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
