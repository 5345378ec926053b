"""Availability Zones and the regional names EC2 derives from a region.

Every region offers three zones, ``<region>a`` to ``<region>c``, with zone ids
in AWS's ``<short>-az<n>`` form (``use1-az1``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

ZONE_LETTERS = ("a", "b", "c")

_DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


@dataclass(frozen=True)
class AvailabilityZone:
    """One zone of a region: its name and id."""

    name: str
    zone_id: str
    region: str


def region_short_code(region: str) -> str:
    """``us-east-1`` → ``use1``, ``ap-southeast-2`` → ``apse2``."""
    parts = region.split("-")
    return "".join(_DIRECTIONS.get(part, part) for part in parts)


def zones(region: str) -> list[AvailabilityZone]:
    """The three zones of ``region``."""
    short = region_short_code(region)
    return [
        AvailabilityZone(f"{region}{letter}", f"{short}-az{number}", region)
        for number, letter in enumerate(ZONE_LETTERS, start=1)
    ]


def private_dns_name(region: str, address: str) -> str:
    """The private DNS name EC2 gives ``address``: ``ip-10-20-1-5.ec2.internal`` in us-east-1."""
    label = "ip-" + str(ipaddress.ip_address(address)).replace(".", "-")
    if region == "us-east-1":
        return f"{label}.ec2.internal"
    return f"{label}.{region}.compute.internal"
