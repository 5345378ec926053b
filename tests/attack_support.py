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


def reached(output: str) -> list[str]:
    """The targets a probe read (its ``READ`` lines)."""
    return [line.split()[1] for line in output.splitlines() if line.startswith("READ ")]


def processes_seen(output: str) -> int:
    """How many processes the probe saw."""
    for line in output.splitlines():
        if line.startswith("processes "):
            return int(line.split()[1])
    raise AssertionError(f"the probe did not finish:\n{output}")
