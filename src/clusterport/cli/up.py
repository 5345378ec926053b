"""``clusterport up``: the platform with the seed's two-account world and a running Studio."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from clusterport import process_groups, stopping
from clusterport.cli.seed import runtime
from clusterport.cli.seed.world import EMR_ACCOUNT, STUDIO_ACCOUNT, SeedBuilder, SeedWorld
from clusterport.platform import DEFAULT_REGION


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "up", help="start the platform with the seed's two-account world and Studio"
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".clusterport"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument(
        "--no-studio", action="store_true", help="set everything up but do not start JupyterLab"
    )
    parser.add_argument(
        "--emr-cluster",
        action="store_true",
        help="also start a shared Spark cluster in the EMR account (about 1 GB of memory)",
    )
    parser.set_defaults(run=run)


def shared_cluster(world: SeedWorld, emr: Any, name: str = "team-shared") -> str:
    """A Spark cluster in the EMR account, created by its admin (found again if running)."""
    for cluster in emr.list_clusters(
        ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]
    )["Clusters"]:
        if cluster["Name"] == name:
            return str(cluster["Id"])
    return str(
        emr.run_job_flow(
            Name=name,
            ReleaseLabel="emr-7.5.0",
            Applications=[{"Name": "Spark"}, {"Name": "Livy"}],
            Instances={
                "InstanceGroups": [
                    {
                        "Name": "Primary",
                        "InstanceRole": "MASTER",
                        "InstanceType": "m5.xlarge",
                        "InstanceCount": 1,
                    },
                    {
                        "Name": "Core",
                        "InstanceRole": "CORE",
                        "InstanceType": "m5.xlarge",
                        "InstanceCount": 1,
                    },
                ],
                "Ec2SubnetId": world.emr_subnet,
                "EmrManagedMasterSecurityGroup": world.emr_primary_security_group,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            AutoTerminationPolicy={"IdleTimeout": 7200},
            JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole",
            VisibleToAllUsers=True,
        )["JobFlowId"]
    )


def launch_studio(
    data_dir: Path, world: SeedWorld, key: dict[str, str], url: str, region: str
) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            "AWS_ENDPOINT_URL": url,
            "AWS_DEFAULT_REGION": region,
        }
    )
    env.pop("AWS_PROFILE", None)
    log = (data_dir / "studio.log").open("a")
    studio: subprocess.Popen[str] = process_groups.start_group(
        [
            *runtime.CLUSTERPORT,
            "studio",
            "--domain-id",
            world.domain_id,
            "--user-profile",
            world.user_profile,
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return studio


def open_studio(
    data_dir: Path,
    world: SeedWorld,
    builder: SeedBuilder,
    admin: Any,
    key: dict[str, str],
    url: str,
    region: str,
) -> tuple[subprocess.Popen[str], str | None]:
    """Launch the user's JupyterLab; the process and its one-time login URL (None if it died)."""
    studio = launch_studio(data_dir, world, key, url, region)
    app_file = data_dir / "studio" / world.domain_id / "apps" / f"{world.user_profile}.json"
    runtime.wait_until(
        lambda: app_file.exists() or studio.poll() is not None,
        timeout=180,
        interval=0.5,
        what="JupyterLab to start",
    )
    if studio.poll() is not None:
        return studio, None
    login = builder.client(admin, "sagemaker").create_presigned_domain_url(
        DomainId=world.domain_id,
        UserProfileName=world.user_profile,
        ExpiresInSeconds=300,
        SessionExpirationDurationInSeconds=43200,
    )["AuthorizedUrl"]
    return studio, str(login)


def run(args: argparse.Namespace) -> int:
    console = Console()
    data_dir: Path = args.data_dir.resolve()
    server: runtime.ServerProcess | None = None
    studio: subprocess.Popen[str] | None = None
    with stopping.stop_on_signals():
        try:
            server = runtime.start_server(data_dir, args.host, args.port)
            console.print(f"[bold]clusterport[/] serving every API at {server.url}")
            keys = runtime.account_keys(data_dir)
            studio_admin = runtime.session(keys[STUDIO_ACCOUNT], args.region)
            emr_admin = runtime.session(keys[EMR_ACCOUNT], args.region)
            builder = SeedBuilder(
                studio_admin,
                emr_admin,
                server.url,
                args.region,
                report=lambda title: console.print(f"  [green]✓[/] {title}"),
            )
            world = builder.build()
            profiles = runtime.write_profiles(keys, server.url, args.region)
            cluster_id = None
            if args.emr_cluster:
                cluster_id = shared_cluster(world, builder.client(emr_admin, "emr"))
            login = None
            if not args.no_studio:
                studio, login = open_studio(
                    data_dir,
                    world,
                    builder,
                    studio_admin,
                    keys[STUDIO_ACCOUNT],
                    server.url,
                    args.region,
                )
                if login is None:
                    console.print(f"[red]Studio did not start; see {data_dir / 'studio.log'}[/]")
                    return 1
            table = Table(title="clusterport is up", show_header=False)
            table.add_row("API endpoint", server.url)
            table.add_row("AWS CLI profiles", ", ".join(profiles))
            table.add_row("Studio account (A)", f"{STUDIO_ACCOUNT}  domain {world.domain_id}")
            table.add_row("EMR account (B)", f"{EMR_ACCOUNT}  role {world.discovery_role_arn}")
            table.add_row("Catalog product", world.product_id)
            if cluster_id:
                table.add_row("Shared cluster in B", cluster_id)
            console.print(table)
            if login:
                # Printed whole, outside the table, so that terminals keep it clickable.
                console.print("Open Studio (one-time URL, valid 5 minutes):")
                console.print(login, soft_wrap=True, highlight=False)
            console.file.flush()
            # A plain print: a signal that lands while it runs cannot leave a half-cleared
            # rich buffer behind that the next line would print again.
            print("Press Ctrl-C to stop everything started here.", flush=True)
            stopping.wait_for_stop()
        except stopping.StopRequested:
            return 0
        finally:
            stopping.ignore_signals_for_cleanup()
            console.print("stopping …")
            if studio is not None:
                runtime.stop_group(studio)
            if server is not None and server.proc is not None:
                server.stop()
                runtime.stop_data_dir(data_dir)
            sys.stdout.flush()
