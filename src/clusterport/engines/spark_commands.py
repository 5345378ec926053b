"""The command lines of a cluster's Spark processes (pure: builds argv, starts nothing).

Start-up speed on a small host comes from a few JVM flags (measured, see the
project's bench results):

* ``-XX:TieredStopAtLevel=1`` (C1 only) on every JVM except the executor,
  whose later queries would run ≈1.8 times slower without C2;
* ``-XX:+UseSerialGC`` everywhere (small heaps, no GC threads to start);
* Class Data Sharing archives per role (:mod:`clusterport.engines.cds`);
* no ``spark-submit`` launcher JVM: the driver's ``java`` command is built
  here from the launcher's own template;
* ``SPARK_CONF_DIR`` is an empty folder (CDS refuses non-empty directories on
  the class path); configuration travels as system properties or a
  properties file instead.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clusterport.engines.spark_install import LaunchTemplate, SparkInstall
from clusterport.engines.ui_filter import FILTER_CLASS

FAST_JIT = ("-XX:TieredStopAtLevel=1",)
SERIAL_GC = ("-XX:+UseSerialGC",)
DAEMON_HEAP = "-Xmx512m"
HISTORY_HEAP = "-Xmx1g"
DEFAULT_DRIVER_MEMORY = "1g"
DEFAULT_EXECUTOR_MEMORY_MB = 2048
SHUFFLE_TRACKING_TIMEOUT = "120s"
CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"

#: Properties the engine owns: a cluster's ``spark-defaults`` cannot override them.
ENGINE_OWNED = frozenset(
    {
        "spark.master",
        "spark.submit.deployMode",
        "spark.driver.host",
        "spark.driver.bindAddress",
        "spark.ui.port",
        "spark.ui.reverseProxy",
        "spark.ui.reverseProxyUrl",
        "spark.connect.grpc.binding.address",
        "spark.connect.grpc.binding.port",
        "spark.connect.authenticate.token",
        "spark.eventLog.enabled",
        "spark.eventLog.dir",
        "spark.port.maxRetries",
    }
)


@dataclass(frozen=True)
class ExecutorSizing:
    """Executor cores and memory chosen so that several applications share the workers.

    Standalone Spark gives an application every free core unless told
    otherwise; the long-running Connect server would then starve steps and
    Livy sessions. Each executor takes half a (smallest) worker's cores, so
    the Connect server's warm executor leaves room for another application.
    """

    cores: int
    memory_mb: int

    @classmethod
    def for_workers(cls, sizes: Sequence[tuple[int, int]]) -> ExecutorSizing:
        """Sizing for workers given as (cores, memory MiB) pairs."""
        if not sizes:
            return cls(cores=1, memory_mb=1024)
        min_cores = min(c for c, _ in sizes)
        min_memory = min(m for _, m in sizes)
        cores = max(1, min_cores // 2)
        slots = max(1, min_cores // cores)
        memory = max(512, min(DEFAULT_EXECUTOR_MEMORY_MB, min_memory // slots))
        return cls(cores=cores, memory_mb=memory)


def _system_properties(props: Mapping[str, str]) -> list[str]:
    return [f"-D{key}={value}" for key, value in props.items()]


class SparkCommands:
    """Builds the argv of each Spark process of one cluster."""

    def __init__(
        self,
        install: SparkInstall,
        template: LaunchTemplate,
        *,
        work_dir: Path,
        ui_prefix: str,
        user_properties: Mapping[str, str],
        ui_filter: Path,
    ) -> None:
        self.install = install
        self.template = template
        #: Where the UI key filter's classes are (on every JVM's class path).
        self.ui_filter = ui_filter
        self.work_dir = work_dir
        self.ui_prefix = ui_prefix
        self.user_properties = dict(user_properties)

    @property
    def event_log_dir(self) -> Path:
        """Where the cluster's applications write their event logs."""
        return self.work_dir / "eventlog"

    @property
    def classpath(self) -> str:
        """Spark's class path and the UI filter."""
        return f"{self.template.classpath}:{self.ui_filter}"

    def _java(self, heap: str, options: Sequence[str], *extra: str) -> list[str]:
        return [str(self.install.java), "-cp", self.classpath, heap, *options, *extra]

    def _ui_properties(self) -> dict[str, str]:
        # spark.authenticate: every RPC of the cluster (master, workers, driver,
        # executors) proves the cluster's secret, which the engine passes in the
        # environment (_SPARK_AUTH_SECRET), so no other local client can register
        # an application, a worker or an executor with it.
        return {
            "spark.authenticate": "true",
            # Every UI asks for the cluster's UI key (clusterport.engines.ui_filter).
            "spark.ui.filters": FILTER_CLASS,
            "spark.ui.killEnabled": "false",
            "spark.ui.reverseProxy": "true",
            "spark.ui.reverseProxyUrl": self.ui_prefix,
            "spark.port.maxRetries": "0",
        }

    def master(self, *, port: int, ui_port: int, cds: Sequence[str]) -> list[str]:
        """The standalone master of the primary node."""
        props = {**self._ui_properties(), "spark.master.rest.enabled": "false"}
        return [
            *self._java(DAEMON_HEAP, self.template.daemon_options, *FAST_JIT, *SERIAL_GC, *cds),
            *_system_properties(props),
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(ui_port),
        ]

    def worker(
        self,
        *,
        master_url: str,
        port: int,
        ui_port: int,
        cores: int,
        memory_mb: int,
        work_dir: Path,
        cds: Sequence[str],
    ) -> list[str]:
        """One worker (one core or task node)."""
        return [
            *self._java(DAEMON_HEAP, self.template.daemon_options, *FAST_JIT, *SERIAL_GC, *cds),
            *_system_properties(self._ui_properties()),
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(ui_port),
            "--cores",
            str(cores),
            "--memory",
            f"{memory_mb}m",
            "--work-dir",
            str(work_dir),
            master_url,
        ]

    def history(self, *, ui_port: int, link_prefix: str, cds: Sequence[str]) -> list[str]:
        """A history server over the cluster's event logs."""
        props = {
            "spark.history.fs.logDirectory": f"file:{self.event_log_dir}",
            "spark.history.ui.port": str(ui_port),
            "spark.history.fs.update.interval": "2s",
            "spark.port.maxRetries": "0",
            "spark.ui.filters": FILTER_CLASS,
        }
        if link_prefix:
            props["spark.ui.proxyBase"] = link_prefix
        return [
            *self._java(HISTORY_HEAP, self.template.daemon_options, *FAST_JIT, *SERIAL_GC, *cds),
            *_system_properties(props),
            "org.apache.spark.deploy.history.HistoryServer",
        ]

    def application_defaults(
        self, *, master_url: str, executor: ExecutorSizing, executor_cds: Sequence[str]
    ) -> dict[str, str]:
        """Properties every application of the cluster runs with (the cluster's spark-defaults).

        Dynamic allocation (EMR's default) lets applications give idle
        executors back. Standalone workers sharing one host cannot each run an
        external shuffle service, so shuffle data is tracked instead; an idle
        executor still holding shuffle files is given back after
        :data:`SHUFFLE_TRACKING_TIMEOUT` (Spark's default is never, which
        would let one notebook session hold cores that steps wait for).
        """
        user = {k: v for k, v in self.user_properties.items() if k not in ENGINE_OWNED}
        executor_options = " ".join([*SERIAL_GC, *executor_cds])
        if user.get("spark.executor.extraJavaOptions"):
            executor_options = f"{executor_options} {user['spark.executor.extraJavaOptions']}"
        defaults = {
            "spark.executor.cores": str(executor.cores),
            "spark.executor.memory": f"{executor.memory_mb}m",
            "spark.dynamicAllocation.enabled": "true",
            "spark.dynamicAllocation.shuffleTracking.enabled": "true",
            "spark.dynamicAllocation.shuffleTracking.timeout": SHUFFLE_TRACKING_TIMEOUT,
            "spark.dynamicAllocation.minExecutors": "0",
            "spark.pyspark.python": self.install.python,
            "spark.pyspark.driver.python": self.install.python,
            "spark.sql.warehouse.dir": str(self.work_dir / "warehouse"),
        }
        owned = {
            "spark.master": master_url,
            "spark.submit.deployMode": "client",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.port": "0",
            **self._ui_properties(),
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": f"file:{self.event_log_dir}",
        }
        driver_classpath = str(self.ui_filter)
        if user.get("spark.driver.extraClassPath"):
            driver_classpath = f"{user['spark.driver.extraClassPath']}:{driver_classpath}"
        return {
            **defaults,
            **user,
            **owned,
            "spark.executor.extraJavaOptions": executor_options,
            # A step's driver runs the UI filter too (its UI asks for the key).
            "spark.driver.extraClassPath": driver_classpath,
        }

    def connect_properties(
        self,
        *,
        master_url: str,
        connect_port: int,
        ui_port: int,
        cluster_id: str,
        executor: ExecutorSizing,
        executor_cds: Sequence[str],
    ) -> dict[str, str]:
        """Properties of the Spark Connect server (the primary node's long-running driver).

        It keeps one executor warm (``minExecutors=1``) so a user's first
        query does not pay for an executor's start.
        """
        props = self.application_defaults(
            master_url=master_url, executor=executor, executor_cds=executor_cds
        )
        props.setdefault("spark.app.name", f"{cluster_id} Spark Connect server".lstrip())
        if "spark.dynamicAllocation.minExecutors" not in self.user_properties:
            props["spark.dynamicAllocation.minExecutors"] = "1"
        props.update(
            {
                "spark.ui.port": str(ui_port),
                "spark.connect.grpc.binding.address": "127.0.0.1",
                "spark.connect.grpc.binding.port": str(connect_port),
                "spark.local.dir": str(self.work_dir / "tmp" / "driver"),
            }
        )
        return props

    def driver(self, *, properties_file: Path, app_name: str, cds: Sequence[str]) -> list[str]:
        """The Spark Connect server, started as ``spark-submit`` would, minus the launcher JVM.

        The launcher's work that matters here is redone: heap from
        ``spark.driver.memory``, ``spark.driver.defaultJavaOptions`` and
        ``extraJavaOptions``, ``extraClassPath`` in front of the class path.
        (``extraLibraryPath`` goes to the environment: see :meth:`driver_env`.)
        """
        props = self.user_properties
        heap = f"-Xmx{props.get('spark.driver.memory', DEFAULT_DRIVER_MEMORY)}"
        user_options = [
            *shlex.split(props.get("spark.driver.defaultJavaOptions", "")),
            *shlex.split(props.get("spark.driver.extraJavaOptions", "")),
        ]
        classpath = self.classpath
        if props.get("spark.driver.extraClassPath"):
            classpath = f"{props['spark.driver.extraClassPath']}:{classpath}"
        return [
            str(self.install.java),
            "-cp",
            classpath,
            heap,
            *user_options,
            *self.template.submit_options,
            *FAST_JIT,
            *SERIAL_GC,
            *cds,
            "org.apache.spark.deploy.SparkSubmit",
            "--properties-file",
            str(properties_file),
            "--class",
            CONNECT_SERVER_CLASS,
            "--name",
            app_name,
            "spark-internal",
        ]

    def driver_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The driver's environment: ``base`` plus ``spark.driver.extraLibraryPath``."""
        env = dict(base)
        extra = self.user_properties.get("spark.driver.extraLibraryPath")
        if extra:
            current = env.get("LD_LIBRARY_PATH")
            env["LD_LIBRARY_PATH"] = f"{extra}:{current}" if current else extra
        return env


def keeps_executor(props: Mapping[str, str]) -> bool:
    """Whether an application with ``props`` asks for an executor as soon as it starts.

    It does without dynamic allocation (it takes its cores at once), and with it
    when ``minExecutors``, ``initialExecutors`` or ``spark.executor.instances`` is
    above zero (Spark starts with the largest of them).
    """
    if props.get("spark.dynamicAllocation.enabled", "false").strip().lower() != "true":
        return True
    for key in (
        "spark.dynamicAllocation.minExecutors",
        "spark.dynamicAllocation.initialExecutors",
        "spark.executor.instances",
    ):
        try:
            if int(props.get(key, "0")) > 0:
                return True
        except ValueError:
            continue
    return False


def write_properties(path: Path, props: Mapping[str, str]) -> None:
    """Write a Java properties file (``key=value``, escaped as Java expects)."""

    def escape(text: str, key: bool) -> str:
        out = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
        out = out.replace("\t", "\\t")
        if key:
            out = out.replace("=", "\\=").replace(":", "\\:").replace(" ", "\\ ")
            if out.startswith(("#", "!")):
                out = "\\" + out
        elif out.startswith(" "):
            out = "\\" + out
        return out

    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{escape(k, True)}={escape(v, False)}" for k, v in sorted(props.items())]
    # 0600: a cluster's properties carry its RPC secret.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
