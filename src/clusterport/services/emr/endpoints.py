"""Where a cluster's servers answer, as its stored document keeps them.

The engine reports :class:`~clusterport.engines.base.Endpoint` values; the
document keeps each as its ``host:port`` address under ``Engine.Endpoints``
(``MasterUi``, ``Connect``, ``AppUi``, ``History``, ``Sidecars``) while the
cluster runs, and the persistent history server's under ``Engine.History``.
An endpoint on port 0 answers nothing (a test engine's): it reads as none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import ClusterEndpoints, Endpoint
from clusterport.services.emr.documents import READY_STATES, cluster_state


def endpoints_data(endpoints: ClusterEndpoints) -> dict[str, Any]:
    """Engine endpoints as stored in the document."""
    return {
        "MasterUrl": endpoints.master_url,
        "MasterUi": endpoints.master_ui.address,
        "Connect": endpoints.connect.address,
        "AppUi": endpoints.app_ui.address,
        "History": endpoints.history.address if endpoints.history else None,
        "Sidecars": {name: e.address for name, e in endpoints.sidecars.items()},
    }


def _parsed(address: object) -> Endpoint | None:
    if not address:
        return None
    try:
        found = Endpoint.parse(str(address))
    except ValueError:
        return None
    return found if found.port else None


def running_endpoint(doc: Mapping[str, Any], name: str) -> Endpoint | None:
    """An endpoint of the running cluster (``MasterUi``, ``Connect``, ``AppUi``), if known."""
    return _parsed((doc["Engine"].get("Endpoints") or {}).get(name))


def sidecar_endpoint(doc: Mapping[str, Any], name: str) -> Endpoint | None:
    """Where a sidecar of the running cluster answers, if it runs one."""
    return _parsed(((doc["Engine"].get("Endpoints") or {}).get("Sidecars") or {}).get(name))


def history_endpoint(doc: Mapping[str, Any]) -> Endpoint | None:
    """The history server that serves a cluster's UI now: its own while it runs, else the
    persistent one started for it (if any)."""
    if cluster_state(doc) in READY_STATES:
        found = running_endpoint(doc, "History")
        if found is not None:
            return found
    return _parsed(doc["Engine"].get("History"))
