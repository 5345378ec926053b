"""``clusterport demo``: the whole data-worker journey on real Spark, as CI runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


@pytest.mark.spark
def test_demo_walks_the_journey(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    done = subprocess.run(
        [str(VENV_BIN / "clusterport"), "demo", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for step in (
        "discovers clusters across accounts",
        "creates a cluster from the catalog product",
        "sum(range(1e6)) = 499999500000",
        "bytes of Spark UI",
        "via the assumed role",
        "left no process",
        "EMR admin stops the shared cluster",
        # Progress while it waits: the provisioning record, the clusters' states.
        "… provisioning ",
    ):
        assert step in out, out
    assert re.search(r"j-[0-9A-Z]+ (STARTING|BOOTSTRAPPING)", out), out
    assert re.search(r"… j-[0-9A-Z]+ TERMINATED", out), out
    leftover = [
        p.name for p in Path("/proc").iterdir() if p.name.isdigit() and str(data) in _cmdline(p)
    ]
    assert leftover == [], f"processes of the demo still running: {leftover}"


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
