"""The Spark and Java installations the local engine runs, and how to launch their JVMs.

pyspark's wheel carries Spark's jars and launch scripts. ``bin/spark-class``
first runs a small launcher JVM (``org.apache.spark.launcher.Main``) that
prints the real ``java`` command, then runs that. The engine asks the launcher
once per installation (:meth:`SparkInstall.launch_template`), keeps the class
path and JVM options it prints, and from then on starts every server JVM
directly: one JVM per server instead of two.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from clusterport.engines.base import EngineError
from clusterport.engines.sandbox import tenant_env

#: Scala version of the pyspark wheel's jars (the launcher needs it spelled out).
SCALA_VERSION = "2.13"
_LAUNCHER_MAIN = "org.apache.spark.launcher.Main"
_PROBE_DAEMON = "org.apache.spark.deploy.master.Master"
_PROBE_SUBMIT = "org.apache.spark.deploy.SparkSubmit"
_PROBE_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


@dataclass(frozen=True)
class LaunchTemplate:
    """What Spark's launcher would run: the class path and the JVM options it adds.

    ``daemon_options`` are those of ``spark-class`` daemons (master, worker,
    history server); ``submit_options`` those of a ``spark-submit`` driver.
    Neither includes ``-Xmx``: the engine sizes heaps itself.
    """

    classpath: str
    daemon_options: tuple[str, ...]
    submit_options: tuple[str, ...]


@dataclass(frozen=True)
class SparkInstall:
    """A Spark home (pyspark's wheel) plus the Java and Python that run it."""

    spark_home: Path
    java_home: Path
    python: str

    @property
    def java(self) -> Path:
        """The ``java`` executable."""
        return self.java_home / "bin" / "java"

    @property
    def jars_dir(self) -> Path:
        """Spark's jar folder."""
        return self.spark_home / "jars"

    @classmethod
    def locate(cls, python: str | None = None) -> SparkInstall:
        """Find pyspark's Spark home and the JDK (``JAVA_HOME``, else ``java`` on PATH)."""
        spec = importlib.util.find_spec("pyspark")
        if spec is None or spec.origin is None:
            raise EngineError(
                "pyspark is not installed in this environment; install pyspark[connect]."
            )
        spark_home = Path(spec.origin).parent
        if not (spark_home / "jars").is_dir():
            raise EngineError(
                f"pyspark at {spark_home} carries no jars/ folder; install the full "
                "pyspark wheel (not pyspark-client)."
            )
        java_home_env = os.environ.get("JAVA_HOME")
        if java_home_env and (Path(java_home_env) / "bin" / "java").exists():
            java_home = Path(java_home_env)
        else:
            java = shutil.which("java")
            if java is None:
                raise EngineError("No Java found: install a JDK 17 or 21, or set JAVA_HOME.")
            java_home = Path(java).resolve().parent.parent
        return cls(spark_home=spark_home, java_home=java_home, python=python or sys.executable)

    def fingerprint(self) -> str:
        """A digest that changes whenever the JDK or Spark's jars change."""
        digest = hashlib.sha256()
        digest.update(str(self.java_home.resolve()).encode())
        for name in ("release", "lib/modules", "lib/server/libjvm.so"):
            path = self.java_home / name
            if path.exists():
                stat = path.stat()
                digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        digest.update(str(self.spark_home.resolve()).encode())
        for jar in sorted(self.jars_dir.iterdir()):
            stat = jar.stat()
            digest.update(f"{jar.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:16]

    def base_env(self, conf_dir: Path) -> dict[str, str]:
        """The environment every Spark process of the engine starts from.

        Nothing of the server's own environment is inherited but the harmless
        variables of :func:`~clusterport.engines.sandbox.tenant_env`: neither a
        caller's Spark settings (``SPARK_REMOTE``) nor anyone's credentials leak in.
        """
        env = tenant_env({})
        env.update(
            {
                "SPARK_HOME": str(self.spark_home),
                "SPARK_CONF_DIR": str(conf_dir),
                "SPARK_SCALA_VERSION": SCALA_VERSION,
                "JAVA_HOME": str(self.java_home),
                "SPARK_LOCAL_IP": "127.0.0.1",
                "SPARK_PUBLIC_DNS": "127.0.0.1",
                "PYSPARK_PYTHON": self.python,
                "PYSPARK_DRIVER_PYTHON": self.python,
            }
        )
        # A source checkout (not the environment's own install): the cluster's Python
        # helpers (the warm-up query, Livy, step runners) import the same clusterport as
        # the server, from the folder the sandbox mounts (as the Studio launcher does).
        package_root = Path(__file__).resolve().parents[2]
        if package_root.name != "site-packages":
            env["PYTHONPATH"] = str(package_root)
        return env

    async def launch_template(self, cache_file: Path, conf_dir: Path) -> LaunchTemplate:
        """The launcher's class path and JVM options, asked once and kept in ``cache_file``."""
        if cache_file.exists():
            data = json.loads(cache_file.read_text())
            if data.get("conf_dir") == str(conf_dir):
                return LaunchTemplate(
                    classpath=str(data["classpath"]),
                    daemon_options=tuple(data["daemon_options"]),
                    submit_options=tuple(data["submit_options"]),
                )
        env = self.base_env(conf_dir)
        daemon, submit = await asyncio.gather(
            self._ask_launcher(env, [_PROBE_DAEMON]),
            self._ask_launcher(env, [_PROBE_SUBMIT, "--class", _PROBE_CLASS]),
        )
        classpath, daemon_options = _split_command(daemon, _PROBE_DAEMON)
        _, submit_options = _split_command(submit, _PROBE_SUBMIT)
        template = LaunchTemplate(classpath, daemon_options, submit_options)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "conf_dir": str(conf_dir),
                    "classpath": template.classpath,
                    "daemon_options": list(template.daemon_options),
                    "submit_options": list(template.submit_options),
                },
                indent=1,
            )
        )
        tmp.replace(cache_file)
        return template

    async def _ask_launcher(self, env: Mapping[str, str], args: list[str]) -> list[str]:
        proc = await asyncio.create_subprocess_exec(
            str(self.java),
            "-Xmx128m",
            "-cp",
            f"{self.jars_dir}/*",
            _LAUNCHER_MAIN,
            *args,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise EngineError(
                f"Spark's launcher failed (exit {proc.returncode}); check the pyspark "
                f"installation and Java: {err.decode(errors='replace')[-2000:]}"
            )
        return [part for part in out.decode().split("\0") if part.strip()]


def _split_command(command: list[str], main_class: str) -> tuple[str, tuple[str, ...]]:
    """Class path and JVM options (without ``-Xmx``) of a launcher-printed command."""
    try:
        cp_index = command.index("-cp")
        main_index = command.index(main_class)
    except ValueError as exc:
        raise EngineError(
            f"Spark's launcher printed an unexpected command ({command[:4]}…); "
            "this pyspark version is not supported by the local engine."
        ) from exc
    classpath = command[cp_index + 1]
    options = tuple(opt for opt in command[cp_index + 2 : main_index] if not opt.startswith("-Xmx"))
    return classpath, options
