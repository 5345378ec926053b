"""From a stored cluster to the engine's :class:`ClusterSpec`: nodes, properties and sidecars.

Every cluster's primary node runs two sidecars next to Spark:

* ``connect-proxy``: the Spark Connect session-token proxy that
  ``GetSessionEndpoint`` hands out (its signing key is the cluster's session
  key, :attr:`~clusterport.engines.base.ClusterAccess.session_key`, with which
  the EMR service mints tokens; ``TerminateSession`` revokes a session through
  the engine);
* ``livy`` (when the cluster has the Livy application): the Livy-compatible
  endpoint sparkmagic connects to, through the platform's ``/_livy/<cluster-id>/``
  route; it answers only requests carrying the cluster's sidecar access key,
  which the platform adds once it has checked the caller.

Both report their use to the engine (the proxy in its activity file, Livy on
``/_clusterport/activity``), which counts it in what it observes. The files
behind the placeholders are the engine's (see
:class:`~clusterport.engines.base.SidecarSpec`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import (
    BootstrapAction,
    ClusterSpec,
    NodeRole,
    NodeSpec,
    SidecarSpec,
)
from clusterport.services.emr import configurations
from clusterport.services.emr.instance_types import instance_type
from clusterport.services.emr.releases import DEFAULT_RELEASE_LABEL

CONNECT_PROXY = "connect-proxy"
LIVY = "livy"
#: The EMR application whose clusters run the Livy sidecar.
LIVY_APP = "Livy"
#: Where the Livy endpoint answers its activity (busy, last activity).
LIVY_ACTIVITY_PATH = "/_clusterport/activity"


#: The instance type of both nodes of the clusters the warm pool keeps (the one
#: ``clusterport up``, the demo and the catalog's product start with).
POOL_INSTANCE_TYPE = "m5.xlarge"


def pool_template() -> ClusterSpec:
    """The shape the engine's warm pool keeps: the default release, 1 primary + 1 core node.

    Only the release and the nodes' sizes count (see
    :class:`~clusterport.engines.pool.PoolShape`); the engine gives each member
    its own id, folder and token. The sidecars are those of a cluster with
    Livy: an engine may prepare them ahead (the local one parks their
    interpreters); a claimed cluster runs those its own spec names.
    """
    itype = instance_type(POOL_INSTANCE_TYPE)
    template_id = "pool-template"
    return ClusterSpec(
        cluster_id=template_id,
        account_id="",
        release_label=DEFAULT_RELEASE_LABEL,
        connect_token="",
        ui_prefix="",
        nodes=[
            NodeSpec("primary", NodeRole.MASTER, itype.vcpus, itype.memory_mib),
            NodeSpec("core", NodeRole.CORE, itype.vcpus, itype.memory_mib),
        ],
        sidecars=sidecars({"Cluster": {"Id": template_id, "Applications": [{"Name": LIVY_APP}]}}),
    )


def ui_prefix_for(cluster_id: str) -> str:
    """The gateway path a cluster's Spark UIs are served under (no 'proxy' or 'history')."""
    return f"/_ui/{cluster_id}"


def node_spec(instance: Mapping[str, Any], role: str) -> NodeSpec:
    """The engine's view of one instance: its id, role and the resources of its type."""
    itype = instance_type(str(instance["InstanceType"]))
    return NodeSpec(
        instance_id=str(instance["Ec2InstanceId"]),
        role=NodeRole(role),
        cores=itype.vcpus,
        memory_mb=itype.memory_mib,
        instance_group_id=str(instance["InstanceGroupId"]),
    )


def sidecars(doc: Mapping[str, Any]) -> list[SidecarSpec]:
    """The connect proxy, and Livy when the cluster runs the Livy application."""
    out = [
        SidecarSpec(
            name=CONNECT_PROXY,
            argv=[
                "{python}",
                "-m",
                "clusterport.engines.connect_proxy",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "--upstream",
                "localhost:{connect_port}",
                "--key-file",
                "{session_key_file}",
                "--activity-file",
                "{activity_file}",
                "--revoked-file",
                "{revoked_file}",
                "--cluster-id",
                str(doc["Cluster"]["Id"]),
            ],
            env={"SPARK_CONNECT_AUTHENTICATE_TOKEN": "{connect_token}"},
        )
    ]
    apps = {a["Name"] for a in doc["Cluster"].get("Applications", [])}
    if LIVY_APP in apps:
        argv = [
            "{python}",
            "-m",
            "clusterport.engines.livy",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--work-dir",
            "{work_dir}",
            "--access-key-file",
            "{access_key_file}",
        ]
        timeout = configurations.livy_session_timeout(doc["Cluster"].get("Configurations", []))
        if timeout is not None:
            argv += ["--session-timeout", f"{timeout:g}"]
        remote = {
            "CLUSTERPORT_SPARK_REMOTE": "sc://localhost:{connect_port}/;token={connect_token}"
        }
        out.append(SidecarSpec(name=LIVY, argv=argv, env=remote, activity_path=LIVY_ACTIVITY_PATH))
    return out


def cluster_spec(doc: Mapping[str, Any], account_id: str, connect_token: str) -> ClusterSpec:
    """The spec the engine starts a stored cluster from."""
    cluster = doc["Cluster"]
    roles = {g["Id"]: g["InstanceGroupType"] for g in doc["InstanceGroups"]}
    nodes = [
        node_spec(i, roles[i["InstanceGroupId"]])
        for i in doc["Instances"]
        if i["Status"]["State"] != "TERMINATED"
    ]
    configs = cluster.get("Configurations", [])
    return ClusterSpec(
        cluster_id=str(cluster["Id"]),
        account_id=account_id,
        release_label=str(cluster["ReleaseLabel"]),
        connect_token=connect_token,
        ui_prefix=str(doc["Engine"]["UiPrefix"]),
        nodes=nodes,
        spark_properties=configurations.spark_properties(configs),
        env=configurations.spark_env(configs),
        bootstrap_actions=[
            BootstrapAction(name=b["Name"], path=b["ScriptPath"], args=list(b["Args"]))
            for b in doc.get("BootstrapActions", [])
        ],
        sidecars=sidecars(doc),
    )
