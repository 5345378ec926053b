"""Availability Zones and the regional names EC2 derives from a region.

A region offers the zones AWS has there (:data:`clusterport.regions.REGION_ZONES`:
six in us-east-1, ``use1-az1`` … ``use1-az6``), with zone ids in AWS's
``<short>-az<n>`` form.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from clusterport.regions import REGION_ZONES, short_code

#: The zones of a region missing from the table (the gateway refuses such regions).
_FALLBACK_ZONES = (("a", 1), ("b", 2), ("c", 3))


@dataclass(frozen=True)
class AvailabilityZone:
    """One zone of a region: its name and id."""

    name: str
    zone_id: str
    region: str


def zones(region: str) -> list[AvailabilityZone]:
    """The zones of ``region``, in the order of their names."""
    short = short_code(region)
    return [
        AvailabilityZone(f"{region}{letter}", f"{short}-az{number}", region)
        for letter, number in REGION_ZONES.get(region, _FALLBACK_ZONES)
    ]


def private_dns_name(region: str, address: str) -> str:
    """The private DNS name EC2 gives ``address``: ``ip-10-20-1-5.ec2.internal`` in us-east-1."""
    label = "ip-" + str(ipaddress.ip_address(address)).replace(".", "-")
    if region == "us-east-1":
        return f"{label}.ec2.internal"
    return f"{label}.{region}.compute.internal"
