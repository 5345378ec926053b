"""What the primary node's sidecars say about use of the cluster, for idle auto-termination.

The Livy endpoint answers ``GET /_clusterport/activity``; the Spark Connect
proxy writes its activity to a JSON file in the cluster's work dir. Either
may be missing (no Livy application, a sidecar that has not written yet):
that is no activity, never an error.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import httpx

from clusterport.engines.livy.config import ACCESS_KEY_HEADER
from clusterport.services.emr.spec import PROXY_ACTIVITY_FILE, livy_key

_TIMEOUT = 3.0


@dataclass(frozen=True)
class SidecarActivity:
    """Whether a sidecar is in use now, and when it last was."""

    busy: bool
    last_activity: dt.datetime | None


def _when(epoch: object) -> dt.datetime | None:
    if isinstance(epoch, int | float) and epoch > 0:
        return dt.datetime.fromtimestamp(float(epoch), dt.UTC)
    return None


async def livy_activity(port: int, work_dir: Path) -> SidecarActivity | None:
    """The Livy endpoint's activity: busy while a session starts or runs a statement."""
    try:
        # Plain HTTP to 127.0.0.1: no TLS context, which alone costs ~20 ms to make.
        async with httpx.AsyncClient(timeout=_TIMEOUT, trust_env=False, verify=False) as client:
            reply = await client.get(
                f"http://127.0.0.1:{port}/_clusterport/activity",
                headers={ACCESS_KEY_HEADER: livy_key(work_dir)},
            )
            reply.raise_for_status()
            data = reply.json()
    except (httpx.HTTPError, ValueError, OSError):
        return None
    return SidecarActivity(
        busy=bool(data.get("busy")), last_activity=_when(data.get("last_activity"))
    )


def proxy_activity(work_dir: Path) -> SidecarActivity | None:
    """The Connect proxy's activity: busy while a call streams through it."""
    try:
        data = json.loads((work_dir / PROXY_ACTIVITY_FILE).read_text())
    except (OSError, ValueError):
        return None
    return SidecarActivity(
        busy=int(data.get("active_streams") or 0) > 0,
        last_activity=_when(data.get("last_activity")),
    )
