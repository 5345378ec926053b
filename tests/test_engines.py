"""The engine seam: engines chosen by name, built-in or from the ``clusterport.engines`` group.

No cluster process starts here: the server test runs ``clusterport server
--engine inprocess`` as a user would and drives it with boto3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import boto3
import pytest

from clusterport.engines.base import Endpoint, EngineError, EngineSettings
from clusterport.engines.inprocess import InProcessEngine
from clusterport.engines.local_spark import LocalSparkEngine
from clusterport.engines.registry import (
    BUILTIN_ENGINES,
    DEFAULT_ENGINE,
    ENTRY_POINT_GROUP,
    engine_names,
    load_engine,
)
from clusterport.process_groups import start_group, stop_group
from emr_support import FINAL, instances, wait_for

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
#: The CLI of this checkout (the source under test, installed or not).
CLI = (sys.executable, "-m", "clusterport.cli.main")
ACCOUNT_ARGS = ("--account-id", "111111111111", "--name", "a")


def test_built_in_engines_resolve_without_an_install(tmp_path: Path) -> None:
    settings = EngineSettings(data_dir=tmp_path)
    assert DEFAULT_ENGINE == "local"
    assert isinstance(load_engine("local", settings), LocalSparkEngine)
    engine = load_engine("inprocess", settings)
    assert isinstance(engine, InProcessEngine)
    assert engine.describe().for_tests and not load_engine("local", settings).describe().for_tests
    assert {"local", "inprocess"} <= set(engine_names())


def test_pyproject_declares_the_built_in_engines_in_the_entry_point_group() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["entry-points"][ENTRY_POINT_GROUP] == dict(BUILTIN_ENGINES)


def test_an_unknown_engine_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(EngineError) as info:
        load_engine("kubernetes", EngineSettings(data_dir=tmp_path))
    message = str(info.value)
    assert "'kubernetes'" in message and "local" in message and "inprocess" in message
    assert ENTRY_POINT_GROUP in message


def _third_party_package(root: Path, target: str) -> None:
    """An installed distribution declaring a ``hostpool`` engine (a dist-info on sys.path)."""
    (root / "acme_engine.py").write_text(
        "from clusterport.engines.inprocess import InProcessEngine\n\n\n"
        "class HostPoolEngine(InProcessEngine):\n"
        "    '''A third-party engine (here: the in-process one under another name).'''\n\n\n"
        "NOT_AN_ENGINE = 42\n"
    )
    info = root / "acme_engine-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-engine\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nhostpool = {target}\n")


def test_a_third_party_engine_is_found_by_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _third_party_package(tmp_path, "acme_engine:HostPoolEngine")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "hostpool" in engine_names()
    engine = load_engine("hostpool", EngineSettings(data_dir=tmp_path / "data"))
    assert type(engine).__name__ == "HostPoolEngine"


def test_an_entry_point_that_is_not_an_engine_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _third_party_package(tmp_path, "acme_engine:NOT_AN_ENGINE")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(EngineError) as info:
        load_engine("hostpool", EngineSettings(data_dir=tmp_path / "data"))
    assert "not an Engine class" in str(info.value)


def test_the_server_runs_clusters_on_the_engine_its_settings_name(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    created = subprocess.run(
        [*CLI, "admin", "create-account", "--data-dir", str(data), *ACCOUNT_ARGS],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    keys = json.loads(created.stdout)
    server = start_group(
        [
            *CLI,
            "server",
            "--port",
            "0",
            "--warm-pool",
            "0",
            "--data-dir",
            str(data),
            "--engine",
            "inprocess",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("clusterport listening on "), server.stderr
        emr = boto3.client(
            "emr",
            endpoint_url=line.split()[-1],
            region_name="us-east-1",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
        )
        cluster_id = emr.run_job_flow(Name="demo", Instances=instances(core=1))["JobFlowId"]
        cluster = wait_for(emr, cluster_id, ("WAITING",), timeout=60)
        notes = [
            c for c in cluster["Configurations"] if c["Classification"] == "clusterport-engine"
        ]
        assert notes and notes[0]["Properties"]["engine"] == "inprocess"
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        assert wait_for(emr, cluster_id, FINAL)["Status"]["State"] == "TERMINATED"
    finally:
        stop_group(server, grace=30)
    assert server.returncode == 0


def test_the_server_refuses_an_engine_it_does_not_know(tmp_path: Path) -> None:
    refused = subprocess.run(
        [*CLI, "server", "--port", "0", "--data-dir", str(tmp_path), "--engine", "k8s"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert refused.returncode == 2
    assert "invalid choice: 'k8s'" in refused.stderr and "'inprocess'" in refused.stderr


def test_an_endpoint_is_a_host_and_a_port_wherever_it_is() -> None:
    """What the interface hands the gateway: no host is assumed, the document keeps addresses."""
    remote = Endpoint.parse("spark-primary.j-abc.svc:8998")
    assert remote == Endpoint("spark-primary.j-abc.svc", 8998)
    assert remote.url("/sessions") == "http://spark-primary.j-abc.svc:8998/sessions"
    assert Endpoint.parse(Endpoint("127.0.0.1", 4040).address) == Endpoint("127.0.0.1", 4040)
    for bad in ("8998", "host:", ":80", "host:port"):
        with pytest.raises(ValueError, match="not a host:port address"):
            Endpoint.parse(bad)
