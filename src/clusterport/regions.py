"""The regions the platform accepts, and the Availability Zones each has on AWS.

clusterport serves the ``aws`` partition only: its ARNs read ``arn:aws:…``
and its regions are the commercial regions below. A request signed for a
region of ``aws-cn`` (``cn-…``) or ``aws-us-gov`` (``us-gov-…``) is refused
at the endpoint, as AWS's own endpoints refuse credentials scoped to a region
they do not serve, rather than answered with ARNs of the wrong partition.

Each region lists its zones as AWS describes them to an account: the zone
name's letter and the number of its zone id (``us-east-1a`` is ``use1-az1``).
The counts are AWS's (us-east-1 has six zones, us-west-1 two, us-west-2 and
ap-northeast-2 four, the others three); AWS maps letters to zone ids per
account, and the platform fixes one mapping for every account.
"""

from __future__ import annotations

from collections.abc import Mapping

PARTITION = "aws"

#: Region → its zones as (letter, zone-id number).
REGION_ZONES: Mapping[str, tuple[tuple[str, int], ...]] = {
    "us-east-1": (("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 6)),
    "us-east-2": (("a", 1), ("b", 2), ("c", 3)),
    "us-west-1": (("a", 1), ("b", 3)),
    "us-west-2": (("a", 1), ("b", 2), ("c", 3), ("d", 4)),
    "af-south-1": (("a", 1), ("b", 2), ("c", 3)),
    "ap-east-1": (("a", 1), ("b", 2), ("c", 3)),
    "ap-east-2": (("a", 1), ("b", 2), ("c", 3)),
    "ap-south-1": (("a", 1), ("b", 3), ("c", 2)),
    "ap-south-2": (("a", 1), ("b", 2), ("c", 3)),
    "ap-southeast-1": (("a", 1), ("b", 2), ("c", 3)),
    "ap-southeast-2": (("a", 1), ("b", 2), ("c", 3)),
    "ap-southeast-3": (("a", 1), ("b", 2), ("c", 3)),
    "ap-southeast-4": (("a", 1), ("b", 2), ("c", 3)),
    "ap-southeast-5": (("a", 1), ("b", 2), ("c", 3)),
    "ap-southeast-7": (("a", 1), ("b", 2), ("c", 3)),
    "ap-northeast-1": (("a", 4), ("c", 1), ("d", 2)),
    "ap-northeast-2": (("a", 1), ("b", 2), ("c", 3), ("d", 4)),
    "ap-northeast-3": (("a", 3), ("b", 1), ("c", 2)),
    "ca-central-1": (("a", 1), ("b", 2), ("d", 4)),
    "ca-west-1": (("a", 1), ("b", 2), ("c", 3)),
    "eu-central-1": (("a", 1), ("b", 2), ("c", 3)),
    "eu-central-2": (("a", 1), ("b", 2), ("c", 3)),
    "eu-west-1": (("a", 1), ("b", 2), ("c", 3)),
    "eu-west-2": (("a", 2), ("b", 3), ("c", 1)),
    "eu-west-3": (("a", 1), ("b", 2), ("c", 3)),
    "eu-south-1": (("a", 1), ("b", 2), ("c", 3)),
    "eu-south-2": (("a", 1), ("b", 2), ("c", 3)),
    "eu-north-1": (("a", 1), ("b", 2), ("c", 3)),
    "il-central-1": (("a", 1), ("b", 2), ("c", 3)),
    "me-south-1": (("a", 1), ("b", 2), ("c", 3)),
    "me-central-1": (("a", 1), ("b", 2), ("c", 3)),
    "mx-central-1": (("a", 1), ("b", 2), ("c", 3)),
    "sa-east-1": (("a", 1), ("b", 2), ("c", 3)),
}

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


def short_code(region: str) -> str:
    """``us-east-1`` → ``use1``, ``ap-southeast-2`` → ``apse2``."""
    parts = region.split("-")
    return "".join(_DIRECTIONS.get(part, part) for part in parts)


#: Region prefixes of the partitions AWS runs apart from ``aws``.
OTHER_PARTITIONS: Mapping[str, str] = {"cn-": "aws-cn", "us-gov-": "aws-us-gov"}


class RegionRefused(Exception):
    """A region the platform does not serve; the message says why and what to use."""


def check_region(region: str) -> None:
    """Raise :class:`RegionRefused` unless the platform serves ``region``."""
    if region in REGION_ZONES:
        return
    for prefix, partition in OTHER_PARTITIONS.items():
        if region.startswith(prefix):
            raise RegionRefused(
                f"Credential should be scoped to a valid region, not '{region}'. It is a "
                f"region of the {partition} partition; clusterport serves the {PARTITION} "
                "partition only: sign for one of its regions (for example us-east-1)."
            )
    raise RegionRefused(
        f"Credential should be scoped to a valid region, not '{region}'. It is not a "
        f"region of the {PARTITION} partition; sign for one of: "
        f"{', '.join(sorted(REGION_ZONES))}."
    )
