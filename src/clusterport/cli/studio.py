"""``clusterport studio``: start JupyterLab as a SageMaker Studio user profile.

Runs in the foreground until Ctrl-C or SIGTERM (see
:mod:`clusterport.studio.launcher`). It uses only the AWS APIs, with the
credentials of an admin of the domain's account (``--profile`` or the usual
``AWS_*`` environment variables), against ``--endpoint-url`` /
``AWS_ENDPOINT_URL``, or else the clusterport server running on ``--data-dir``.
JupyterLab runs in a sandbox that sees only the user's home (``--no-sandbox``
turns it off) and gets the execution role from the platform.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from clusterport.cli.common import DEFAULT_DATA_DIR, running_server_url
from clusterport.platform import DEFAULT_REGION
from clusterport.regions import REGION_ZONES
from clusterport.studio.launcher import DEFAULT_LIFECYCLE_TIMEOUT, LaunchOptions, launch


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``studio`` and its options on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "studio",
        help="start JupyterLab as a Studio user profile (lifecycle scripts, execution role)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--domain-id", required=True, help="the Studio domain (d-…)")
    parser.add_argument("--user-profile", required=True, help="the user profile's name")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("CLUSTERPORT_DATA_DIR", DEFAULT_DATA_DIR)),
        help="the platform's data dir, holding the domain's homes "
        "(default: $CLUSTERPORT_DATA_DIR or ./.clusterport)",
    )
    parser.add_argument("--profile", help="the AWS CLI profile of the domain account's admin")
    parser.add_argument("--region", help="the domain's region (default: from the AWS config)")
    parser.add_argument(
        "--endpoint-url",
        help="the platform's URL (default: $AWS_ENDPOINT_URL, else the server on --data-dir)",
    )
    parser.add_argument("--port", type=int, default=0, help="JupyterLab's port (default: free)")
    parser.add_argument(
        "--lifecycle-timeout",
        type=float,
        default=DEFAULT_LIFECYCLE_TIMEOUT,
        help="seconds a lifecycle script may run (default: %(default)s)",
    )
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run JupyterLab, its kernels and lifecycle scripts without their sandbox (unsafe "
        "with more than one user: notebooks can then read the data dir and other homes)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Start Studio for one user profile and wait until it is stopped."""
    endpoint = (
        args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or running_server_url(args.data_dir)
    )
    region = args.region
    if region is None and endpoint:
        region = domain_region(args.profile, endpoint, args.domain_id)
    return launch(
        LaunchOptions(
            domain_id=args.domain_id,
            user_profile=args.user_profile,
            data_dir=args.data_dir,
            port=args.port,
            aws_profile=args.profile,
            endpoint_url=endpoint,
            region=region,
            lifecycle_timeout=args.lifecycle_timeout,
            sandbox=args.sandbox,
        )
    )


def domain_region(profile: str | None, endpoint: str, domain_id: str) -> str | None:
    """The region of ``domain_id`` on the platform, when the AWS config names none.

    Domains are regional: ask ``DescribeDomain`` region by region (the platform's
    default first) and stop at the first that has it. ``None`` when a region is
    configured already, or no region has the domain (the launcher then says so).
    """
    try:
        session = boto3.Session(profile_name=profile)
    except BotoCoreError:
        return None
    if session.region_name:
        return None
    for region in dict.fromkeys([DEFAULT_REGION, *REGION_ZONES]):
        client = session.client("sagemaker", region_name=region, endpoint_url=endpoint)
        try:
            client.describe_domain(DomainId=domain_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {
                "ResourceNotFound",
                "ValidationException",
            }:
                continue
            return None
        except BotoCoreError:
            return None
        print(f"clusterport studio: domain {domain_id} is in {region}", flush=True)
        return region
    return None
