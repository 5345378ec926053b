"""The servlet filter that keeps a cluster's Spark UIs behind the platform's proxy.

Spark's UIs (master, workers, the driver's application UI, the history server)
listen on the host's loopback, where any local process could reach them. Each
JVM of a cluster runs ``clusterport.UiKeyFilter`` (``spark.ui.filters``): a
request passes only with the cluster's UI key in :data:`UI_KEY_HEADER`, which
the engine's own status calls and the gateway's UI proxy add. The filter is
compiled once per Spark installation, with the JDK's own compiler module (no
``javac`` needed), into a jar in the machine's cache, which clusters mount
read-only. A jar, not a folder of classes: a JVM writing a class-data-sharing
archive refuses a class path with a non-empty folder on it.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import zipfile
from pathlib import Path

from clusterport.engines.base import EngineError

__all__ = ["FILTER_CLASS", "UI_KEY_ENV", "UI_KEY_HEADER", "compiled_filter"]

#: The filter's class, as ``spark.ui.filters`` names it.
FILTER_CLASS = "clusterport.UiKeyFilter"
#: The header carrying a cluster's UI key.
UI_KEY_HEADER = "X-Clusterport-UI-Key"
#: The environment variable the filter reads the key from.
UI_KEY_ENV = "CLUSTERPORT_UI_KEY"
_SOURCE = Path(__file__).with_name("UiKeyFilter.java")


_CLASS = "clusterport/UiKeyFilter.class"


async def compiled_filter(java: Path, jars_dir: Path, cache: Path) -> Path:
    """The jar holding the compiled filter (compiled into ``cache`` on first use)."""
    target = cache / "ui-filter.jar"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "a") as lock:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        try:
            if target.is_file():
                return target
            building = cache / f"classes.{os.getpid()}.tmp"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            proc = await asyncio.create_subprocess_exec(
                str(java),
                "--module",
                "jdk.compiler/com.sun.tools.javac.Main",
                "-nowarn",
                "-cp",
                os.pathsep.join(str(j) for j in sorted(jars_dir.glob("jakarta.servlet-api-*.jar"))),
                "-d",
                str(building),
                str(_SOURCE),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await proc.communicate()
            if proc.returncode != 0:
                shutil.rmtree(building, ignore_errors=True)
                raise EngineError(
                    "Could not compile the Spark UI filter with the JDK's compiler module "
                    f"(is this a full JRE 17+?): {out.decode(errors='replace')[-1500:]}"
                )
            jar = cache / f"ui-filter.{os.getpid()}.jar"
            # Fixed timestamps: the same source always makes the same jar.
            with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in (
                    ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n"),
                    (_CLASS, (building / _CLASS).read_bytes()),
                ):
                    archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
            jar.chmod(0o644)
            jar.replace(target)
            shutil.rmtree(building, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target
