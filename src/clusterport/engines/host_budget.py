"""How much of the host the local engine gives a cluster's workers.

EMR instance types promise more than one host can give (an ``m5.xlarge`` core
node alone asks for 4 vCPUs and 16 GiB). The local engine scales every
cluster's core and task nodes down to a :class:`HostBudget`:

* the budget is, by default, all of the host's CPUs and 60 % of its memory
  (:meth:`HostBudget.detect`);
* when the nodes of a cluster together ask for more cores than the budget,
  every node's cores are multiplied by ``budget.cores / requested cores``
  (rounded down, at least 1); memory is scaled the same way (at least
  :data:`MIN_WORKER_MEMORY_MB`, so an executor always fits);
* nodes added later (resize, managed scaling) are scaled by the same factors,
  so a cluster that grows beyond its first size can exceed the budget: Spark's
  standalone workers then share the CPUs, which is slower, never wrong.

The master, the driver and the history server are not counted: they take
little CPU once started and their heaps are capped separately.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clusterport.engines.base import NodeRole, NodeSpec

#: The smallest worker memory the engine hands out (Spark needs ≈450 MiB per executor).
MIN_WORKER_MEMORY_MB = 1024
#: What a cluster's primary node holds besides its workers: master, Connect driver,
#: history server and sidecars (measured ≈1 GiB resident when idle).
PRIMARY_NODE_MEMORY_MB = 1536
DEFAULT_MEMORY_FRACTION = 0.6
#: What a cluster's sidecars (Livy and its interpreters, the Connect proxy) and the
#: Python workers of its UDFs hold at most, besides its JVMs.
SIDECAR_MEMORY_MB = 1024
#: No one cluster's processes together may hold more than this part of the host's
#: memory (its control group's bound): the rest keeps the platform alive.
MEMORY_CAP_FRACTION = 0.8


@dataclass(frozen=True)
class WorkerSize:
    """The cores and memory one worker process offers to executors."""

    cores: int
    memory_mb: int


@dataclass(frozen=True)
class NodeScaling:
    """Factors by which one cluster's node resources are scaled to the host."""

    cores_factor: float = 1.0
    memory_factor: float = 1.0

    def size(self, node: NodeSpec) -> WorkerSize:
        """The worker size a node of the cluster gets."""
        return WorkerSize(
            cores=max(1, math.floor(node.cores * self.cores_factor)),
            memory_mb=max(MIN_WORKER_MEMORY_MB, math.floor(node.memory_mb * self.memory_factor)),
        )


@dataclass(frozen=True)
class HostBudget:
    """The CPU cores and memory (MiB) the engine's workers may use on this host."""

    cores: int
    memory_mb: int

    @classmethod
    def detect(cls, memory_fraction: float = DEFAULT_MEMORY_FRACTION) -> HostBudget:
        """All CPUs this process may run on, and ``memory_fraction`` of the host's memory."""
        cores = len(os.sched_getaffinity(0)) or (os.cpu_count() or 1)
        total_kib = 0
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                total_kib = int(line.split()[1])
                break
        return cls(cores=cores, memory_mb=max(1, int(total_kib / 1024 * memory_fraction)))

    def scaling(self, nodes: Sequence[NodeSpec]) -> NodeScaling:
        """Factors that fit the worker nodes (CORE and TASK) of one cluster into the budget."""
        workers = [n for n in nodes if n.role is not NodeRole.MASTER]
        cores = sum(max(1, n.cores) for n in workers)
        memory = sum(max(1, n.memory_mb) for n in workers)
        return NodeScaling(
            cores_factor=min(1.0, self.cores / cores) if cores else 1.0,
            memory_factor=min(1.0, self.memory_mb / memory) if memory else 1.0,
        )
