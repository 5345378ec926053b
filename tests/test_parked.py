"""A parked sidecar (clusterport.engines.parked): imported ahead, run on its command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clusterport.engines.parked import entry_module, parked_argv

SIDECAR = """
from pathlib import Path


def main(argv):
    Path(argv[0]).write_text(" ".join(argv[1:]))
    return 3
"""


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "demo_sidecar.py").write_text(SIDECAR)
    return tmp_path


def parked(module_dir: Path, module: str = "demo_sidecar") -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(module_dir), *sys.path])}
    return subprocess.Popen(
        parked_argv(sys.executable, module),
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=module_dir,
    )


def test_it_runs_the_module_once_told_its_command_line(module_dir: Path) -> None:
    process = parked(module_dir)
    out = module_dir / "out"
    line = json.dumps(["-m", "demo_sidecar", str(out), "--port", "8998"])
    _, err = process.communicate(line.encode() + b"\n", timeout=60)
    assert process.returncode == 3, err
    assert out.read_text() == "--port 8998"


def test_it_exits_without_running_when_its_input_ends(module_dir: Path) -> None:
    process = parked(module_dir)
    _, err = process.communicate(b"", timeout=60)
    assert process.returncode == 0, err
    assert not (module_dir / "out").exists()


def test_it_refuses_a_command_line_of_another_module(module_dir: Path) -> None:
    process = parked(module_dir)
    line = json.dumps(["-m", "other_module", str(module_dir / "out")])
    _, err = process.communicate(line.encode() + b"\n", timeout=60)
    assert process.returncode == 2
    assert b"parked for demo_sidecar, asked to run" in err
    assert not (module_dir / "out").exists()


def test_entry_module_reads_python_dash_m() -> None:
    assert entry_module(["/usr/bin/python3", "-m", "clusterport.engines.livy", "--port", "1"]) == (
        "clusterport.engines.livy"
    )
    assert entry_module(["/usr/bin/java", "-jar", "x.jar"]) is None
    assert entry_module(["python"]) is None
