"""What Spark itself says about a cluster: the master's ``/json/`` and the driver's REST API.

The standalone master's web UI answers ``GET /json/`` with its workers
(``id``, ``host``, ``port``, ``state``) and applications (``activeapps``,
``completedapps``, each with ``id``, ``name``, ``starttime`` in ms and
``duration``). A driver's UI answers ``/api/v1/applications`` and
``/api/v1/applications/<id>/jobs``. All requests go to 127.0.0.1 with
``trust_env=False``: a proxy from the environment must never see them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from clusterport.engines.base import EngineError
from clusterport.engines.processes import ProcessExitedError, ProcessRecord, is_running, log_tail

_TIMEOUT = httpx.Timeout(5.0)


def http_client(headers: Mapping[str, str] | None = None) -> httpx.AsyncClient:
    """A client for the cluster's local UIs (no proxies, short timeouts).

    Plain HTTP to 127.0.0.1 only, so no TLS context (making one costs ~20 ms).
    ``headers`` carry the cluster's UI key.
    """
    return httpx.AsyncClient(
        timeout=_TIMEOUT, trust_env=False, verify=False, headers=dict(headers or {})
    )


@dataclass(frozen=True)
class WorkerInfo:
    """A worker as the master lists it."""

    worker_id: str
    port: int
    state: str


@dataclass(frozen=True)
class AppInfo:
    """An application as the master lists it."""

    app_id: str
    name: str
    started_at: datetime
    ended_at: datetime | None
    #: Cores the master granted it (its executors').
    cores: int = 0


@dataclass(frozen=True)
class MasterView:
    """The master's view of the cluster."""

    status: str
    workers: tuple[WorkerInfo, ...]
    active_apps: tuple[AppInfo, ...]
    completed_apps: tuple[AppInfo, ...]

    @property
    def alive_worker_ports(self) -> set[int]:
        """RPC ports of the workers the master holds ALIVE."""
        return {w.port for w in self.workers if w.state == "ALIVE"}


def _ms(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def _app(data: dict[str, Any], *, completed: bool) -> AppInfo:
    started = _ms(data.get("starttime", 0))
    ended = None
    if completed and data.get("duration") is not None:
        ended = _ms(int(data.get("starttime", 0)) + int(data["duration"]))
    return AppInfo(
        str(data["id"]), str(data.get("name", "")), started, ended, int(data.get("cores") or 0)
    )


async def master_view(client: httpx.AsyncClient, ui_port: int) -> MasterView:
    """Ask the master at ``ui_port`` for its state."""
    response = await client.get(f"http://127.0.0.1:{ui_port}/json/")
    response.raise_for_status()
    data = response.json()
    return MasterView(
        status=str(data.get("status", "")),
        workers=tuple(
            WorkerInfo(str(w["id"]), int(w["port"]), str(w["state"]))
            for w in data.get("workers", [])
        ),
        active_apps=tuple(_app(a, completed=False) for a in data.get("activeapps", [])),
        completed_apps=tuple(_app(a, completed=True) for a in data.get("completedapps", [])),
    )


async def _poll(
    check: Callable[[MasterView], bool],
    *,
    ui_port: int,
    watched: Collection[ProcessRecord],
    timeout: float,
    what: str,
    headers: Mapping[str, str],
    poll: float = 0.05,
) -> MasterView:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_error = ""
    async with http_client(headers) as client:
        while True:
            try:
                view = await master_view(client, ui_port)
                if check(view):
                    return view
            except (httpx.HTTPError, ValueError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            for record in watched:
                if not is_running(record, record.boot_id):
                    raise ProcessExitedError(record.role, None, log_tail(record.log_path))
            if loop.time() >= deadline:
                logs = "\n".join(
                    f"--- {r.role} ({r.log_path}):\n{log_tail(r.log_path, 8)}" for r in watched
                )
                raise EngineError(
                    f"Timed out after {timeout:.0f} s waiting for {what} {last_error}; "
                    f"the host may be overloaded. Recent logs:\n{logs}"
                )
            await asyncio.sleep(poll)


async def wait_master_alive(
    master: ProcessRecord, ui_port: int, *, timeout: float, headers: Mapping[str, str]
) -> None:
    """Wait until the master has elected itself leader (status ALIVE)."""
    await _poll(
        lambda v: v.status == "ALIVE",
        ui_port=ui_port,
        watched=[master],
        timeout=timeout,
        what="the master to become ALIVE",
        headers=headers,
    )


async def wait_workers(
    ui_port: int,
    *,
    present: Collection[int] = (),
    absent: Collection[int] = (),
    watched: Collection[ProcessRecord],
    timeout: float,
    headers: Mapping[str, str],
) -> MasterView:
    """Wait until the workers on ``present`` ports are ALIVE and those on ``absent`` are not."""
    want, gone = set(present), set(absent)
    return await _poll(
        lambda v: want <= v.alive_worker_ports and not (gone & v.alive_worker_ports),
        ui_port=ui_port,
        watched=watched,
        timeout=timeout,
        headers=headers,
        what=f"workers {sorted(want)} to join and {sorted(gone)} to leave the master",
    )


async def wait_connect_ready(
    ui_port: int,
    *,
    workers: Collection[int],
    executor: bool,
    watched: Collection[ProcessRecord],
    timeout: float,
    headers: Mapping[str, str],
) -> MasterView:
    """Wait until the workers on ``workers`` are ALIVE and the master runs an application.

    That application is the Spark Connect server's (a cluster runs no other
    before it is ready); with ``executor``, the master must also have granted
    it cores, that is launched its first executor on a worker.
    """
    want = set(workers)

    def ready(view: MasterView) -> bool:
        apps = [a for a in view.active_apps if a.cores > 0 or not executor]
        return want <= view.alive_worker_ports and bool(apps)

    return await _poll(
        ready,
        ui_port=ui_port,
        watched=watched,
        timeout=timeout,
        headers=headers,
        what=(
            f"workers {sorted(want)} to join the master and the Spark Connect server's "
            "application to "
            + (
                "get its first executor (do spark.executor.cores and spark.executor.memory "
                "fit one worker?)"
                if executor
                else "register"
            )
        ),
    )


@dataclass(frozen=True)
class DriverActivity:
    """What the Connect server's UI says about its work.

    ``online_sessions`` and ``running_requests`` come from the UI's Connect
    tab (the only place Spark reports them), ``active_jobs`` and
    ``last_activity`` from the REST API's job list.
    """

    app_id: str
    active_jobs: int
    online_sessions: int
    running_requests: int
    last_activity: datetime | None


_CONNECT_SUMMARY = re.compile(
    r"(\d+)\s*session\(s\) are online,\s*running\s*(\d+)\s*Request", re.IGNORECASE
)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.removesuffix("GMT").strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


async def driver_activity(client: httpx.AsyncClient, ui_port: int) -> DriverActivity | None:
    """Jobs and SQL executions of the driver whose UI is on ``ui_port`` (None if none)."""
    base = f"http://127.0.0.1:{ui_port}/api/v1/applications"
    response = await client.get(base)
    response.raise_for_status()
    apps = response.json()
    if not apps:
        return None
    app_id = str(apps[0]["id"])
    jobs_response = await client.get(f"{base}/{app_id}/jobs")
    jobs_response.raise_for_status()
    jobs = jobs_response.json()
    active = sum(1 for j in jobs if j.get("status") in ("RUNNING", "UNKNOWN"))
    times = [
        t
        for j in jobs
        for t in (_parse_time(j.get("submissionTime")), _parse_time(j.get("completionTime")))
        if t is not None
    ]
    sessions = requests = 0
    page = await client.get(f"http://127.0.0.1:{ui_port}/connect/")
    if page.status_code == 200:
        match = _CONNECT_SUMMARY.search(page.text)
        if match:
            sessions, requests = int(match.group(1)), int(match.group(2))
    return DriverActivity(app_id, active, sessions, requests, max(times) if times else None)
