"""``clusterport demo``: the seed set-up, then the data worker's whole journey, headless.

Discover clusters across accounts, create one from the catalog product,
connect a Spark session, run a job, open the Spark UI through its presigned
URL, connect to the EMR account's cluster through the cross-account role,
terminate, and check that nothing is left running. Each step is timed; the
exit code is 0 only when every step worked.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
from rich.console import Console
from rich.table import Table

from clusterport import stopping
from clusterport.cli.seed import runtime
from clusterport.cli.seed.world import EMR_ACCOUNT, STUDIO_ACCOUNT, SeedBuilder, SeedWorld
from clusterport.cli.up import shared_cluster
from clusterport.platform import DEFAULT_REGION


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo", help="set up the seed world and walk the data worker's journey headless"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="default: a temporary folder, removed after"
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.set_defaults(run=run)


@dataclass
class Journey:
    """The steps run so far and their outcomes."""

    console: Console
    rows: list[tuple[str, float, str, bool]] = field(default_factory=list)
    _status: Any = None
    _title: str = ""
    _start: float = 0.0
    _last: str = ""

    def step(self, title: str, action: Callable[[], str]) -> bool:
        start = time.monotonic()
        self._title, self._start, self._last = title, start, ""
        with self.console.status(f"{title} …") as status:
            self._status = status
            try:
                detail = action()
                ok = True
            except Exception as exc:  # noqa: BLE001 - a failed step is reported, then the demo stops what it started
                detail = f"{type(exc).__name__}: {exc}"
                ok = False
            finally:
                self._status = None
        seconds = time.monotonic() - start
        mark = "[green]✓[/]" if ok else "[red]✗[/]"
        self.console.print(f"{mark} {title}  [dim]{seconds:.1f} s[/]  {detail}")
        self.rows.append((title, seconds, detail, ok))
        return ok

    @property
    def ok(self) -> bool:
        return all(row[3] for row in self.rows)

    def progress(self, note: str) -> None:
        """What the current step waits for, with its elapsed time: the spinner's text on a
        terminal (updated at every poll), else one line each time the note changes."""
        elapsed = time.monotonic() - self._start
        if self._status is not None and self.console.is_terminal:
            self._status.update(f"{self._title} … {note}  {elapsed:.0f} s")
        elif note != self._last:
            self.console.print(f"  … {note}  [dim]{elapsed:.0f} s[/]", highlight=False)
        self._last = note

    def wait_cluster(
        self, emr: Any, cluster_id: str, wanted: tuple[str, ...], timeout: float = 300
    ) -> str:
        """Poll DescribeCluster until ``cluster_id`` is in ``wanted``, showing each state."""
        deadline = time.monotonic() + timeout
        while True:
            status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
            state = str(status["State"])
            message = (status.get("StateChangeReason") or {}).get("Message") or ""
            self.progress(f"{cluster_id} {state}" + (f": {message}" if message else ""))
            if state in wanted:
                return state
            if state.startswith("TERMINATED"):
                raise RuntimeError(f"{cluster_id} ended {state}: {message}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{cluster_id} is still {state} after {timeout:.0f} s")
            time.sleep(2)


def worker_session(world: SeedWorld, url: str, region: str, data_dir: Path) -> boto3.Session:
    """The data worker's credentials, delivered as to their Studio app.

    The profile's app is registered as the launcher registers it, and the
    execution role comes from the platform's container-credentials endpoint:
    assumed as ``sagemaker.amazonaws.com``, with the profile as source identity
    and the domain and profile ARNs as transitive session tags.
    """
    from clusterport.studio.credentials import (  # noqa: PLC0415
        container_credentials_uri,
        fetch_credentials,
    )
    from clusterport.studio.launcher import StudioPaths, register_app  # noqa: PLC0415

    paths = StudioPaths(data_dir.resolve(), world.domain_id, world.user_profile)
    token = secrets.token_urlsafe(32)
    register_app(paths, account_id=world.studio_account, region=region, credentials_token=token)
    creds = fetch_credentials(
        container_credentials_uri(url, world.domain_id, world.user_profile), token
    )
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["Token"],
        region_name=region,
    )


def run_lifecycle(admin: boto3.Session, world: SeedWorld, url: str, home: Path) -> str:
    """What Studio does before the Jupyter server starts: the lifecycle script, in the home."""
    sm = admin.client("sagemaker", endpoint_url=url)
    config = sm.describe_studio_lifecycle_config(
        StudioLifecycleConfigName=world.lifecycle_config_arn.rsplit("/", 1)[-1]
    )
    script = base64.b64decode(config["StudioLifecycleConfigContent"]).decode()
    done = subprocess.run(
        ["bash", "-c", script],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def run(args: argparse.Namespace) -> int:
    console = Console()
    # Ctrl-C or SIGTERM stops the journey where it is; its cleanup still stops everything.
    with stopping.stop_on_signals():
        try:
            if args.data_dir is None:
                with tempfile.TemporaryDirectory(prefix="clusterport-demo-") as tmp:
                    return journey(console, Path(tmp), args.region)
            return journey(console, args.data_dir.resolve(), args.region)
        except stopping.StopRequested:
            console.print("[yellow]clusterport demo: stopped before the end[/]")
            return 130


def journey(console: Console, data_dir: Path, region: str) -> int:
    from clusterport.studio.manager import ClustersManager  # noqa: PLC0415
    from clusterport.studio.spark_session import connect_session  # noqa: PLC0415

    j = Journey(console)
    server = runtime.start_server(data_dir, "127.0.0.1", 0)
    url = server.url
    # The notebook side finds the platform the way Studio's environment tells it: through
    # the standard AWS configuration, as the launcher sets it for JupyterLab.
    os.environ["AWS_ENDPOINT_URL"] = url
    os.environ["AWS_DEFAULT_REGION"] = region
    state: dict[str, Any] = {}
    home = data_dir / "demo-home"
    home.mkdir(parents=True, exist_ok=True)
    try:
        keys = runtime.account_keys(data_dir)
        studio_admin = runtime.session(keys[STUDIO_ACCOUNT], region)
        emr_admin = runtime.session(keys[EMR_ACCOUNT], region)
        builder = SeedBuilder(studio_admin, emr_admin, url, region, report=lambda _: None)

        def seed() -> str:
            state["world"] = builder.build()
            return f"accounts {STUDIO_ACCOUNT} and {EMR_ACCOUNT}, peering, roles, domain, product"

        if not j.step("admins set up the two-account world", seed):
            return 1
        world: SeedWorld = state["world"]
        emr_b = builder.client(emr_admin, "emr")

        def b_cluster() -> str:
            state["b_cluster"] = shared_cluster(world, emr_b)
            return f"{state['b_cluster']} starting in account {EMR_ACCOUNT}"

        j.step("EMR admin starts a shared cluster in account B", b_cluster)

        def lifecycle() -> str:
            return run_lifecycle(studio_admin, world, url, home)

        j.step("Studio start runs the lifecycle configuration", lifecycle)
        worker = worker_session(world, url, region, data_dir)
        manager = ClustersManager(lambda: worker, home, poll_interval=1.0)

        def discover() -> str:
            if "b_cluster" in state:
                j.wait_cluster(emr_b, state["b_cluster"], ("RUNNING", "WAITING"))
            listing = asyncio.run(manager.list_clusters())
            accounts = sorted({c.account_id for c in listing.clusters})
            if listing.failures:
                raise RuntimeError("; ".join(f.message for f in listing.failures))
            return f"{len(listing.clusters)} cluster(s) in accounts {', '.join(accounts)}"

        j.step("data worker discovers clusters across accounts", discover)

        def create() -> str:
            products = asyncio.run(manager.list_products())
            product = products[0]
            form = asyncio.run(manager.provisioning_parameters(product.id))
            record = asyncio.run(
                manager.create_cluster(
                    product.id,
                    form.artifact_id,
                    "demo-spark",
                    {
                        "SubnetId": world.studio_subnet,
                        "MasterSecurityGroup": world.studio_security_group,
                        "CoreInstanceCount": "1",
                        "InstanceType": "m5.xlarge",
                        "IdleTimeout": "1800",
                    },
                )
            )

            def finished() -> Any:
                status = asyncio.run(manager.provisioning_status(record))
                cluster = (
                    f", cluster {status.cluster_id} {status.cluster_state}"
                    if status.cluster_id
                    else ""
                )
                j.progress(f"provisioning {status.status}{cluster}")
                return status if status.done else None

            status = runtime.wait_until(finished, timeout=300, what="the product to provision")
            if status.cluster_state not in ("WAITING", "RUNNING") or not status.cluster_id:
                reason = status.cluster_state_reason or "; ".join(status.errors)
                raise RuntimeError(
                    f"provisioning ended {status.status}, cluster {status.cluster_state}: {reason}"
                )
            state["a_cluster"] = status.cluster_id
            return f"{status.cluster_id} from product '{product.name}'"

        j.step("data worker creates a cluster from the catalog product", create)

        def connect_and_run() -> str:
            emr_a = worker.client("emr", endpoint_url=url)
            spark = connect_session(emr_a, state["a_cluster"])
            try:
                total = spark.range(1_000_000).selectExpr("sum(id) AS s").collect()[0]["s"]
            finally:
                spark.stop()
            return f"sum(range(1e6)) = {total}"

        j.step("notebook connects and runs a Spark job", connect_and_run)

        def spark_ui() -> str:
            link = asyncio.run(manager.spark_ui_url(state["a_cluster"]))
            page = httpx.get(link, follow_redirects=True, timeout=30)
            page.raise_for_status()
            if "Spark" not in page.text:
                raise RuntimeError("the presigned URL did not return a Spark UI page")
            return f"HTTP {page.status_code}, {len(page.text)} bytes of Spark UI"

        j.step("data worker opens the Spark UI through a presigned URL", spark_ui)

        def cross_account() -> str:
            emr_via_role = manager.client("emr", EMR_ACCOUNT)
            spark = connect_session(emr_via_role, state["b_cluster"])
            try:
                count = spark.range(100).filter("id % 7 = 0").count()
            finally:
                spark.stop()
            return f"{count} rows counted on {state['b_cluster']} in account {EMR_ACCOUNT}"

        if "b_cluster" in state:
            j.step("notebook connects to account B's cluster via the assumed role", cross_account)

        def terminate() -> str:
            result = asyncio.run(manager.terminate(state["a_cluster"]))
            emr_a = worker.client("emr", endpoint_url=url)
            j.wait_cluster(emr_a, state["a_cluster"], ("TERMINATED",))
            return f"{state['a_cluster']} terminated ({result.method})"

        if "a_cluster" in state:
            j.step("data worker stops the cluster", terminate)

        def stop_shared() -> str:
            emr_b.terminate_job_flows(JobFlowIds=[state["b_cluster"]])
            j.wait_cluster(emr_b, state["b_cluster"], ("TERMINATED",))
            return f"{state['b_cluster']} terminated"

        # Stopped here, through the API, so that the final stop has nothing left to wait for.
        if "b_cluster" in state:
            j.step("EMR admin stops the shared cluster", stop_shared)
        manager.close()
    finally:

        def nothing_left() -> str:
            server.stop()
            code = runtime.stop_data_dir(data_dir)
            if code != 0:
                raise RuntimeError(f"clusterport down exited {code}")
            return "server stopped, clusterport down left no process"

        j.step("everything stops", nothing_left)
    table = Table(title="clusterport demo")
    for column in ("step", "seconds", "result"):
        table.add_column(column)
    for title, seconds, detail, ok in j.rows:
        table.add_row(title, f"{seconds:.1f}", ("✓ " if ok else "✗ ") + detail[:100])
    console.print(table)
    return 0 if j.ok else 1
