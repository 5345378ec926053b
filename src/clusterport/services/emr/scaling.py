"""Managed scaling: one step at a time towards the work, within the policy's limits.

The capacity counted is the core and task nodes' (instances, or their vCPUs
for ``UnitType`` VCPU). With pending work (steps waiting or running, Spark
jobs or applications active) the cluster grows by one node (core nodes up to
``MaximumCoreCapacityUnits``, then task nodes) until ``MaximumCapacityUnits``;
after :data:`SCALE_DOWN_AFTER` seconds without work it shrinks by one node
(task nodes first, never below one core node) until ``MinimumCapacityUnits``.
Capacity outside the limits (a policy put on a running cluster) is brought
inside them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clusterport.services.emr.documents import group_of_role
from clusterport.services.emr.instance_types import instance_type

SCALE_DOWN_AFTER = 60.0


@dataclass(frozen=True)
class ScalingDecision:
    """Resize one instance group to ``count`` nodes, and why."""

    group_id: str
    count: int
    reason: str


def _unit(group: Mapping[str, Any], unit_type: str) -> int:
    return instance_type(str(group["InstanceType"])).vcpus if unit_type == "VCPU" else 1


def decide(
    doc: Mapping[str, Any], policy: Mapping[str, Any], *, pending_work: bool, idle_for: float
) -> ScalingDecision | None:
    """The next resize managed scaling asks for, if any."""
    limits = policy["ComputeLimits"]
    unit_type = str(limits["UnitType"])
    low, high = int(limits["MinimumCapacityUnits"]), int(limits["MaximumCapacityUnits"])
    core_cap = int(limits.get("MaximumCoreCapacityUnits") or high)
    core = group_of_role(doc, "CORE")
    task = group_of_role(doc, "TASK")
    if core is None:
        return None
    core_units = core["RequestedInstanceCount"] * _unit(core, unit_type)
    task_units = task["RequestedInstanceCount"] * _unit(task, unit_type) if task else 0
    current = core_units + task_units
    if current < low or (pending_work and current < high):
        why = "below MinimumCapacityUnits" if current < low else "work is pending"
        if core_units + _unit(core, unit_type) <= core_cap:
            grow = core
        elif task is not None:
            grow = task
        else:
            return None
        if current >= low and current + _unit(grow, unit_type) > high:
            return None
        return ScalingDecision(grow["Id"], grow["RequestedInstanceCount"] + 1, why)
    if current > high or (not pending_work and idle_for >= SCALE_DOWN_AFTER and current > low):
        why = "above MaximumCapacityUnits" if current > high else "no work is pending"
        if task is not None and task["RequestedInstanceCount"] > 0:
            shrink = task
        elif core["RequestedInstanceCount"] > 1:
            shrink = core
        else:
            return None
        if current <= high and current - _unit(shrink, unit_type) < low:
            return None
        return ScalingDecision(shrink["Id"], shrink["RequestedInstanceCount"] - 1, why)
    return None
