"""The local engine's side of :class:`~clusterport.engines.base.ClusterAccess`: key files.

A cluster's sidecars and the platform share a few things through files in the
cluster's work dir (0600, made when the cluster is prepared, kept after it
stops so that its history server stays reachable):

* the session signing key (``session-token.key``), with which the platform
  mints Spark Connect session tokens and the connect proxy checks them;
* the sidecar access key (``livy-access.key``), which the Livy endpoint asks
  every request for and the platform's Livy route adds for checked callers;
* the revoked sessions (``revoked-sessions``, one id a line);
* each sidecar's activity (``<name>-activity.json``), for idle auto-termination.

Only this module knows these names; sidecars learn them through the
placeholders of :class:`~clusterport.engines.base.SidecarSpec`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from clusterport.engines.base import ClusterAccess, Endpoint
from clusterport.engines.connect_proxy import load_or_create_key, read_key, revoke_session
from clusterport.engines.livy.config import ACCESS_KEY_HEADER
from clusterport.engines.state import ui_key
from clusterport.engines.ui_filter import UI_KEY_HEADER

SESSION_KEY_FILE = "session-token.key"
ACCESS_KEY_FILE = "livy-access.key"
REVOKED_SESSIONS_FILE = "revoked-sessions"
_ACTIVITY_TIMEOUT = 3.0


def sidecar_files(work_dir: Path, sidecar: str) -> dict[str, str]:
    """The file placeholders of a sidecar's templates, filled for one cluster."""
    return {
        "session_key_file": str(work_dir / SESSION_KEY_FILE),
        "access_key_file": str(work_dir / ACCESS_KEY_FILE),
        "revoked_file": str(work_dir / REVOKED_SESSIONS_FILE),
        "activity_file": str(activity_file(work_dir, sidecar)),
    }


def activity_file(work_dir: Path, sidecar: str) -> Path:
    """Where a sidecar writes its activity."""
    return work_dir / f"{sidecar}-activity.json"


def create_keys(work_dir: Path) -> None:
    """Make the cluster's session and access keys (0600) unless they exist."""
    load_or_create_key(work_dir / SESSION_KEY_FILE)
    load_or_create_key(work_dir / ACCESS_KEY_FILE)


def remove_keys(work_dir: Path) -> None:
    """Forget the cluster's session and access keys (the next :func:`create_keys` makes new)."""
    for name in (SESSION_KEY_FILE, ACCESS_KEY_FILE):
        (work_dir / name).unlink(missing_ok=True)


def cluster_access(work_dir: Path) -> ClusterAccess:
    """The keys of the cluster whose work dir is ``work_dir`` (OSError when it has none)."""
    return ClusterAccess(
        sidecar_key=(work_dir / ACCESS_KEY_FILE).read_text(encoding="ascii").strip(),
        ui_headers={UI_KEY_HEADER: ui_key(work_dir)},
        session_key=read_key(work_dir / SESSION_KEY_FILE),
    )


def revoke(work_dir: Path, session_id: str) -> None:
    """List ``session_id`` as revoked; the connect proxy refuses its tokens from then on."""
    revoke_session(work_dir / REVOKED_SESSIONS_FILE, session_id)


@dataclass(frozen=True)
class SidecarActivity:
    """Whether a sidecar is in use now, and when it last was."""

    busy: bool
    last_activity: dt.datetime | None
    #: The Spark Connect sessions a connect proxy holds open (None: not such a sidecar).
    connect_sessions: int | None = None


def _when(epoch: object) -> dt.datetime | None:
    if isinstance(epoch, int | float) and epoch > 0:
        return dt.datetime.fromtimestamp(float(epoch), dt.UTC)
    return None


def _activity(data: Mapping[str, object]) -> SidecarActivity:
    streams = data.get("active_streams")
    busy = bool(data.get("busy")) or (isinstance(streams, int) and streams > 0)
    sessions = data.get("connect_sessions")
    return SidecarActivity(
        busy=busy,
        last_activity=_when(data.get("last_activity")),
        connect_sessions=sessions if isinstance(sessions, int) else None,
    )


async def sidecar_activity(
    work_dir: Path, endpoints: Mapping[str, Endpoint], paths: Mapping[str, str]
) -> list[SidecarActivity]:
    """What the sidecars say of their use: their activity files and HTTP answers.

    A sidecar that has not written or does not answer reports nothing: that
    is no activity, never an error.
    """
    found = []
    for name in endpoints:
        try:
            data = json.loads(activity_file(work_dir, name).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append(_activity(data))
    asked = {name: path for name, path in paths.items() if name in endpoints}
    if not asked:
        return found
    try:
        headers = {ACCESS_KEY_HEADER: (work_dir / ACCESS_KEY_FILE).read_text("ascii").strip()}
    except OSError:
        return found
    # Plain HTTP to 127.0.0.1: no TLS context, which alone costs ~20 ms to make.
    async with httpx.AsyncClient(
        timeout=_ACTIVITY_TIMEOUT, trust_env=False, verify=False
    ) as client:
        for name, path in asked.items():
            try:
                reply = await client.get(endpoints[name].url(path), headers=headers)
                reply.raise_for_status()
                data = reply.json()
            except (httpx.HTTPError, ValueError, OSError):
                continue
            if isinstance(data, dict):
                found.append(_activity(data))
    return found
