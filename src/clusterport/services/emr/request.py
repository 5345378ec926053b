"""RunJobFlow's request, checked and put in order before anything is created.

Everything a client can get wrong is refused here, with a ValidationException
that names the fix, so that a refused request leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clusterport.errors import ValidationError
from clusterport.services.emr import configurations
from clusterport.services.emr.instance_types import InstanceType, instance_type
from clusterport.services.emr.releases import Application, check_release_label
from clusterport.services.emr.releases import resolve_applications as _applications

ROLES = ("MASTER", "CORE", "TASK")
MAX_TASK_GROUPS = 48
MIN_IDLE_TIMEOUT = 60
MAX_IDLE_TIMEOUT = 604800
DEFAULT_IDLE_TIMEOUT = 3600
ACTIONS_ON_FAILURE = ("TERMINATE_JOB_FLOW", "TERMINATE_CLUSTER", "CANCEL_AND_WAIT", "CONTINUE")
DEFAULT_ACTION_ON_FAILURE = "TERMINATE_CLUSTER"
_RUNNER_JARS = ("command-runner.jar", "script-runner.jar")


@dataclass(frozen=True)
class GroupRequest:
    """One instance group as asked for."""

    name: str
    role: str
    itype: InstanceType
    count: int
    market: str = "ON_DEMAND"
    bid_price: str | None = None
    configurations: Sequence[Mapping[str, Any]] = ()
    ebs: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ClusterRequest:
    """A RunJobFlow request after its checks."""

    name: str
    release_label: str
    applications: Sequence[Application]
    configurations: Sequence[Mapping[str, Any]]
    groups: Sequence[GroupRequest]
    bootstrap_actions: Sequence[Mapping[str, Any]]
    steps: Sequence[Mapping[str, Any]]
    keep_alive: bool
    termination_protected: bool
    idle_timeout: int | None
    managed_scaling: Mapping[str, Any] | None
    tags: Sequence[Mapping[str, str]]
    instances: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def vcpus(self) -> int:
        """vCPUs of every instance the cluster starts with."""
        return sum(g.itype.vcpus * g.count for g in self.groups)

    @property
    def worker_count(self) -> int:
        """Core and task nodes the cluster starts with."""
        return sum(g.count for g in self.groups if g.role != "MASTER")


def _invalid(message: str) -> ValidationError:
    return ValidationError(message)


def check_idle_timeout(value: Any) -> int:
    """An AutoTerminationPolicy's IdleTimeout: 60 s to 7 days, one hour when not given."""
    timeout = DEFAULT_IDLE_TIMEOUT if value is None else int(value)
    if not MIN_IDLE_TIMEOUT <= timeout <= MAX_IDLE_TIMEOUT:
        raise _invalid(
            f"IdleTimeout {timeout} is out of range; give {MIN_IDLE_TIMEOUT} to "
            f"{MAX_IDLE_TIMEOUT} seconds."
        )
    return timeout


def check_managed_scaling(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """A ManagedScalingPolicy with instance or vCPU limits that make sense."""
    limits = (policy or {}).get("ComputeLimits")
    if not limits:
        raise _invalid("ManagedScalingPolicy needs ComputeLimits (UnitType, Minimum/Maximum).")
    unit = limits.get("UnitType")
    if unit == "InstanceFleetUnits":
        raise _invalid(
            "InstanceFleetUnits apply to instance fleets, which this platform does not run; "
            "use UnitType Instances or VCPU."
        )
    low, high = int(limits["MinimumCapacityUnits"]), int(limits["MaximumCapacityUnits"])
    if low < 1 or high < low:
        raise _invalid(
            "ComputeLimits need 1 <= MinimumCapacityUnits <= MaximumCapacityUnits "
            f"(got {low} and {high})."
        )
    for key in ("MaximumOnDemandCapacityUnits", "MaximumCoreCapacityUnits"):
        value = limits.get(key)
        if value is not None and not low <= int(value) <= high:
            raise _invalid(
                f"{key} {value} must lie between MinimumCapacityUnits and MaximumCapacityUnits."
            )
    return {"ComputeLimits": dict(limits)} | {
        k: v for k, v in (policy or {}).items() if k != "ComputeLimits"
    }


def runner_jar(jar: str) -> str:
    """EMR's runner jars by their short name, also when given as their S3 location."""
    for name in _RUNNER_JARS:
        if jar == name or (jar.endswith(f"/{name}") and ".elasticmapreduce/" in jar):
            return name
    return jar


def check_steps(steps: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Step configurations with their defaults filled in."""
    out: list[dict[str, Any]] = []
    for step in steps or ():
        jar_step = step.get("HadoopJarStep") or {}
        jar = str(jar_step.get("Jar") or "")
        if not jar:
            raise _invalid(
                f"Step '{step.get('Name')}' has no HadoopJarStep.Jar; use command-runner.jar "
                "with the command in Args."
            )
        action = step.get("ActionOnFailure") or DEFAULT_ACTION_ON_FAILURE
        out.append(
            {
                "Name": str(step.get("Name") or ""),
                "ActionOnFailure": action,
                "Config": {
                    "Jar": runner_jar(jar),
                    "Properties": {
                        str(p["Key"]): str(p.get("Value", ""))
                        for p in jar_step.get("Properties") or ()
                    },
                    "MainClass": jar_step.get("MainClass") or None,
                    "Args": [str(a) for a in jar_step.get("Args") or ()],
                },
            }
        )
    return out


def _group(raw: Mapping[str, Any]) -> GroupRequest:
    role = str(raw.get("InstanceRole"))
    count = int(raw.get("InstanceCount", 0))
    return GroupRequest(
        name=str(raw.get("Name") or {"MASTER": "Master", "CORE": "Core"}.get(role, "Task")),
        role=role,
        itype=instance_type(str(raw.get("InstanceType"))),
        count=count,
        market=str(raw.get("Market") or "ON_DEMAND"),
        bid_price=raw.get("BidPrice"),
        configurations=configurations.normalize(raw.get("Configurations")),
        ebs=raw.get("EbsConfiguration"),
    )


def check_groups(groups: Sequence[GroupRequest]) -> None:
    """One primary node, at most one core group, task groups within EMR's limit."""
    by_role = {role: [g for g in groups if g.role == role] for role in ROLES}
    if len(by_role["MASTER"]) != 1:
        raise _invalid("Give exactly one instance group with InstanceRole MASTER.")
    if by_role["MASTER"][0].count != 1:
        raise _invalid(
            "The MASTER instance group needs InstanceCount 1 (clusters with several primary "
            "nodes are not supported here)."
        )
    if len(by_role["CORE"]) > 1:
        raise _invalid("Give at most one instance group with InstanceRole CORE.")
    if any(g.count < 1 for g in by_role["CORE"]):
        raise _invalid("The CORE instance group needs an InstanceCount of at least 1.")
    if len(by_role["TASK"]) > MAX_TASK_GROUPS:
        raise _invalid(f"A cluster can have at most {MAX_TASK_GROUPS} TASK instance groups.")
    if any(g.count < 0 for g in by_role["TASK"]):
        raise _invalid("A TASK instance group's InstanceCount cannot be negative.")
    if by_role["TASK"] and not by_role["CORE"]:
        raise _invalid("A cluster with TASK instance groups needs a CORE instance group too.")


def instance_groups(instances: Mapping[str, Any]) -> list[GroupRequest]:
    """The instance groups of ``Instances``, in either of RunJobFlow's two forms."""
    if instances.get("InstanceFleets"):
        raise _invalid(
            "Instance fleets are not supported on this platform; describe the cluster with "
            "InstanceGroups (or MasterInstanceType, SlaveInstanceType and InstanceCount)."
        )
    listed = instances.get("InstanceGroups")
    uniform = [
        k for k in ("MasterInstanceType", "SlaveInstanceType", "InstanceCount") if k in instances
    ]
    if listed and uniform:
        raise _invalid(
            "Give either InstanceGroups or MasterInstanceType/SlaveInstanceType/InstanceCount, "
            f"not both (found {', '.join(uniform)} next to InstanceGroups)."
        )
    if listed:
        groups = [_group(g) for g in listed]
    elif instances.get("MasterInstanceType"):
        count = int(instances.get("InstanceCount") or 1)
        if count < 1:
            raise _invalid("InstanceCount must be at least 1 (the primary node).")
        master = instance_type(str(instances["MasterInstanceType"]))
        groups = [GroupRequest("Master", "MASTER", master, 1)]
        if count > 1:
            slave_name = instances.get("SlaveInstanceType")
            if not slave_name:
                raise _invalid("InstanceCount above 1 needs SlaveInstanceType for the core nodes.")
            groups.append(GroupRequest("Core", "CORE", instance_type(str(slave_name)), count - 1))
    else:
        raise _invalid(
            "Instances needs InstanceGroups, or MasterInstanceType (with SlaveInstanceType "
            "and InstanceCount for core nodes)."
        )
    check_groups(groups)
    return groups


def _bootstrap_actions(actions: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for action in actions or ():
        script = action.get("ScriptBootstrapAction") or {}
        out.append(
            {
                "Name": str(action.get("Name") or ""),
                "ScriptPath": str(script.get("Path") or ""),
                "Args": [str(a) for a in script.get("Args") or ()],
            }
        )
    return out


def _tags(tags: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    merged: dict[str, str] = {}
    for tag in tags or ():
        key = str(tag.get("Key") or "")
        if not key:
            raise _invalid("Every tag needs a Key.")
        merged[key] = str(tag.get("Value") or "")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


#: RunJobFlow members kept as given and shown back by DescribeCluster.
KEPT_AS_GIVEN = (
    "LogUri",
    "LogEncryptionKmsKeyId",
    "JobFlowRole",
    "ServiceRole",
    "AutoScalingRole",
    "SecurityConfiguration",
    "ScaleDownBehavior",
    "CustomAmiId",
    "EbsRootVolumeSize",
    "EbsRootVolumeIops",
    "EbsRootVolumeThroughput",
    "RepoUpgradeOnBoot",
    "OSReleaseLabel",
    "ExtendedSupport",
    "PlacementGroupConfigs",
    "MonitoringConfiguration",
)


def parse_run_job_flow(params: Mapping[str, Any]) -> ClusterRequest:
    """Check a RunJobFlow request; ValidationException naming the first problem found."""
    instances = params["Instances"]
    if params.get("KerberosAttributes"):
        raise _invalid("Kerberos is not supported on this platform; remove KerberosAttributes.")
    if int(params.get("StepConcurrencyLevel") or 1) != 1:
        raise _invalid(
            "StepConcurrencyLevel above 1 is not supported here: steps run one at a time. "
            "Leave it out or give 1."
        )
    release = check_release_label(params.get("ReleaseLabel"), params.get("AmiVersion"))
    apps = _applications(params.get("Applications") or [])
    configs = configurations.normalize(params.get("Configurations"))
    configurations.spark_env(configs)
    configurations.livy_session_timeout(configs)
    groups = instance_groups(instances)
    policy = params.get("AutoTerminationPolicy")
    idle = check_idle_timeout(policy.get("IdleTimeout")) if policy else None
    scaling = params.get("ManagedScalingPolicy")
    return ClusterRequest(
        name=str(params["Name"]),
        release_label=release,
        applications=apps,
        configurations=configs,
        groups=groups,
        bootstrap_actions=_bootstrap_actions(params.get("BootstrapActions")),
        steps=check_steps(params.get("Steps")),
        keep_alive=bool(instances.get("KeepJobFlowAliveWhenNoSteps", False)),
        termination_protected=bool(instances.get("TerminationProtected", False)),
        idle_timeout=idle,
        managed_scaling=check_managed_scaling(scaling) if scaling else None,
        tags=_tags(params.get("Tags")),
        instances=instances,
        extra={k: params[k] for k in KEPT_AS_GIVEN if params.get(k) is not None},
    )


def tag_list(tags: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Tags with their keys checked, later ones winning."""
    return _tags(tags)
