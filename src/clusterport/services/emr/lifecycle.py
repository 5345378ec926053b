"""How a cluster's document changes as it moves through EMR's states (pure functions).

::

    STARTING ─▶ BOOTSTRAPPING ─▶ WAITING ⇄ RUNNING ─▶ TERMINATING ─▶ TERMINATED
        └──────────────┴────────────┴──────────┴──────────┴────▶ TERMINATED_WITH_ERRORS

The reconciler and the API both go through these, so a state change always
fills in the timeline, the reason and the instances the same way.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import ClusterEndpoints
from clusterport.services.emr import configurations
from clusterport.services.emr.documents import (
    BOOTSTRAPPING,
    DESIRED_TERMINATED,
    FINAL_STATES,
    INSTANCE_RUNNING,
    INSTANCE_TERMINATED,
    TERMINATED,
    TERMINATING,
    WAITING,
    cluster_state,
    iso,
    set_cluster_state,
    set_group_state,
    set_instance_state,
)
from clusterport.services.emr.endpoints import endpoints_data

USER_REQUEST = "USER_REQUEST"
ALL_STEPS_COMPLETED = "ALL_STEPS_COMPLETED"
IDLE_TIMEOUT = "IDLE_TIMEOUT"
STEP_FAILURE = "STEP_FAILURE"
BOOTSTRAP_FAILURE = "BOOTSTRAP_FAILURE"
INSTANCE_FAILURE = "INSTANCE_FAILURE"
INTERNAL_ERROR = "INTERNAL_ERROR"

READY_MESSAGE = "Cluster ready to run steps."
AFTER_STEPS_MESSAGE = "Cluster ready after last step completed."


def starting(doc: Mapping[str, Any], state: str, message: str, now: dt.datetime) -> dict[str, Any]:
    """The cluster in STARTING or BOOTSTRAPPING; its instances follow."""
    out = set_cluster_state(doc, state, now, message=message)
    instance_state = BOOTSTRAPPING if state == BOOTSTRAPPING else "PROVISIONING"
    out["Instances"] = [
        set_instance_state(i, instance_state, now)
        if i["Status"]["State"] != INSTANCE_TERMINATED
        else i
        for i in out["Instances"]
    ]
    out["InstanceGroups"] = [set_group_state(g, instance_state, now) for g in out["InstanceGroups"]]
    return out


def with_endpoints(doc: Mapping[str, Any], endpoints: ClusterEndpoints) -> dict[str, Any]:
    """The document with the engine's endpoints, Livy's port advertised in ``livy-conf``."""
    out = copy.deepcopy(dict(doc))
    out["Engine"] = {**out["Engine"], "Endpoints": endpoints_data(endpoints)}
    livy = endpoints.sidecars.get("livy")
    if livy is not None:
        out["Cluster"]["Configurations"] = configurations.with_livy_port(
            out["Cluster"].get("Configurations", []), livy.port
        )
    return out


def ready(doc: Mapping[str, Any], endpoints: ClusterEndpoints, now: dt.datetime) -> dict[str, Any]:
    """The cluster WAITING with its endpoints known; every live instance RUNNING."""
    out = with_endpoints(set_cluster_state(doc, WAITING, now, message=READY_MESSAGE), endpoints)
    out["Instances"] = [
        set_instance_state(i, INSTANCE_RUNNING, now)
        if i["Status"]["State"] != INSTANCE_TERMINATED
        else i
        for i in out["Instances"]
    ]
    out["InstanceGroups"] = [
        set_group_state(g, INSTANCE_RUNNING, now) for g in out["InstanceGroups"]
    ]
    out["LastActivity"] = iso(now)
    return out


def request_termination(
    doc: Mapping[str, Any],
    now: dt.datetime,
    *,
    code: str,
    message: str,
    final_state: str = TERMINATED,
) -> dict[str, Any]:
    """The cluster asked to terminate (TERMINATING at once, as EMR shows it).

    A termination already asked for keeps its first reason.
    """
    out = copy.deepcopy(dict(doc))
    if cluster_state(out) in FINAL_STATES:
        return out
    if out.get("Desired") != DESIRED_TERMINATED:
        out["Desired"] = DESIRED_TERMINATED
        out["Termination"] = {"Code": code, "Message": message, "FinalState": final_state}
    reason = out["Termination"]
    return set_cluster_state(out, TERMINATING, now, code=reason["Code"], message=reason["Message"])


def finalized(doc: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The cluster in its final state: every instance and group TERMINATED."""
    reason = doc.get("Termination") or {
        "Code": INTERNAL_ERROR,
        "Message": "The cluster stopped.",
        "FinalState": TERMINATED,
    }
    out = set_cluster_state(
        doc, reason["FinalState"], now, code=reason["Code"], message=reason["Message"]
    )
    out["Desired"] = DESIRED_TERMINATED
    out["Instances"] = [
        set_instance_state(
            i, INSTANCE_TERMINATED, now, code="CLUSTER_TERMINATED", message="Cluster terminated."
        )
        if i["Status"]["State"] != INSTANCE_TERMINATED
        else i
        for i in out["Instances"]
    ]
    out["InstanceGroups"] = [
        set_group_state(g, "ENDED", now, message="Cluster terminated.")
        for g in out["InstanceGroups"]
    ]
    engine = dict(out.get("Engine") or {})
    engine["Endpoints"] = None
    out["Engine"] = engine
    return out


def failed_start(doc: Mapping[str, Any], message: str, now: dt.datetime) -> dict[str, Any]:
    """A cluster whose start failed: ready to be finalized with the engine's reason."""
    code = BOOTSTRAP_FAILURE if message.startswith("Bootstrap action") else INTERNAL_ERROR
    return request_termination(
        doc, now, code=code, message=message, final_state="TERMINATED_WITH_ERRORS"
    )
