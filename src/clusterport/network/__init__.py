"""The pure network core: a snapshot of VPCs, routes and security groups, and the analyzer.

:func:`analyze` decides whether a :class:`Source` (subnet + security groups)
reaches a :class:`Destination` (instance + port) in a :class:`NetworkSnapshot`
and, when it does not, names the first missing piece and its fix.
:mod:`clusterport.network.from_ec2` builds a snapshot through the EC2 API, reading
EC2's shapes with :mod:`clusterport.network.ec2_shapes` (as the platform's own
EC2 service does with the documents it keeps).
"""

from clusterport.network.model import (
    GroupReference,
    NetworkInterface,
    NetworkSnapshot,
    PeeringSide,
    PeeringStatus,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcPeeringConnection,
)
from clusterport.network.reachability import (
    AddressKind,
    Destination,
    Hop,
    HopKind,
    MissingPiece,
    ReachabilityInputError,
    ReachabilityVerdict,
    Source,
    analyze,
)

__all__ = [
    "AddressKind",
    "Destination",
    "GroupReference",
    "Hop",
    "HopKind",
    "MissingPiece",
    "NetworkInterface",
    "NetworkSnapshot",
    "PeeringSide",
    "PeeringStatus",
    "ReachabilityInputError",
    "ReachabilityVerdict",
    "Route",
    "RouteTable",
    "SecurityGroup",
    "SecurityGroupRule",
    "Source",
    "Subnet",
    "Vpc",
    "VpcPeeringConnection",
    "analyze",
]
