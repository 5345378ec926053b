"""What tenant code tries when it attacks: one probe, run as a step, a UDF or a Livy statement.

:func:`probe_source` is Python source that tries to read each target file,
counts the processes it can see, and (given the gateway's URL) calls the API
without a key. It prints one line per attempt; :func:`reached` reads the lines
back. The probe reports what happened and never raises, so the same source
runs wherever tenant code runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from clusterport.engines.state import engine_dir


def platform_targets(data_dir: Path, cluster_id: str) -> dict[str, Path]:
    """What a cluster's code must never read, planted where the data dir lacks it.

    The platform's key and database, another cluster's folder, a Studio user's
    home, and the engine's own records of the attacking cluster.
    """
    planted = {
        data_dir / "server.key": "the platform's key\n",
        data_dir / "clusterport.db": "the platform's database\n",
        data_dir / "clusters" / "j-NEIGHBOUR" / "notes.txt": "another tenant's data\n",
        data_dir / "studio" / "d-attack" / "home" / "zed" / "notes.txt": "zed's notes\n",
    }
    for path, text in planted.items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return {
        "key": data_dir / "server.key",
        "database": data_dir / "clusterport.db",
        "neighbour": data_dir / "clusters" / "j-NEIGHBOUR" / "notes.txt",
        "studio-home": data_dir / "studio" / "d-attack" / "home" / "zed" / "notes.txt",
        "engine-state": engine_dir(data_dir / "clusters" / cluster_id) / "state.json",
    }


def probe_source(targets: Mapping[str, Path], gateway_url: str | None = None) -> str:
    """Python that tries to reach ``targets`` (and the gateway), printing what it reached."""
    paths = {name: str(path) for name, path in targets.items()}
    return (
        "import os, urllib.error, urllib.request\n"
        f"for name, path in {paths!r}.items():\n"
        "    try:\n"
        "        open(path, 'rb').read(16)\n"
        "        print('READ', name)\n"
        "    except OSError as exc:\n"
        "        print('refused', name, type(exc).__name__)\n"
        "print('processes', sum(1 for p in os.listdir('/proc') if p.isdigit()))\n"
        f"gateway = {gateway_url!r}\n"
        "if gateway:\n"
        "    try:\n"
        "        urllib.request.urlopen(gateway + '/?Action=ListUsers&Version=2010-05-08',"
        " timeout=10)\n"
        "        print('gateway answered')\n"
        "    except urllib.error.HTTPError as exc:\n"
        "        print('gateway refused', exc.code)\n"
        "    except OSError as exc:\n"
        "        print('gateway unreachable', type(exc).__name__)\n"
        "print('probe done')\n"
    )


def assert_walled_in(output: str, targets: Mapping[str, Path], gateway: bool = False) -> None:
    """The probe ran to its end and reached nothing: no target, no process of ours, no API."""
    assert "probe done" in output and reached(output) == [], output
    assert all(f"refused {name}" in output for name in targets), output
    # Its own sandbox only: the init, the process that ran the probe, their few helpers.
    assert processes_seen(output) < 20, output
    if gateway:
        assert "gateway refused 403" in output, output


def reached(output: str) -> list[str]:
    """The targets a probe read (its ``READ`` lines)."""
    return [line.split()[1] for line in output.splitlines() if line.startswith("READ ")]


def processes_seen(output: str) -> int:
    """How many processes the probe saw."""
    for line in output.splitlines():
        if line.startswith("processes "):
            return int(line.split()[1])
    raise AssertionError(f"the probe did not finish:\n{output}")
