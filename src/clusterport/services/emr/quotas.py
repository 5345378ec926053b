"""Quotas: what one account may run, and what the host can hold, checked before any process starts.

Account quotas (per account and region, as AWS counts them) are the number of
active clusters and the vCPUs of their instances, counted from the instance
types' real sizes. Defaults are in :class:`AccountQuotas`; an operator changes
them in ``<data dir>/emr-quotas.json``::

    {"default": {"MaxActiveClusters": 20, "MaxVcpus": 256},
     "accounts": {"222222222222": {"MaxActiveClusters": 5}}}

The engine's quota is memory: every cluster needs its primary node's daemons
(:attr:`Capacity.cluster_memory_mb`) and at least
:attr:`Capacity.worker_memory_mb` per worker (the smallest worker the engine
starts), summed over every active cluster of every account, within the
engine's :class:`~clusterport.engines.base.Capacity`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from clusterport.engines.base import Capacity
from clusterport.errors import LimitExceededError, ValidationError

QUOTA_FILE = "emr-quotas.json"

_FIELDS: Mapping[str, str] = MappingProxyType(
    {"MaxActiveClusters": "max_active_clusters", "MaxVcpus": "max_vcpus"}
)


@dataclass(frozen=True)
class AccountQuotas:
    """How many clusters and vCPUs one account may have active in one region."""

    max_active_clusters: int = 20
    max_vcpus: int = 256


def _apply(quotas: AccountQuotas, data: Mapping[str, Any], where: Path) -> AccountQuotas:
    changes: dict[str, int] = {}
    for key, value in data.items():
        field = _FIELDS.get(key)
        if field is None or not isinstance(value, int) or value < 0:
            raise ValidationError(
                f"{where}: '{key}' is not a quota setting; use {', '.join(_FIELDS)} with "
                "whole numbers of zero or more.",
                code="InternalServerError",
            )
        changes[field] = value
    return replace(quotas, **changes)


def load_quotas(data_dir: Path, account_id: str) -> AccountQuotas:
    """The quotas of ``account_id``: the defaults, then the file's default, then its account."""
    path = data_dir / QUOTA_FILE
    quotas = AccountQuotas()
    if not path.exists():
        return quotas
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(
            f"{path} is not readable JSON ({exc}); fix or remove it.", code="InternalServerError"
        ) from exc
    quotas = _apply(quotas, data.get("default") or {}, path)
    return _apply(quotas, (data.get("accounts") or {}).get(account_id) or {}, path)


def cluster_host_memory_mb(capacity: Capacity, workers: int) -> int:
    """Engine memory a cluster with ``workers`` core/task nodes needs at least."""
    return capacity.cluster_memory_mb + max(1, workers) * capacity.worker_memory_mb


def check_account(
    quotas: AccountQuotas,
    *,
    active_clusters: int,
    active_vcpus: int,
    new_clusters: int,
    new_vcpus: int,
) -> None:
    """LimitExceededException when the account would pass one of its quotas."""
    if new_clusters and active_clusters + new_clusters > quotas.max_active_clusters:
        raise LimitExceededError(
            f"The account has {active_clusters} active clusters, its quota is "
            f"{quotas.max_active_clusters}; terminate a cluster or ask the operator to raise "
            "MaxActiveClusters."
        )
    if active_vcpus + new_vcpus > quotas.max_vcpus:
        raise LimitExceededError(
            f"This request needs {new_vcpus} vCPUs; the account's active instances use "
            f"{active_vcpus} of its quota of {quotas.max_vcpus}. Use fewer or smaller instances, "
            "terminate a cluster, or ask the operator to raise MaxVcpus."
        )


def check_host(capacity: Capacity, *, committed_mb: int, new_mb: int) -> None:
    """LimitExceededException when the engine cannot hold ``new_mb`` more MiB of clusters."""
    if committed_mb + new_mb > capacity.memory_mb:
        free = max(0, capacity.memory_mb - committed_mb)
        raise LimitExceededError(
            f"{capacity.label} cannot hold it: it needs {new_mb} MiB (at least "
            f"{capacity.worker_memory_mb} MiB per worker node plus "
            f"{capacity.cluster_memory_mb} MiB per cluster); {free} MiB of its "
            f"{capacity.memory_mb} MiB are free. Ask for fewer worker nodes or terminate "
            "a cluster."
        )


def check_host_ever(capacity: Capacity, new_mb: int) -> None:
    """LimitExceededException when the engine could never hold a cluster of ``new_mb`` MiB.

    A cluster that fits the engine's whole budget is accepted even when other
    clusters use it now: it waits for them (host admission).
    """
    if new_mb > capacity.memory_mb:
        raise LimitExceededError(
            f"{capacity.label} cannot hold it: it needs {new_mb} MiB (at least "
            f"{capacity.worker_memory_mb} MiB per worker node plus "
            f"{capacity.cluster_memory_mb} MiB per cluster), more than all of its "
            f"{capacity.memory_mb} MiB, so it could never start (as EC2 answers "
            "InsufficientInstanceCapacity). Ask for fewer worker nodes."
        )
