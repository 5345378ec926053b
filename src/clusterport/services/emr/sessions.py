"""EMR sessions: a Spark Connect session of a cluster, reached through its auth proxy.

``StartSession`` records a session of a RUNNING or WAITING cluster.
``GetSessionEndpoint`` hands out ``sc://localhost:<proxy port>`` and a
session token minted for that session with the cluster's session key (the
engine's :class:`~clusterport.engines.base.ClusterAccess`, shared with the
proxy), valid for :data:`TOKEN_LIFETIME`; the client calls it again for a new
token. An endpoint on this host is named ``localhost`` because the Spark
Connect client only skips TLS for that literal host. ``TerminateSession``
has the engine revoke the session, and the proxy refuses its tokens from then
on; terminating the cluster ends every session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import Engine
from clusterport.engines.connect_proxy import mint_session_token
from clusterport.errors import ValidationError
from clusterport.services.emr import endpoints, ids
from clusterport.services.emr.documents import (
    READY_STATES,
    api_view,
    cluster_state,
    iso,
    test_engine_refusal,
)
from clusterport.services.emr.paging import page
from clusterport.services.emr.records import SESSION, EmrRecords
from clusterport.services.emr.spec import CONNECT_PROXY
from clusterport.store.resources import ResourceRow

TOKEN_LIFETIME = dt.timedelta(hours=1)
STARTED = "STARTED"
TERMINATED = "TERMINATED"
LIVE_STATES = ("SUBMITTED", "STARTING", STARTED, "IDLE", "BUSY")
_LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


def _ready_cluster(rec: EmrRecords, cluster_id: str) -> ResourceRow:
    row = rec.cluster(cluster_id)
    state = cluster_state(row.data)
    if state not in READY_STATES:
        raise ValidationError(
            f"Cluster {cluster_id} is {state}; sessions need a RUNNING or WAITING cluster. "
            "Wait for it with the cluster_running waiter.",
            code="InvalidRequestException",
        )
    return row


def _session(rec: EmrRecords, cluster_id: str, session_id: str) -> ResourceRow:
    row = rec.store.get(rec.account_id, rec.region, SESSION, session_id)
    if row is None or row.parent_id != cluster_id:
        raise ValidationError(
            f"Session '{session_id}' is not a session of cluster {cluster_id}; list them with "
            "ListSessions.",
            code="InvalidRequestException",
        )
    return row


def start_session(rec: EmrRecords, params: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """StartSession: a STARTED session of a ready cluster (idempotent per ClientRequestToken)."""
    cluster_id = str(params["ClusterId"])
    cluster = _ready_cluster(rec, cluster_id)
    token = params.get("ClientRequestToken")
    if token:
        for row in rec.children(SESSION, cluster_id):
            if row.data.get("ClientRequestToken") == token:
                return row.data
    session_id = ids.session_id()
    data: dict[str, Any] = {
        "Id": session_id,
        "ClusterId": cluster_id,
        "Name": params.get("Name") or session_id,
        "Arn": f"{cluster.data['Cluster']['ClusterArn']}/session/{session_id}",
        "State": STARTED,
        "ReleaseLabel": cluster.data["Cluster"]["ReleaseLabel"],
        "AccountId": rec.account_id,
        "CreatedAt": iso(now),
        "UpdatedAt": iso(now),
        "StartedAt": iso(now),
        "EngineConfigurations": list(params.get("EngineConfigurations") or []),
        "Tags": list(params.get("Tags") or []),
    }
    for member in ("ExecutionRoleArn", "MonitoringConfiguration", "SessionIdleTimeoutInMinutes"):
        if params.get(member) is not None:
            data[member] = params[member]
    if token:
        data["ClientRequestToken"] = token
    rec.store.add(
        account_id=rec.account_id,
        region=rec.region,
        kind=SESSION,
        resource_id=session_id,
        parent_id=cluster_id,
        name=str(data["Name"]),
        state=STARTED,
        data=data,
        now=now,
    )
    return data


def session_view(data: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Session`` shape."""
    out: dict[str, Any] = api_view({k: v for k, v in data.items() if k != "ClientRequestToken"})
    for key in ("StartedAt", "EndedAt", "IdleSince"):
        if isinstance(out.get(key), str):
            out[key] = dt.datetime.fromisoformat(out[key])
    return out


def get_session(rec: EmrRecords, cluster_id: str, session_id: str) -> dict[str, Any]:
    """GetSession."""
    rec.cluster(cluster_id)
    return session_view(_session(rec, cluster_id, session_id).data)


def list_sessions(rec: EmrRecords, params: Mapping[str, Any]) -> dict[str, Any]:
    """ListSessions: newest first, filtered by state."""
    cluster_id = str(params["ClusterId"])
    rec.cluster(cluster_id)
    states = params.get("SessionStates")
    rows = [
        r for r in reversed(rec.children(SESSION, cluster_id)) if not states or r.state in states
    ]
    size = int(params.get("MaxResults") or 50)
    chosen, token = page(rows, params.get("NextToken"), f"sessions|{cluster_id}|{states}", size)
    out: dict[str, Any] = {"Sessions": [session_view(r.data) for r in chosen]}
    if token:
        out["NextToken"] = token
    return out


def terminate_session(rec: EmrRecords, cluster_id: str, session_id: str, now: dt.datetime) -> bool:
    """TerminateSession: the session ends; True when it was live (the engine revokes it)."""
    rec.cluster(cluster_id)
    row = _session(rec, cluster_id, session_id)
    if row.state in LIVE_STATES:
        data = {
            **row.data,
            "State": TERMINATED,
            "UpdatedAt": iso(now),
            "EndedAt": iso(now),
            "StateChangeReason": "Terminated by user request.",
        }
        rec.store.update(row, data, now, state=TERMINATED)
        return True
    return False


def terminated(cluster_id: str, session_id: str) -> dict[str, Any]:
    """TerminateSession's answer."""
    return {"ClusterId": cluster_id, "SessionId": session_id, "State": TERMINATED}


async def session_endpoint(
    rec: EmrRecords, engine: Engine, cluster_id: str, session_id: str, now: dt.datetime
) -> dict[str, Any]:
    """GetSessionEndpoint: the proxy's Spark Connect endpoint and a fresh session token."""
    cluster = _ready_cluster(rec, cluster_id)
    row = _session(rec, cluster_id, session_id)
    if row.state not in LIVE_STATES:
        raise ValidationError(
            f"Session {session_id} is {row.state}; start a new one with StartSession.",
            code="InvalidRequestException",
        )
    refusal = test_engine_refusal(cluster.data, "a Spark Connect session")
    if refusal is not None:
        raise ValidationError(refusal, code="InvalidRequestException")
    proxy = endpoints.sidecar_endpoint(cluster.data, CONNECT_PROXY)
    if proxy is None:
        raise ValidationError(
            f"Cluster {cluster_id} has no Spark Connect endpoint yet; wait for it to be WAITING.",
            code="InvalidRequestException",
        )
    access = await engine.access(cluster_id)
    expires = (now + TOKEN_LIFETIME).replace(microsecond=0)
    host = "localhost" if proxy.host in _LOCAL_HOSTS else proxy.host
    return {
        "Endpoint": f"sc://{host}:{proxy.port}",
        "AuthToken": mint_session_token(access.session_key, session_id, expires),
        "AuthTokenExpirationTime": expires,
    }
