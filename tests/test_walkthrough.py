"""docs/walkthrough.md stays true: every bash block runs, in order, against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clusterport.process_groups import start_group, stop_group
from conftest import REPO

VENV_BIN = Path(sys.executable).parent
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)


def walkthrough_script() -> str:
    text = (REPO / "docs" / "walkthrough.md").read_text()
    blocks = [b for b in BLOCK.findall(text) if "clusterport server" not in b]
    return "set -euo pipefail\n" + "\n".join(blocks)


@pytest.mark.spark  # section 8 starts a cluster in account B for the doctor
def test_walkthrough_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        AWS_DEFAULT_REGION="us-east-1",
        CLUSTERPORT_DATA_DIR=str(data),
    )
    server = start_group(
        [
            str(VENV_BIN / "clusterport"),
            "server",
            "--port",
            "0",
            "--warm-pool",
            "0",
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("clusterport listening on")
        done = subprocess.run(
            ["bash", "-c", walkthrough_script()],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        out = done.stdout
        assert "arn:aws:iam::111111111111:root" in out
        assert "arn:aws:iam::222222222222:root" in out
        assert "pending-acceptance" in out
        assert "active" in out
        assert "CoreInstanceCount" in out
        assert "/_studio/login/" in out
        assert "LAUNCH" in out  # the launch constraint the page describes exists
        # The doctor, with the profile's endpoint for the assumed role too, checks both ports.
        assert "tcp 15002 (Spark Connect)" in out and "tcp 8998 (Livy)" in out
        assert out.count("Reachable:") == 2, out
    finally:
        stop_group(server, grace=30)
