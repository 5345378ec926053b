"""What the local engine remembers about a cluster, kept on disk so it outlives the engine.

Each cluster has a private engine folder beside its work dir,
``<clusters>/.engine/<cluster-id>/`` (:func:`engine_dir`, 0700, never mounted
into the cluster's sandbox), holding ``state.json`` (:class:`ClusterState`:
ports, the processes started with their identities, node sizes), the lock that
serializes changes and the records of steps. The cluster's processes own their
work dir and could rewrite anything in it, so nothing the engine acts on (pids
to signal, locks to wait for) is kept there. The data dir holds a
registry (:class:`Registry`) of the clusters and persistent history servers the
engine started, so ``stop`` by cluster id and ``stop_all`` work from a fresh
engine object, even when no control plane runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from clusterport.engines.base import ClusterEndpoints, Endpoint, NodeRole, NodeSpec
from clusterport.engines.host_budget import NodeScaling
from clusterport.engines.processes import ProcessRecord

STATE_FILE = "state.json"
STATE_VERSION = 1


@dataclass(frozen=True)
class NodeState:
    """A node of the cluster and the worker size the host budget gave it."""

    spec: NodeSpec
    worker_cores: int
    worker_memory_mb: int

    def to_json(self) -> dict[str, Any]:
        """This node as JSON-ready data."""
        return {
            "instance_id": self.spec.instance_id,
            "role": self.spec.role.value,
            "cores": self.spec.cores,
            "memory_mb": self.spec.memory_mb,
            "instance_group_id": self.spec.instance_group_id,
            "worker_cores": self.worker_cores,
            "worker_memory_mb": self.worker_memory_mb,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NodeState:
        """Read a node written by :meth:`to_json`."""
        return cls(
            spec=NodeSpec(
                instance_id=str(data["instance_id"]),
                role=NodeRole(data["role"]),
                cores=int(data["cores"]),
                memory_mb=int(data["memory_mb"]),
                instance_group_id=str(data.get("instance_group_id", "")),
            ),
            worker_cores=int(data["worker_cores"]),
            worker_memory_mb=int(data["worker_memory_mb"]),
        )


@dataclass(frozen=True)
class ClusterState:
    """The engine's record of one cluster (``<work_dir>/state.json``)."""

    cluster_id: str
    account_id: str
    work_dir: Path
    release_label: str
    ui_prefix: str
    phase: str
    nodes: Sequence[NodeState] = ()
    processes: Sequence[ProcessRecord] = ()
    ports: Mapping[str, int] = field(default_factory=dict)
    sidecar_ports: Mapping[str, int] = field(default_factory=dict)
    #: The HTTP path each sidecar that has one answers its activity on.
    sidecar_activity: Mapping[str, str] = field(default_factory=dict)
    spark_properties: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    scaling: NodeScaling = field(default_factory=NodeScaling)
    #: The id the cluster's processes started under, when it is not ``cluster_id``
    #: (a cluster taken from the warm pool keeps its pool id's uid and control group).
    started_as: str = ""

    @property
    def sandbox_name(self) -> str:
        """The name the cluster's uid and control group are keyed by."""
        return self.started_as or self.cluster_id

    @property
    def master_url(self) -> str:
        """The standalone master's URL."""
        return f"spark://127.0.0.1:{self.ports['master']}"

    def process(self, role: str) -> ProcessRecord | None:
        """The record of the process with that role, if any."""
        return next((p for p in self.processes if p.role == role), None)

    def with_process(self, record: ProcessRecord) -> ClusterState:
        """A copy with ``record`` replacing any record of the same role."""
        others = [p for p in self.processes if p.role != record.role]
        return replace(self, processes=[*others, record])

    def without_processes(self, roles: Sequence[str]) -> ClusterState:
        """A copy without the records of ``roles``."""
        return replace(self, processes=[p for p in self.processes if p.role not in roles])

    def endpoints(self) -> ClusterEndpoints:
        """The endpoints of the (running) cluster."""
        history = self.ports.get("history")
        return ClusterEndpoints(
            master_url=self.master_url,
            master_ui=local_endpoint(self.ports["master_ui"]),
            connect=local_endpoint(self.ports["connect"]),
            app_ui=local_endpoint(self.ports["app_ui"]),
            history=local_endpoint(history) if history else None,
            sidecars={name: local_endpoint(p) for name, p in self.sidecar_ports.items()},
            processes={p.role: str(p.pid) for p in self.processes},
        )

    def to_json(self) -> dict[str, Any]:
        """This state as JSON-ready data."""
        return {
            "version": STATE_VERSION,
            "engine": "local-spark",
            "cluster_id": self.cluster_id,
            "account_id": self.account_id,
            "work_dir": str(self.work_dir),
            "release_label": self.release_label,
            "ui_prefix": self.ui_prefix,
            "phase": self.phase,
            "nodes": [n.to_json() for n in self.nodes],
            "processes": [p.to_json() for p in self.processes],
            "ports": dict(self.ports),
            "sidecar_ports": dict(self.sidecar_ports),
            "sidecar_activity": dict(self.sidecar_activity),
            "spark_properties": dict(self.spark_properties),
            "env": dict(self.env),
            "scaling": {
                "cores_factor": self.scaling.cores_factor,
                "memory_factor": self.scaling.memory_factor,
            },
            "started_as": self.started_as,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClusterState:
        """Read a state written by :meth:`to_json`."""
        scaling = data.get("scaling", {})
        return cls(
            cluster_id=str(data["cluster_id"]),
            account_id=str(data["account_id"]),
            work_dir=Path(data["work_dir"]),
            release_label=str(data["release_label"]),
            ui_prefix=str(data["ui_prefix"]),
            phase=str(data["phase"]),
            nodes=[NodeState.from_json(n) for n in data.get("nodes", [])],
            processes=[ProcessRecord.from_json(p) for p in data.get("processes", [])],
            ports={str(k): int(v) for k, v in data.get("ports", {}).items()},
            sidecar_ports={str(k): int(v) for k, v in data.get("sidecar_ports", {}).items()},
            sidecar_activity={str(k): str(v) for k, v in data.get("sidecar_activity", {}).items()},
            spark_properties={str(k): str(v) for k, v in data.get("spark_properties", {}).items()},
            env={str(k): str(v) for k, v in data.get("env", {}).items()},
            scaling=NodeScaling(
                cores_factor=float(scaling.get("cores_factor", 1.0)),
                memory_factor=float(scaling.get("memory_factor", 1.0)),
            ),
            started_as=str(data.get("started_as", "")),
        )


def local_endpoint(port: int) -> Endpoint:
    """A server of a cluster on this host (every port is bound to 127.0.0.1)."""
    return Endpoint("127.0.0.1", int(port))


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON so that readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(path)


def engine_dir(work_dir: Path) -> Path:
    """The engine's private folder for the cluster whose work dir is ``work_dir``."""
    folder = work_dir.parent / ".engine" / work_dir.name
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(exist_ok=True, mode=0o700)
    return folder


def cluster_secret(work_dir: Path) -> str:
    """The cluster's Spark RPC secret (``spark.authenticate``), made on first use.

    Kept 0600 in the engine's folder; it reaches the cluster's processes only
    through their environment and their own 0600 properties files.
    """
    return _engine_secret(work_dir, "spark-auth.secret")


def ui_key(work_dir: Path) -> str:
    """The key every Spark UI of the cluster asks for (see :mod:`clusterport.engines.ui_filter`)."""
    return _engine_secret(work_dir, "ui.key")


def _engine_secret(work_dir: Path, name: str) -> str:
    path = engine_dir(work_dir) / name
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="ascii").strip()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def load_state(work_dir: Path) -> ClusterState | None:
    """The cluster state of ``work_dir`` (kept in its engine folder), or None when there is none."""
    path = engine_dir(work_dir) / STATE_FILE
    legacy = work_dir / STATE_FILE
    if not path.exists() and legacy.is_file() and legacy.stat().st_uid == os.geteuid():
        # A cluster started before engine state left the work dir (and before the
        # sandbox: nothing but the platform wrote there): its state moves once.
        legacy.replace(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    if data.get("engine") != "local-spark":
        return None
    return ClusterState.from_json(data)


def save_state(state: ClusterState) -> None:
    """Persist a cluster state to its engine folder."""
    write_json_atomic(engine_dir(state.work_dir) / STATE_FILE, state.to_json())


@contextlib.asynccontextmanager
async def cluster_lock(work_dir: Path, poll: float = 0.05) -> AsyncIterator[None]:
    """Serialize changes to one cluster, across engine objects and processes."""
    with open(engine_dir(work_dir) / "lock", "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Registry:
    """Which clusters and persistent history servers an engine started under a data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "engine"

    def _cluster_file(self, cluster_id: str) -> Path:
        return self.root / "clusters" / f"{cluster_id}.json"

    def _history_file(self, cluster_id: str) -> Path:
        return self.root / "history" / f"{cluster_id}.json"

    def add_cluster(self, cluster_id: str, work_dir: Path) -> None:
        """Remember that ``cluster_id`` runs from ``work_dir``."""
        write_json_atomic(self._cluster_file(cluster_id), {"work_dir": str(work_dir)})

    def remove_cluster(self, cluster_id: str) -> None:
        """Forget a cluster (all its processes are gone)."""
        self._cluster_file(cluster_id).unlink(missing_ok=True)

    def cluster_dir(self, cluster_id: str) -> Path | None:
        """The work dir of a registered cluster."""
        try:
            data = json.loads(self._cluster_file(cluster_id).read_text())
        except FileNotFoundError:
            return None
        return Path(data["work_dir"])

    def clusters(self) -> dict[str, Path]:
        """Every registered cluster and its work dir."""
        folder = self.root / "clusters"
        if not folder.is_dir():
            return {}
        found = {}
        for entry in sorted(folder.glob("*.json")):
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                found[entry.stem] = Path(json.loads(entry.read_text())["work_dir"])
        return found

    def _member_file(self, cluster_id: str) -> Path:
        return self.root / "members" / cluster_id

    def add_member(self, cluster_id: str, member_id: str) -> None:
        """Remember that ``cluster_id`` is the warm pool member ``member_id`` (for good)."""
        path = self._member_file(cluster_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(member_id, encoding="ascii")

    def member_of(self, cluster_id: str) -> str | None:
        """The warm pool member a cluster was handed, if it was."""
        try:
            return self._member_file(cluster_id).read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def add_history(self, cluster_id: str, record: ProcessRecord, work_dir: Path) -> None:
        """Remember a persistent history server."""
        write_json_atomic(
            self._history_file(cluster_id),
            {"work_dir": str(work_dir), "process": record.to_json()},
        )

    def history(self, cluster_id: str) -> ProcessRecord | None:
        """The persistent history server of a cluster, if one was started."""
        try:
            data = json.loads(self._history_file(cluster_id).read_text())
        except FileNotFoundError:
            return None
        return ProcessRecord.from_json(data["process"])

    def histories(self) -> dict[str, ProcessRecord]:
        """Every persistent history server started under the data dir."""
        folder = self.root / "history"
        if not folder.is_dir():
            return {}
        found = {}
        for entry in sorted(folder.glob("*.json")):
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                found[entry.stem] = ProcessRecord.from_json(
                    json.loads(entry.read_text())["process"]
                )
        return found

    def remove_history(self, cluster_id: str) -> None:
        """Forget a persistent history server (it has stopped)."""
        self._history_file(cluster_id).unlink(missing_ok=True)
