"""What ``%sm_analytics emr connect`` does before it hands over to Spark, through boto3 only.

- With ``--assumable-role-arn``: ``sts.assume_role(RoleArn=…,
  RoleSessionName="SageMakerStudioUser")`` and every EMR call uses those credentials.
- ``DescribeCluster`` first, so an unknown cluster, a cluster of another
  account (AccessDenied) or one that is not RUNNING/WAITING fails with a
  message that says so.
- For Livy on AWS: the primary node (the instance whose public or private DNS
  name equals ``MasterPublicDnsName``) and the Livy port (``livy-conf`` →
  ``livy.server.port`` in the cluster's or the MASTER instance group's
  configurations, 8998 by default). Against a clusterport endpoint (one that
  answers clusterport's health check), Livy is ``<endpoint>/_livy/<cluster-id>``
  and every request is signed (:mod:`clusterport.studio.livy_auth`).

Failures raise :class:`EmrConnectError` carrying the AWS error code and message.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError

from clusterport.studio.command import ConnectRequest
from clusterport.studio.errors import from_boto
from clusterport.studio.livy_auth import platform_livy_url

__all__ = [
    "DEFAULT_LIVY_PORT",
    "EmrAccess",
    "EmrConnectError",
    "LivyEndpoint",
    "check_reachable",
    "emr_client",
    "livy_endpoint",
    "ready_cluster",
    "refuse_unsupported",
]

DEFAULT_LIVY_PORT = 8998
STUDIO_SESSION_NAME = "SageMakerStudioUser"
#: Endpoints under these domains are AWS's own.
AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn")
#: What a clusterport endpoint answers (with the services it serves) and nothing else does.
HEALTH_PATH = "/_clusterport/health"
_READY = ("RUNNING", "WAITING")


class EmrConnectError(RuntimeError):
    """Connecting to a cluster failed; the message says why and what to do."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback through the magic's internals.
        return [f"EmrConnectError: {self.message}"]


@dataclass(frozen=True)
class LivyEndpoint:
    """Where sparkmagic reaches the cluster's Livy server.

    ``signed`` endpoints (a clusterport endpoint's Livy route) take SigV4-signed
    requests only; the others are the primary node's plain Livy port.
    """

    host: str
    port: int
    primary_instance_id: str | None = None
    base_url: str | None = None

    @property
    def signed(self) -> bool:
        return self.base_url is not None

    @property
    def url(self) -> str:
        """The Livy base URL for ``%spark add -u``."""
        return self.base_url or f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class EmrAccess:
    """The EMR client a connect uses, and the credentials it signs with."""

    client: Any
    credentials: Credentials
    region: str

    def platform_url(self) -> str | None:
        """The clusterport endpoint the client talks to; None for AWS (or another emulator).

        An endpoint outside AWS's domains is asked for clusterport's health
        document, which only a clusterport server serves.
        """
        url = str(self.client.meta.endpoint_url).rstrip("/")
        if (urlsplit(url).hostname or "").endswith(AWS_DOMAINS):
            return None
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=5) as reply:
                health = json.loads(reply.read())
        except (OSError, ValueError):
            return None
        return url if isinstance(health, dict) and "services" in health else None


def refuse_unsupported(request: ConnectRequest) -> None:
    """Refuse the authentication types clusterport's clusters do not use."""
    if request.auth_type != "None":
        raise EmrConnectError(
            f"--auth-type {request.auth_type} is not supported: clusterport's clusters "
            "authenticate notebook connections with the caller's AWS credentials. "
            "Use --auth-type None.",
            "UnsupportedAuthType",
        )


def emr_client(
    request: ConnectRequest, session_factory: Callable[[], boto3.session.Session]
) -> EmrAccess:
    """The EMR client for ``request``: the user's credentials or the assumed role's."""
    session = session_factory()
    if not request.assumable_role_arn:
        client = session.client("emr")
        own = session.get_credentials()
        if own is None:
            raise EmrConnectError(
                "No AWS credentials are configured for this notebook: set AWS_PROFILE or "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
                "NoCredentials",
            )
        return EmrAccess(client, own, client.meta.region_name)
    try:
        credentials = session.client("sts").assume_role(
            RoleArn=request.assumable_role_arn, RoleSessionName=STUDIO_SESSION_NAME
        )["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        error = from_boto(exc)
        raise EmrConnectError(
            f"Cannot assume {request.assumable_role_arn}: {error.code}: {error.message} "
            "Check the role's trust policy allows this Studio role, and that this role "
            "may call sts:AssumeRole on it.",
            error.code,
        ) from exc
    client = session.client(
        "emr",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assumed = Credentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    return EmrAccess(client, assumed, client.meta.region_name)


def ready_cluster(emr: Any, request: ConnectRequest) -> Mapping[str, Any]:
    """``DescribeCluster``; fails clearly unless the cluster is RUNNING or WAITING."""
    try:
        cluster: Mapping[str, Any] = emr.describe_cluster(ClusterId=request.cluster_id)["Cluster"]
    except (ClientError, BotoCoreError) as exc:
        error = from_boto(exc)
        hint = ""
        if error.code in {"InvalidRequestException", "ResourceNotFoundException"}:
            hint = (
                " Check the cluster id; for a cluster of another account add "
                "--assumable-role-arn with a role of that account."
                if not request.assumable_role_arn
                else " Check the cluster id and that the cluster is in the role's account."
            )
        raise EmrConnectError(
            f"Cannot describe cluster {request.cluster_id}: {error.code}: {error.message}{hint}",
            error.code,
        ) from exc
    state = cluster.get("Status", {}).get("State", "")
    if state not in _READY:
        if state in {"STARTING", "BOOTSTRAPPING"}:
            advice = "wait until it is WAITING and connect again"
        else:
            advice = "start a new cluster and connect to it"
        raise EmrConnectError(
            f"Cluster {request.cluster_id} is {state}, not RUNNING or WAITING: {advice}.",
            "ClusterNotReady",
        )
    return cluster


def livy_endpoint(access: EmrAccess, cluster: Mapping[str, Any]) -> LivyEndpoint:
    """The Livy endpoint of the cluster: the platform's Livy route, or the primary node's."""
    cluster_id = str(cluster["Id"])
    platform = access.platform_url()
    if platform is not None:
        parts = urlsplit(platform)
        return LivyEndpoint(
            parts.hostname or "",
            parts.port or (443 if parts.scheme == "https" else 80),
            base_url=platform_livy_url(platform, cluster_id),
        )
    emr = access.client
    master = cluster.get("MasterPublicDnsName") or ""
    if not master:
        raise EmrConnectError(
            f"Cluster {cluster_id} has no primary node address yet "
            "(MasterPublicDnsName is empty); wait until it is WAITING.",
            "ClusterNotReady",
        )
    try:
        primary = _primary_instance(emr, cluster_id, master)
        port = _livy_port(cluster.get("Configurations", []))
        if port is None:
            port = _master_group_livy_port(emr, cluster_id)
    except (ClientError, BotoCoreError) as exc:
        error = from_boto(exc)
        raise EmrConnectError(
            f"Cannot inspect cluster {cluster_id}: {error.code}: {error.message}", error.code
        ) from exc
    return LivyEndpoint(master, port or DEFAULT_LIVY_PORT, primary)


def _primary_instance(emr: Any, cluster_id: str, master_dns: str) -> str | None:
    marker: str | None = None
    while True:
        page = emr.list_instances(ClusterId=cluster_id, **({"Marker": marker} if marker else {}))
        for instance in page.get("Instances", []):
            if master_dns in (instance.get("PublicDnsName"), instance.get("PrivateDnsName")):
                return str(instance.get("Ec2InstanceId") or instance.get("Id"))
        marker = page.get("Marker")
        if not marker:
            return None


def _livy_port(configurations: Iterable[Mapping[str, Any]]) -> int | None:
    for configuration in configurations or ():
        if configuration.get("Classification") == "livy-conf":
            value = (configuration.get("Properties") or {}).get("livy.server.port")
            if value:
                return int(value)
        nested = _livy_port(configuration.get("Configurations") or ())
        if nested is not None:
            return nested
    return None


def _master_group_livy_port(emr: Any, cluster_id: str) -> int | None:
    try:
        groups = emr.list_instance_groups(ClusterId=cluster_id).get("InstanceGroups", [])
    except ClientError as exc:
        # Instance-fleet clusters have no instance groups; their configurations are the cluster's.
        if exc.response.get("Error", {}).get("Code") == "InvalidRequestException":
            return None
        raise
    for group in groups:
        if group.get("InstanceGroupType") == "MASTER":
            return _livy_port(group.get("Configurations", []))
    return None


def check_reachable(endpoint: LivyEndpoint, cluster_id: str, timeout: float = 5.0) -> None:
    """Fail with the network explanation when this notebook cannot open the Livy port."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EmrConnectError(
            f"Cannot reach Livy of cluster {cluster_id} at {endpoint.host}:{endpoint.port} "
            f"({reason}). The notebook's network must reach the cluster's primary node: a "
            "route to its VPC (VPC peering accepted, routes to the peer CIDR on both sides, "
            "DNS resolution enabled on the peering) and an inbound rule on the primary node's "
            f"security group for TCP {endpoint.port} from the Studio security group. "
            "`clusterport doctor` names the missing piece.",
            "NetworkUnreachable",
        ) from exc
