"""EMR resources (``AWS::EMR::Cluster``, ``AWS::EMR::Step``) through the EMR API.

A cluster is CREATE_COMPLETE once EMR shows it WAITING or RUNNING, and
failed when it ends TERMINATED_WITH_ERRORS (the cluster's StateChangeReason
becomes the resource's reason). Changing instance counts resizes the
cluster's groups in place (ModifyInstanceGroups); changes to most other
properties replace the cluster, as CloudFormation documents.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, ClassVar

from clusterport.services.cloudformation.resources.base import (
    ResourceApi,
    ResourceFailed,
    ResourceHandler,
    ResourceRequest,
    UpdateKind,
    changed_properties,
    require,
)

READY_STATES = ("WAITING", "RUNNING")
ENDED_STATES = ("TERMINATED", "TERMINATED_WITH_ERRORS")
FAILING_STATES = ("TERMINATING", *ENDED_STATES)

#: RunJobFlow members CloudFormation passes through under the same name.
_SAME_NAME = (
    "Name",
    "ReleaseLabel",
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
    "StepConcurrencyLevel",
    "OSReleaseLabel",
    "VisibleToAllUsers",
    "AutoTerminationPolicy",
    "ManagedScalingPolicy",
    "KerberosAttributes",
    "PlacementGroupConfigs",
    "Applications",
    "BootstrapActions",
)
#: JobFlowInstancesConfig members passed through under the same name.
_INSTANCES_SAME_NAME = (
    "Ec2KeyName",
    "Ec2SubnetId",
    "Ec2SubnetIds",
    "EmrManagedMasterSecurityGroup",
    "EmrManagedSlaveSecurityGroup",
    "ServiceAccessSecurityGroup",
    "AdditionalMasterSecurityGroups",
    "AdditionalSlaveSecurityGroups",
    "HadoopVersion",
    "TerminationProtected",
    "UnhealthyNodeReplacement",
    "Placement",
)
_GROUP_MEMBERS = (
    "Name",
    "InstanceCount",
    "InstanceType",
    "Market",
    "BidPrice",
    "EbsConfiguration",
    "AutoScalingPolicy",
    "CustomAmiId",
)


def configurations(items: Any) -> list[dict[str, Any]]:
    """CloudFormation's Configurations (``ConfigurationProperties``) as EMR's (``Properties``)."""
    out: list[dict[str, Any]] = []
    for item in items or ():
        entry: dict[str, Any] = {}
        if item.get("Classification") is not None:
            entry["Classification"] = item["Classification"]
        if item.get("ConfigurationProperties") is not None:
            entry["Properties"] = dict(item["ConfigurationProperties"])
        if item.get("Configurations"):
            entry["Configurations"] = configurations(item["Configurations"])
        out.append(entry)
    return out


def step_config(step: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudFormation StepConfig as EMR's (``StepProperties`` become ``Properties``)."""
    jar_step = dict(step.get("HadoopJarStep") or {})
    hadoop: dict[str, Any] = {"Jar": jar_step.get("Jar")}
    if jar_step.get("MainClass"):
        hadoop["MainClass"] = jar_step["MainClass"]
    if jar_step.get("Args") is not None:
        hadoop["Args"] = list(jar_step["Args"])
    if jar_step.get("StepProperties"):
        hadoop["Properties"] = list(jar_step["StepProperties"])
    config: dict[str, Any] = {"Name": step.get("Name"), "HadoopJarStep": hadoop}
    if step.get("ActionOnFailure") is not None:
        config["ActionOnFailure"] = step["ActionOnFailure"]
    return config


def _group(raw: Mapping[str, Any], role: str) -> dict[str, Any]:
    group: dict[str, Any] = {"InstanceRole": role}
    for key in _GROUP_MEMBERS:
        if raw.get(key) is not None:
            group[key] = raw[key]
    group.setdefault("Market", "ON_DEMAND")
    if raw.get("Configurations"):
        group["Configurations"] = configurations(raw["Configurations"])
    return group


def run_job_flow_request(api: ResourceApi, request: ResourceRequest) -> dict[str, Any]:
    """RunJobFlow's parameters for an ``AWS::EMR::Cluster``'s properties."""
    props = request.properties
    params: dict[str, Any] = {k: props[k] for k in _SAME_NAME if props.get(k) is not None}
    require(props, "Name", "AWS::EMR::Cluster")
    if props.get("Configurations"):
        params["Configurations"] = configurations(props["Configurations"])
    if props.get("Steps"):
        params["Steps"] = [step_config(s) for s in props["Steps"]]
    if props.get("AdditionalInfo") is not None:
        info = props["AdditionalInfo"]
        params["AdditionalInfo"] = info if isinstance(info, str) else json.dumps(info)
    raw = dict(require(props, "Instances", "AWS::EMR::Cluster"))
    instances: dict[str, Any] = {k: raw[k] for k in _INSTANCES_SAME_NAME if raw.get(k) is not None}
    # CloudFormation keeps a cluster without steps alive unless told otherwise.
    instances["KeepJobFlowAliveWhenNoSteps"] = raw.get("KeepJobFlowAliveWhenNoSteps", True)
    fleets = [raw[k] for k in ("MasterInstanceFleet", "CoreInstanceFleet") if raw.get(k)]
    fleets.extend(raw.get("TaskInstanceFleets") or ())
    if fleets:
        instances["InstanceFleets"] = fleets
    groups: list[dict[str, Any]] = []
    if raw.get("MasterInstanceGroup"):
        groups.append(_group(raw["MasterInstanceGroup"], "MASTER"))
    if raw.get("CoreInstanceGroup"):
        groups.append(_group(raw["CoreInstanceGroup"], "CORE"))
    groups.extend(_group(g, "TASK") for g in raw.get("TaskInstanceGroups") or ())
    if groups:
        instances["InstanceGroups"] = groups
    params["Instances"] = instances
    params["Tags"] = api.resource_tags(request.logical_id, props.get("Tags"))
    return params


def _without_counts(props: Mapping[str, Any]) -> dict[str, Any]:
    """The properties with everything an in-place update may change taken out."""
    out = copy.deepcopy(dict(props))
    for key in Cluster.updatable_top_level:
        out.pop(key, None)
    instances = dict(out.get("Instances") or {})
    instances.pop("TerminationProtected", None)
    for key in ("CoreInstanceGroup", "MasterInstanceGroup"):
        if isinstance(instances.get(key), dict):
            group = dict(instances[key])
            if key == "CoreInstanceGroup":
                group.pop("InstanceCount", None)
            instances[key] = group
    if isinstance(instances.get("TaskInstanceGroups"), list):
        instances["TaskInstanceGroups"] = [
            {k: v for k, v in g.items() if k != "InstanceCount"}
            for g in instances["TaskInstanceGroups"]
        ]
    out["Instances"] = instances
    return out


class Cluster(ResourceHandler):
    """``AWS::EMR::Cluster``: Ref is the cluster ID; GetAtt gives ``MasterPublicDNS`` and ``Id``."""

    type_name = "AWS::EMR::Cluster"
    #: Top-level properties changed in place (besides instance counts and TerminationProtected).
    updatable_top_level: ClassVar[frozenset[str]] = frozenset(
        {
            "VisibleToAllUsers",
            "ManagedScalingPolicy",
            "AutoTerminationPolicy",
            "StepConcurrencyLevel",
            "Tags",
        }
    )
    attribute_names = ("MasterPublicDNS", "Id")

    def update_kind(self, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> UpdateKind:
        if not changed_properties(old, new):
            return "none"
        if _without_counts(old or {}) == _without_counts(new):
            return "in-place"
        return "replace"

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        result = await api.call("emr", "RunJobFlow", run_job_flow_request(api, request))
        return str(result["JobFlowId"])

    async def _cluster(self, api: ResourceApi, cluster_id: str) -> dict[str, Any]:
        found = await api.lookup("emr", "DescribeCluster", {"ClusterId": cluster_id})
        return dict(found.get("Cluster") or {})

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        cluster_id = str(request.physical_id)
        cluster = await self._cluster(api, cluster_id)
        status = cluster.get("Status") or {}
        state = status.get("State")
        if state in READY_STATES:
            return {"Id": cluster_id, "MasterPublicDNS": cluster.get("MasterPublicDnsName", "")}
        if state in ENDED_STATES:
            # Reported once the cluster has ended (not while TERMINATING), so the state
            # named is the one it ends in, as CloudFormation waits for it on AWS.
            reason = (status.get("StateChangeReason") or {}).get("Message") or state
            raise ResourceFailed(f"Cluster {cluster_id} failed to start ({state}): {reason}")
        return None

    async def _groups(self, api: ResourceApi, cluster_id: str) -> list[dict[str, Any]]:
        found = await api.lookup("emr", "ListInstanceGroups", {"ClusterId": cluster_id})
        return list(found.get("InstanceGroups") or ())

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        cluster_id = str(request.physical_id)
        old, new = request.previous_properties or {}, request.properties
        changed = changed_properties(old, new)
        resize = self._resize(old, new, await self._groups(api, cluster_id))
        if resize:
            await api.call(
                "emr", "ModifyInstanceGroups", {"ClusterId": cluster_id, "InstanceGroups": resize}
            )
        old_protected = (old.get("Instances") or {}).get("TerminationProtected")
        new_protected = (new.get("Instances") or {}).get("TerminationProtected")
        if old_protected != new_protected:
            await api.call(
                "emr",
                "SetTerminationProtection",
                {"JobFlowIds": [cluster_id], "TerminationProtected": new_protected or False},
            )
        if "VisibleToAllUsers" in changed:
            await api.call(
                "emr",
                "SetVisibleToAllUsers",
                {
                    "JobFlowIds": [cluster_id],
                    "VisibleToAllUsers": new.get("VisibleToAllUsers", True),
                },
            )
        for key, put, remove in (
            ("ManagedScalingPolicy", "PutManagedScalingPolicy", "RemoveManagedScalingPolicy"),
            ("AutoTerminationPolicy", "PutAutoTerminationPolicy", "RemoveAutoTerminationPolicy"),
        ):
            if key in changed:
                if new.get(key):
                    await api.call("emr", put, {"ClusterId": cluster_id, key: new[key]})
                else:
                    await api.call("emr", remove, {"ClusterId": cluster_id})
        if "StepConcurrencyLevel" in changed and new.get("StepConcurrencyLevel") is not None:
            await api.call(
                "emr",
                "ModifyCluster",
                {"ClusterId": cluster_id, "StepConcurrencyLevel": new["StepConcurrencyLevel"]},
            )
        if "Tags" in changed:
            await self._retag(api, cluster_id, old, new)
        return {}

    @staticmethod
    def _resize(
        old: Mapping[str, Any], new: Mapping[str, Any], groups: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        old_instances, new_instances = old.get("Instances") or {}, new.get("Instances") or {}
        wanted: list[tuple[str, str | None, Any, Any]] = [
            (
                "CORE",
                None,
                (old_instances.get("CoreInstanceGroup") or {}).get("InstanceCount"),
                (new_instances.get("CoreInstanceGroup") or {}).get("InstanceCount"),
            )
        ]
        old_tasks = list(old_instances.get("TaskInstanceGroups") or ())
        for index, task in enumerate(new_instances.get("TaskInstanceGroups") or ()):
            before = old_tasks[index].get("InstanceCount") if index < len(old_tasks) else None
            wanted.append(("TASK", task.get("Name"), before, task.get("InstanceCount")))
        out: list[dict[str, Any]] = []
        for role, name, before, after in wanted:
            if after is None or str(before) == str(after):
                continue
            match = [
                g
                for g in groups
                if g.get("InstanceGroupType") == role and (name is None or g.get("Name") == name)
            ]
            if not match:
                raise ResourceFailed(
                    f"The cluster has no {role} instance group"
                    + (f" named {name}" if name else "")
                    + " to resize; a new group needs a new cluster."
                )
            out.append({"InstanceGroupId": match[0]["Id"], "InstanceCount": int(after)})
        return out

    async def _retag(
        self, api: ResourceApi, cluster_id: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        before = {str(t["Key"]) for t in old.get("Tags") or ()}
        after = {str(t["Key"]) for t in new.get("Tags") or ()}
        if before - after:
            await api.call(
                "emr", "RemoveTags", {"ResourceId": cluster_id, "TagKeys": sorted(before - after)}
            )
        if new.get("Tags"):
            await api.call("emr", "AddTags", {"ResourceId": cluster_id, "Tags": new["Tags"]})

    async def check_updated(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        cluster_id = str(request.physical_id)
        cluster = await self._cluster(api, cluster_id)
        state = (cluster.get("Status") or {}).get("State")
        if state in FAILING_STATES:
            reason = ((cluster.get("Status") or {}).get("StateChangeReason") or {}).get("Message")
            raise ResourceFailed(
                f"Cluster {cluster_id} stopped during the update ({state}): {reason}"
            )
        for group in await self._groups(api, cluster_id):
            group_state = (group.get("Status") or {}).get("State")
            if group_state in ("RESIZING", "PROVISIONING", "BOOTSTRAPPING", "RECONFIGURING"):
                return None
            if group_state in ("SUSPENDED", "ARRESTED"):
                reason = ((group.get("Status") or {}).get("StateChangeReason") or {}).get("Message")
                raise ResourceFailed(
                    f"Instance group {group.get('Id')} could not be resized "
                    f"({group_state}): {reason}"
                )
            if group.get("RunningInstanceCount") != group.get("RequestedInstanceCount"):
                return None
        return {"Id": cluster_id, "MasterPublicDNS": cluster.get("MasterPublicDnsName", "")}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        cluster_id = str(request.physical_id)
        try:
            cluster = await self._cluster(api, cluster_id)
        except ResourceFailed:
            return  # a cluster EMR does not know any more is gone
        state = (cluster.get("Status") or {}).get("State")
        if state in ENDED_STATES:
            return
        if cluster.get("TerminationProtected"):
            raise ResourceFailed(
                f"Cluster {cluster_id} has termination protection on; turn it off "
                "(TerminationProtected: false, or emr set-termination-protection) and delete again."
            )
        await api.call("emr", "TerminateJobFlows", {"JobFlowIds": [cluster_id]})

    async def check_deleted(self, api: ResourceApi, request: ResourceRequest) -> bool:
        try:
            cluster = await self._cluster(api, str(request.physical_id))
        except ResourceFailed:
            return True
        return (cluster.get("Status") or {}).get("State") in ENDED_STATES


class Step(ResourceHandler):
    """``AWS::EMR::Step``: complete when the step has COMPLETED; failed when it fails."""

    type_name = "AWS::EMR::Step"

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        cluster_id = require(props, "JobFlowId", self.type_name)
        require(props, "HadoopJarStep", self.type_name)
        config = step_config(props)
        config.setdefault("ActionOnFailure", props.get("ActionOnFailure") or "CONTINUE")
        result = await api.call(
            "emr", "AddJobFlowSteps", {"JobFlowId": cluster_id, "Steps": [config]}
        )
        return str(result["StepIds"][0])

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        found = await api.lookup(
            "emr",
            "DescribeStep",
            {"ClusterId": request.properties.get("JobFlowId"), "StepId": request.physical_id},
        )
        status = (found.get("Step") or {}).get("Status") or {}
        state = status.get("State")
        if state == "COMPLETED":
            return {"Id": request.physical_id}
        if state in ("FAILED", "CANCELLED", "INTERRUPTED"):
            details = status.get("FailureDetails") or {}
            reason = details.get("Message") or details.get("Reason") or state
            raise ResourceFailed(f"Step {request.physical_id} ended {state}: {reason}")
        return None

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        return None  # EMR keeps a cluster's step history; there is nothing to delete


HANDLERS: tuple[type[ResourceHandler], ...] = (Cluster, Step)
