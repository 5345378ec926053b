"""The stored document of a cluster, and how it reads back through the EMR API.

One resource row per cluster (service ``emr``, kind ``cluster``) holds::

    Cluster            the API-shaped cluster (Id, Name, Status, Applications …);
                       timestamps are ISO 8601 text in the store
    InstanceGroups     API-shaped instance groups (RequestedInstanceCount is the
                       desired size the reconciler works towards)
    Instances          API-shaped instances (Ec2InstanceId is the node's id in
                       the engine and in the EC2 network model)
    BootstrapActions   ListBootstrapActions entries
    Desired            RUNNING or TERMINATED: what the reconciler drives towards
    Termination        why termination was asked for: Code, Message, FinalState
    Engine             UiPrefix, ConnectToken (sealed), Endpoints once ready
                       (host:port addresses, see .endpoints), History: the
                       address of a persistent history server
    Network            VpcId, SubnetId, security groups of the nodes
    Events             what the platform did on its own (node replaced, resized …)

The row's ``state`` mirrors ``Cluster.Status.State`` so lists filter in SQL.
Steps, sessions and persistent app UIs are rows of their own.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from clusterport.services.emr.instance_types import normalization_factor

STARTING = "STARTING"
BOOTSTRAPPING = "BOOTSTRAPPING"
RUNNING = "RUNNING"
WAITING = "WAITING"
TERMINATING = "TERMINATING"
TERMINATED = "TERMINATED"
TERMINATED_WITH_ERRORS = "TERMINATED_WITH_ERRORS"

#: States of a cluster that holds (or is about to hold) processes on the host.
ACTIVE_STATES: tuple[str, ...] = (STARTING, BOOTSTRAPPING, RUNNING, WAITING, TERMINATING)
READY_STATES: tuple[str, ...] = (RUNNING, WAITING)
FINAL_STATES: tuple[str, ...] = (TERMINATED, TERMINATED_WITH_ERRORS)

DESIRED_RUNNING = "RUNNING"
DESIRED_TERMINATED = "TERMINATED"

#: Instance (and instance group) states.
PROVISIONING = "PROVISIONING"
INSTANCE_RUNNING = "RUNNING"
INSTANCE_TERMINATED = "TERMINATED"
GROUP_RESIZING = "RESIZING"

MAX_EVENTS = 20

_TIMELINE_KEYS = ("CreationDateTime", "ReadyDateTime", "StartDateTime", "EndDateTime")


def iso(when: dt.datetime) -> str:
    """A timestamp as stored (ISO 8601, UTC)."""
    return when.astimezone(dt.UTC).isoformat()


def parse_iso(text: str | None) -> dt.datetime | None:
    """A stored timestamp back as an aware datetime."""
    return dt.datetime.fromisoformat(text) if text else None


def _with_datetimes(value: Any) -> Any:
    """A deep copy of API-shaped data with its stored timeline strings as datetimes."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _TIMELINE_KEYS and isinstance(item, str):
                out[key] = parse_iso(item)
            elif key in ("CreationTime", "LastModifiedTime", "CreatedAt", "UpdatedAt"):
                out[key] = parse_iso(item) if isinstance(item, str) else item
            else:
                out[key] = _with_datetimes(item)
        return out
    if isinstance(value, list):
        return [_with_datetimes(v) for v in value]
    return value


def api_view(value: Any) -> Any:
    """Stored API-shaped data as the serializer wants it (timestamps as datetimes)."""
    return _with_datetimes(value)


def new_status(state: str, now: dt.datetime, message: str) -> dict[str, Any]:
    """A fresh ``Status`` with its creation time."""
    return {
        "State": state,
        "StateChangeReason": {"Message": message},
        "Timeline": {"CreationDateTime": iso(now)},
    }


def with_status(
    status: Mapping[str, Any],
    state: str,
    now: dt.datetime,
    *,
    code: str | None = None,
    message: str | None = None,
    ready_states: Iterable[str] = READY_STATES,
    final_states: Iterable[str] = FINAL_STATES,
) -> dict[str, Any]:
    """``status`` moved to ``state``: the reason replaced, the timeline filled in."""
    out = copy.deepcopy(dict(status))
    out["State"] = state
    reason: dict[str, Any] = {}
    if code:
        reason["Code"] = code
    if message is not None:
        reason["Message"] = message
    out["StateChangeReason"] = reason
    timeline = dict(out.get("Timeline") or {})
    if state in ready_states and "ReadyDateTime" not in timeline:
        timeline["ReadyDateTime"] = iso(now)
    if state in final_states and "EndDateTime" not in timeline:
        timeline["EndDateTime"] = iso(now)
    out["Timeline"] = timeline
    return out


def cluster_state(doc: Mapping[str, Any]) -> str:
    """The cluster's current EMR state."""
    return str(doc["Cluster"]["Status"]["State"])


def set_cluster_state(
    doc: Mapping[str, Any],
    state: str,
    now: dt.datetime,
    *,
    code: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """A copy of ``doc`` with the cluster in ``state``."""
    out = copy.deepcopy(dict(doc))
    out["Cluster"]["Status"] = with_status(
        out["Cluster"]["Status"], state, now, code=code, message=message
    )
    return out


def set_instance_state(
    instance: Mapping[str, Any],
    state: str,
    now: dt.datetime,
    *,
    code: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """A copy of an instance entry moved to ``state``."""
    out = copy.deepcopy(dict(instance))
    out["Status"] = with_status(
        out["Status"],
        state,
        now,
        code=code,
        message=message,
        ready_states=(INSTANCE_RUNNING,),
        final_states=(INSTANCE_TERMINATED,),
    )
    return out


def set_group_state(
    group: Mapping[str, Any], state: str, now: dt.datetime, *, message: str | None = None
) -> dict[str, Any]:
    """A copy of an instance group entry moved to ``state``."""
    out = copy.deepcopy(dict(group))
    out["Status"] = with_status(
        out["Status"],
        state,
        now,
        message=message,
        ready_states=(INSTANCE_RUNNING,),
        final_states=(INSTANCE_TERMINATED, "ENDED"),
    )
    return out


def add_event(doc: Mapping[str, Any], now: dt.datetime, message: str) -> dict[str, Any]:
    """A copy of ``doc`` remembering one thing the platform did on its own."""
    out = copy.deepcopy(dict(doc))
    events = [*out.get("Events", []), {"Time": iso(now), "Message": message}]
    out["Events"] = events[-MAX_EVENTS:]
    return out


def live_instances(doc: Mapping[str, Any], group_id: str | None = None) -> list[dict[str, Any]]:
    """Instances not TERMINATED, optionally of one group."""
    return [
        i
        for i in doc.get("Instances", [])
        if i["Status"]["State"] != INSTANCE_TERMINATED
        and (group_id is None or i["InstanceGroupId"] == group_id)
    ]


def group_of_role(doc: Mapping[str, Any], role: str) -> dict[str, Any] | None:
    """The (first) instance group of ``role`` (MASTER, CORE or TASK)."""
    return next((g for g in doc.get("InstanceGroups", []) if g["InstanceGroupType"] == role), None)


def master_instance(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The primary node's instance entry."""
    master = group_of_role(doc, "MASTER")
    if master is None:
        return None
    return next((i for i in doc.get("Instances", []) if i["InstanceGroupId"] == master["Id"]), None)


def normalized_instance_hours(doc: Mapping[str, Any], now: dt.datetime) -> int:
    """EMR's NormalizedInstanceHours: every instance's started hours times its size factor."""
    total = 0.0
    for instance in doc.get("Instances", []):
        timeline = instance["Status"].get("Timeline", {})
        start = parse_iso(timeline.get("ReadyDateTime"))
        if start is None:
            continue
        end = parse_iso(timeline.get("EndDateTime")) or now
        hours = max(1, math.ceil((end - start).total_seconds() / 3600))
        total += hours * normalization_factor(instance["InstanceType"])
    return int(total)


def group_api(doc: Mapping[str, Any], group: Mapping[str, Any]) -> dict[str, Any]:
    """An instance group as ListInstanceGroups shows it (with its running count)."""
    out: dict[str, Any] = api_view(group)
    running = [
        i
        for i in doc.get("Instances", [])
        if i["InstanceGroupId"] == group["Id"] and i["Status"]["State"] == INSTANCE_RUNNING
    ]
    out["RunningInstanceCount"] = len(running)
    return out


#: The configuration classification that marks a cluster of a test engine.
TEST_ENGINE_CLASSIFICATION = "clusterport-engine"


def engine_note(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The configuration saying a cluster runs on a test engine (None on a real one).

    Shown in DescribeCluster's ``Configurations`` (never stored among the
    cluster's own), so every client, the Studio panel included, can tell.
    """
    engine = doc.get("Engine") or {}
    if not engine.get("ForTests"):
        return None
    return {
        "Classification": TEST_ENGINE_CLASSIFICATION,
        "Properties": {
            "engine": str(engine.get("Name", "")),
            "test-engine": "true",
            "note": str(engine.get("Summary", "")),
        },
    }


def test_engine_refusal(doc: Mapping[str, Any], what: str) -> str | None:
    """Why ``what`` (a session, Livy, a Spark UI) cannot be reached on a test engine's cluster."""
    engine = doc.get("Engine") or {}
    if not engine.get("ForTests"):
        return None
    return (
        f"Cluster {doc['Cluster']['Id']} runs on the {engine.get('Name')} test engine, which "
        f"runs no Spark, so {what} has nothing to connect to. Run the server with "
        "--engine local for real clusters."
    )


def describe(doc: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The ``Cluster`` structure of DescribeCluster (a test engine's clusters say so)."""
    out: dict[str, Any] = api_view(doc["Cluster"])
    out["NormalizedInstanceHours"] = normalized_instance_hours(doc, now)
    note = engine_note(doc)
    if note is not None:
        out["Configurations"] = [*out.get("Configurations", []), note]
    return out


def summary(doc: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The ``ClusterSummary`` of ListClusters."""
    cluster = doc["Cluster"]
    return {
        "Id": cluster["Id"],
        "Name": cluster["Name"],
        "Status": api_view(cluster["Status"]),
        "NormalizedInstanceHours": normalized_instance_hours(doc, now),
        "ClusterArn": cluster["ClusterArn"],
    }
