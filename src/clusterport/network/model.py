"""An immutable snapshot of the network pieces the reachability analyzer reads.

The shapes follow what EC2's describe operations return (VPCs, subnets, route
tables, security groups, VPC peering connections, network interfaces), reduced
to the fields that decide whether a packet gets through. Every component
carries its owner account, because in a multi-account set-up the fix for a
missing piece has to be made by that account's admin.

CIDRs are kept as the strings the API uses; each component parses and checks
them once, when it is built, so a malformed value fails early with a message
naming the component and the value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

PeeringStatus = Literal[
    "pending-acceptance",
    "active",
    "rejected",
    "deleted",
    "failed",
    "expired",
    "provisioning",
    "initiating-request",
]
PEERING_STATUSES: tuple[PeeringStatus, ...] = (
    "pending-acceptance",
    "active",
    "rejected",
    "deleted",
    "failed",
    "expired",
    "provisioning",
    "initiating-request",
)

RouteTargetKind = Literal[
    "local",
    "vpc-peering-connection",
    "internet-gateway",
    "egress-only-internet-gateway",
    "nat-gateway",
    "transit-gateway",
    "network-interface",
    "instance",
    "vpc-endpoint",
    "virtual-private-gateway",
    "other",
]

_TARGET_PREFIXES: tuple[tuple[str, RouteTargetKind], ...] = (
    ("pcx-", "vpc-peering-connection"),
    ("igw-", "internet-gateway"),
    ("eigw-", "egress-only-internet-gateway"),
    ("nat-", "nat-gateway"),
    ("tgw-", "transit-gateway"),
    ("eni-", "network-interface"),
    ("i-", "instance"),
    ("vpce-", "vpc-endpoint"),
    ("vgw-", "virtual-private-gateway"),
)

# IANA protocol numbers EC2 accepts in place of the names it returns.
_PROTOCOL_NAMES: Mapping[str, str] = MappingProxyType(
    {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
)


def parse_network(value: str, what: str) -> IPNetwork:
    """Parse a CIDR block (IPv4 or IPv6); ``what`` names its owner in the error."""
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(
            f"{what}: {value!r} is not a CIDR block; write it like 10.20.0.0/16 or 2600:1f18::/56"
        ) from None


def parse_address(value: str, what: str) -> IPAddress:
    """Parse an IP address (IPv4 or IPv6); ``what`` names its owner in the error."""
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(
            f"{what}: {value!r} is not an IP address; write it like 10.20.1.15"
        ) from None


def network_within(inner: IPNetwork, outer: IPNetwork) -> bool:
    """Whether every address of ``inner`` lies in ``outer`` (same IP version)."""
    return (
        inner.version == outer.version
        and int(outer.network_address) <= int(inner.network_address)
        and int(inner.broadcast_address) <= int(outer.broadcast_address)
    )


def networks_overlap(a: IPNetwork, b: IPNetwork) -> bool:
    """Whether ``a`` and ``b`` share at least one address (same IP version)."""
    return (
        a.version == b.version
        and int(a.network_address) <= int(b.broadcast_address)
        and int(b.network_address) <= int(a.broadcast_address)
    )


def normalize_protocol(protocol: str) -> str:
    """EC2's ``IpProtocol`` in one spelling: ``-1``, ``tcp``, ``udp``, ``icmp``, a number."""
    value = protocol.strip().lower()
    return _PROTOCOL_NAMES.get(value, value)


@dataclass(frozen=True, slots=True)
class Vpc:
    """A VPC: its owner account and CIDR blocks (IPv4 and IPv6).

    ``dns_support`` / ``dns_hostnames`` mirror the ``enableDnsSupport`` and
    ``enableDnsHostnames`` attributes; ``None`` means they were not read.
    """

    id: str
    owner: str
    cidr_blocks: tuple[str, ...]
    dns_support: bool | None = None
    dns_hostnames: bool | None = None
    networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.cidr_blocks:
            raise ValueError(f"VPC {self.id} has no CIDR block; every VPC has at least one")
        parsed = tuple(parse_network(c, f"CIDR block of VPC {self.id}") for c in self.cidr_blocks)
        object.__setattr__(self, "networks", parsed)

    def block_containing(self, network: IPNetwork) -> str | None:
        """The CIDR block of this VPC that contains ``network``, if any."""
        for text, net in zip(self.cidr_blocks, self.networks, strict=True):
            if network_within(network, net):
                return text
        return None


@dataclass(frozen=True, slots=True)
class Subnet:
    """A subnet of a VPC, with its IPv4 CIDR (and IPv6 CIDRs, if any)."""

    id: str
    vpc_id: str
    owner: str
    cidr: str
    ipv6_cidrs: tuple[str, ...] = ()
    network: IPNetwork = field(init=False, repr=False, compare=False)
    ipv6_networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "network", parse_network(self.cidr, f"subnet {self.id}"))
        object.__setattr__(
            self,
            "ipv6_networks",
            tuple(parse_network(c, f"IPv6 CIDR of subnet {self.id}") for c in self.ipv6_cidrs),
        )

    def contains(self, address: IPAddress) -> bool:
        """Whether ``address`` lies in one of this subnet's CIDRs."""
        return any(address in net for net in (self.network, *self.ipv6_networks))


@dataclass(frozen=True, slots=True)
class Route:
    """One route: a destination CIDR and its target.

    ``target`` is ``"local"`` or the target's id (``pcx-…``, ``igw-…``,
    ``nat-…``, ``tgw-…``, ``eni-…``, …). ``blackhole`` is EC2's route state
    ``blackhole``: the target is gone or not usable, traffic is dropped.
    """

    destination: str
    target: str
    blackhole: bool = False
    network: IPNetwork = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "network", parse_network(self.destination, f"route to {self.target}")
        )

    @property
    def target_kind(self) -> RouteTargetKind:
        """What kind of thing the target is, read from its id's prefix."""
        if self.target == "local":
            return "local"
        for prefix, kind in _TARGET_PREFIXES:
            if self.target.startswith(prefix):
                return kind
        return "other"


@dataclass(frozen=True, slots=True)
class RouteTable:
    """A route table: the VPC's main table (``main``) and/or explicitly associated subnets."""

    id: str
    vpc_id: str
    owner: str
    routes: tuple[Route, ...]
    main: bool = False
    subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupReference:
    """A security group named by a rule (EC2's ``UserIdGroupPair``).

    ``owner`` is the referenced group's account (``UserId``); ``vpc_id`` and
    ``peering_id`` are filled when the group sits in a peer VPC.
    """

    group_id: str
    owner: str | None = None
    vpc_id: str | None = None
    peering_id: str | None = None


@dataclass(frozen=True, slots=True)
class SecurityGroupRule:
    """One ingress or egress permission of a security group.

    ``protocol`` is ``-1`` (all traffic), ``tcp``, ``udp``, ``icmp``, ``icmpv6``
    or a protocol number. For tcp/udp, ``from_port``..``to_port`` is the port
    range (``None`` means all ports). ``cidrs`` are IPv4/IPv6 CIDR blocks;
    ``groups`` are referenced security groups. Prefix-list entries are kept by
    id only: the analyzer does not resolve them.
    """

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidrs: tuple[str, ...] = ()
    groups: tuple[GroupReference, ...] = ()
    prefix_list_ids: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "protocol", normalize_protocol(self.protocol))
        object.__setattr__(
            self,
            "networks",
            tuple(parse_network(c, "security group rule") for c in self.cidrs),
        )

    def allows(self, protocol: str, port: int) -> bool:
        """Whether this rule's protocol and port range admit ``protocol``/``port``."""
        if self.protocol == "-1":
            return True
        if self.protocol != normalize_protocol(protocol):
            return False
        if self.protocol not in ("tcp", "udp"):
            return True
        low = 0 if self.from_port is None or self.from_port < 0 else self.from_port
        high = 65535 if self.to_port is None or self.to_port < 0 else self.to_port
        return low <= port <= high

    def describe(self, preposition: str = "with") -> str:
        """The rule in one short phrase, e.g. ``tcp 8998 from sg-0abc``."""
        if self.protocol == "-1":
            what = "all traffic"
        elif self.protocol in ("tcp", "udp") and self.from_port is not None:
            if self.from_port == self.to_port:
                what = f"{self.protocol} {self.from_port}"
            else:
                what = f"{self.protocol} {self.from_port}-{self.to_port}"
        else:
            what = self.protocol
        peers = [*self.cidrs, *(_reference_text(g) for g in self.groups), *self.prefix_list_ids]
        return f"{what} {preposition} {', '.join(peers) if peers else 'nothing'}"


def _reference_text(ref: GroupReference) -> str:
    return f"{ref.owner}/{ref.group_id}" if ref.owner else ref.group_id


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    """A security group of a VPC with its ingress and egress rules."""

    id: str
    vpc_id: str
    owner: str
    ingress: tuple[SecurityGroupRule, ...] = ()
    egress: tuple[SecurityGroupRule, ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class PeeringSide:
    """One side (requester or accepter) of a VPC peering connection.

    ``allow_dns_resolution_from_remote_vpc`` is this side's
    ``PeeringOptions.AllowDnsResolutionFromRemoteVpc``: when true, DNS hostnames
    of instances in *this* side's VPC resolve to private IP addresses when
    queried from instances in the peer VPC. Only this side's owner can set it.
    """

    vpc_id: str
    owner: str
    cidr_blocks: tuple[str, ...] = ()
    allow_dns_resolution_from_remote_vpc: bool = False
    region: str | None = None


@dataclass(frozen=True, slots=True)
class VpcPeeringConnection:
    """A VPC peering connection between a requester VPC and an accepter VPC."""

    id: str
    requester: PeeringSide
    accepter: PeeringSide
    status: PeeringStatus

    def __post_init__(self) -> None:
        if self.status not in PEERING_STATUSES:
            raise ValueError(
                f"VPC peering connection {self.id}: unknown status {self.status!r}; "
                f"expected one of {', '.join(PEERING_STATUSES)}"
            )

    def connects(self, vpc_a: str, vpc_b: str) -> bool:
        """Whether this connection joins ``vpc_a`` and ``vpc_b`` (in either role)."""
        return {self.requester.vpc_id, self.accepter.vpc_id} == {vpc_a, vpc_b}

    def side_of(self, vpc_id: str) -> Literal["requester", "accepter"]:
        """Which role ``vpc_id`` has in this connection."""
        if self.requester.vpc_id == vpc_id:
            return "requester"
        if self.accepter.vpc_id == vpc_id:
            return "accepter"
        raise ValueError(f"VPC {vpc_id} is not a side of VPC peering connection {self.id}")

    def side(self, vpc_id: str) -> PeeringSide:
        """The :class:`PeeringSide` of ``vpc_id``."""
        return self.requester if self.side_of(vpc_id) == "requester" else self.accepter


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    """A network interface: where an instance (or any endpoint) sits and which groups guard it.

    ``instance_id`` is set for an instance's interface; ``device_index`` 0 is
    its primary interface, the one the instance's private IP and DNS name
    belong to.
    """

    id: str
    owner: str
    subnet_id: str
    private_ip: str
    security_group_ids: tuple[str, ...]
    private_dns_name: str | None = None
    instance_id: str | None = None
    device_index: int = 0
    address: IPAddress = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "address", parse_address(self.private_ip, f"network interface {self.id}")
        )


@dataclass(frozen=True)
class NetworkSnapshot:
    """Every network component the analyzer may read, keyed by id.

    Build it with :meth:`of`; combine the views of several accounts with
    :meth:`merge`. The lookups the analyzer needs (route table of a subnet,
    primary interface of an instance, peering connections between two VPCs)
    are indexed once at construction.
    """

    vpcs: Mapping[str, Vpc]
    subnets: Mapping[str, Subnet]
    route_tables: Mapping[str, RouteTable]
    security_groups: Mapping[str, SecurityGroup]
    peering_connections: Mapping[str, VpcPeeringConnection]
    interfaces: Mapping[str, NetworkInterface]
    _table_of_subnet: Mapping[str, RouteTable] = field(init=False, repr=False, compare=False)
    _main_table_of_vpc: Mapping[str, RouteTable] = field(init=False, repr=False, compare=False)
    _interfaces_of_instance: Mapping[str, tuple[NetworkInterface, ...]] = field(
        init=False, repr=False, compare=False
    )
    _interface_of_ip: Mapping[str, NetworkInterface] = field(init=False, repr=False, compare=False)
    _peerings_of_pair: Mapping[frozenset[str], tuple[VpcPeeringConnection, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for name in (
            "vpcs",
            "subnets",
            "route_tables",
            "security_groups",
            "peering_connections",
            "interfaces",
        ):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        table_of_subnet: dict[str, RouteTable] = {}
        main_of_vpc: dict[str, RouteTable] = {}
        for table in self.route_tables.values():
            if table.main:
                main_of_vpc[table.vpc_id] = table
            for subnet_id in table.subnet_ids:
                table_of_subnet[subnet_id] = table
        by_instance: dict[str, list[NetworkInterface]] = {}
        by_ip: dict[str, NetworkInterface] = {}
        for eni in self.interfaces.values():
            if eni.instance_id:
                by_instance.setdefault(eni.instance_id, []).append(eni)
            by_ip[str(eni.address)] = eni
        by_pair: dict[frozenset[str], list[VpcPeeringConnection]] = {}
        for pcx in self.peering_connections.values():
            pair = frozenset((pcx.requester.vpc_id, pcx.accepter.vpc_id))
            by_pair.setdefault(pair, []).append(pcx)
        object.__setattr__(self, "_table_of_subnet", MappingProxyType(table_of_subnet))
        object.__setattr__(self, "_main_table_of_vpc", MappingProxyType(main_of_vpc))
        object.__setattr__(
            self,
            "_interfaces_of_instance",
            MappingProxyType(
                {
                    k: tuple(sorted(v, key=lambda e: (e.device_index, e.id)))
                    for k, v in by_instance.items()
                }
            ),
        )
        object.__setattr__(self, "_interface_of_ip", MappingProxyType(by_ip))
        object.__setattr__(
            self,
            "_peerings_of_pair",
            MappingProxyType({k: tuple(v) for k, v in by_pair.items()}),
        )

    @classmethod
    def of(
        cls,
        *,
        vpcs: Iterable[Vpc] = (),
        subnets: Iterable[Subnet] = (),
        route_tables: Iterable[RouteTable] = (),
        security_groups: Iterable[SecurityGroup] = (),
        peering_connections: Iterable[VpcPeeringConnection] = (),
        interfaces: Iterable[NetworkInterface] = (),
    ) -> NetworkSnapshot:
        """Build a snapshot from components; a later component with the same id wins."""
        return cls(
            vpcs={v.id: v for v in vpcs},
            subnets={s.id: s for s in subnets},
            route_tables={t.id: t for t in route_tables},
            security_groups={g.id: g for g in security_groups},
            peering_connections={p.id: p for p in peering_connections},
            interfaces={i.id: i for i in interfaces},
        )

    def merge(self, other: NetworkSnapshot) -> NetworkSnapshot:
        """This snapshot plus ``other``'s components (``other`` wins on equal ids)."""
        return NetworkSnapshot(
            vpcs={**self.vpcs, **other.vpcs},
            subnets={**self.subnets, **other.subnets},
            route_tables={**self.route_tables, **other.route_tables},
            security_groups={**self.security_groups, **other.security_groups},
            peering_connections={**self.peering_connections, **other.peering_connections},
            interfaces={**self.interfaces, **other.interfaces},
        )

    def route_table_of(self, subnet: Subnet) -> RouteTable | None:
        """The table routing ``subnet``: its explicit association, else its VPC's main table."""
        return self._table_of_subnet.get(subnet.id) or self._main_table_of_vpc.get(subnet.vpc_id)

    def interfaces_of_instance(self, instance_id: str) -> tuple[NetworkInterface, ...]:
        """The interfaces of an instance, primary (device index 0) first."""
        return self._interfaces_of_instance.get(instance_id, ())

    def interface_with_ip(self, private_ip: str) -> NetworkInterface | None:
        """The interface that holds ``private_ip``, if the snapshot has it."""
        return self._interface_of_ip.get(str(parse_address(private_ip, "private IP")))

    def peerings_between(self, vpc_a: str, vpc_b: str) -> tuple[VpcPeeringConnection, ...]:
        """Every peering connection (in any state) joining ``vpc_a`` and ``vpc_b``."""
        return self._peerings_of_pair.get(frozenset((vpc_a, vpc_b)), ())
