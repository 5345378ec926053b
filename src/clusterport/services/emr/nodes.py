"""Instance groups and instances of a cluster: new entries, and choosing nodes to add or remove."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from clusterport.services.ec2.network_api import InstanceInfo
from clusterport.services.emr import ids
from clusterport.services.emr.documents import PROVISIONING, live_instances, new_status
from clusterport.services.emr.request import GroupRequest

#: The primary node's public name: every node runs on this host, and clients on this
#: host reach the primary node's endpoints at ``localhost``.
MASTER_PUBLIC_DNS = "localhost"
MASTER_PUBLIC_IP = "127.0.0.1"


def new_group(request: GroupRequest, now: dt.datetime) -> dict[str, Any]:
    """A PROVISIONING instance group as ListInstanceGroups shows it."""
    group: dict[str, Any] = {
        "Id": ids.instance_group_id(),
        "Name": request.name,
        "Market": request.market,
        "InstanceGroupType": request.role,
        "InstanceType": request.itype.name,
        "RequestedInstanceCount": request.count,
        "Status": new_status(PROVISIONING, now, "Provisioning the group's instances."),
        "Configurations": list(request.configurations),
        "ConfigurationsVersion": 0,
    }
    if request.bid_price:
        group["BidPrice"] = request.bid_price
    if request.ebs and request.ebs.get("EbsOptimized") is not None:
        group["EbsOptimized"] = bool(request.ebs["EbsOptimized"])
    return group


def new_instance(info: InstanceInfo, group: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A PROVISIONING instance on the EC2 instance ``info``."""
    instance: dict[str, Any] = {
        "Id": ids.cluster_instance_id(),
        "Ec2InstanceId": info.instance_id,
        "PrivateDnsName": info.private_dns,
        "PrivateIpAddress": info.private_ip,
        "Status": new_status(PROVISIONING, now, "Provisioning the node."),
        "InstanceGroupId": group["Id"],
        "Market": group["Market"],
        "InstanceType": group["InstanceType"],
    }
    if group["InstanceGroupType"] == "MASTER":
        instance["PublicDnsName"] = MASTER_PUBLIC_DNS
        instance["PublicIpAddress"] = MASTER_PUBLIC_IP
    return instance


def victims(
    doc: Mapping[str, Any], group: Mapping[str, Any], count: int, preferred: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """``count`` live instances of ``group`` to remove: those asked for first, then the newest."""
    live = live_instances(doc, group["Id"])
    chosen = [i for i in live if i["Ec2InstanceId"] in preferred]
    rest = [i for i in reversed(live) if i not in chosen]
    return (chosen + rest)[:count]
