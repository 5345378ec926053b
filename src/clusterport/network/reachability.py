"""Decide whether a source (subnet + security groups) reaches a destination (instance + port).

The analysis follows the path a TCP connection takes on AWS and checks each
piece in order:

1. **source route** — the source subnet's route table (its explicit
   association, else the VPC's main table) has, as its most specific match for
   the destination IP, ``local`` (same VPC) or the peering connection joining
   the two VPCs;
2. **peering** — that connection exists and is ``active`` (cross-VPC only);
3. **return route** — the destination subnet's route table sends the source
   subnet's CIDR back through the same connection (or ``local``);
4. **egress** — one of the source's security groups allows the traffic out
   to the destination IP (a CIDR containing it, or a reference to one of the
   destination's groups);
5. **ingress** — one of the destination's security groups allows the traffic
   in from the source (a CIDR containing the source address or subnet, or a
   reference to one of the source's groups; a peer VPC's group counts only
   across an active peering connection in the same region);
6. **DNS** — when the client uses the private DNS name across a peering
   connection, the side that owns the destination VPC has
   ``AllowDnsResolutionFromRemoteVpc`` enabled (and the VPCs' DNS attributes,
   when known, are on).

Every hop is checked and listed. The verdict names the first missing piece in
that order — except that a missing or inactive peering connection is named
before the routes, since a route through it can only be fixed once it exists
and is active. Network ACLs, prefix lists and transit gateways are not
analyzed.

Input that does not describe a path (a subnet, group or instance absent from
the snapshot) raises :class:`ReachabilityInputError`; everything else is a
verdict.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from clusterport.network.model import (
    IPAddress,
    IPNetwork,
    NetworkInterface,
    NetworkSnapshot,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcPeeringConnection,
    network_within,
    networks_overlap,
    parse_address,
)

AddressKind = Literal["private-ip", "private-dns"]
HopKind = Literal["subnet", "route-table", "vpc", "vpc-peering-connection", "security-group"]

# Which candidate connection to examine when several join the same two VPCs.
_STATUS_ORDER: tuple[str, ...] = (
    "active",
    "pending-acceptance",
    "provisioning",
    "initiating-request",
    "failed",
    "rejected",
    "expired",
    "deleted",
)


class ReachabilityInputError(ValueError):
    """The source or destination does not name components present in the snapshot."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where the connection starts: a subnet, the security groups of the client, its account.

    ``private_ip`` narrows the source to one address of the subnet (the
    client's interface); without it the whole subnet CIDR must be allowed.
    """

    account: str
    subnet_id: str
    security_group_ids: tuple[str, ...]
    private_ip: str | None = None


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the connection goes: an instance (or a private IP), a port and protocol.

    ``address_kind`` says how the client names the destination: by its
    private IP, or by its private DNS name (which must resolve across a
    peering connection).
    """

    port: int
    instance_id: str | None = None
    private_ip: str | None = None
    protocol: Literal["tcp", "udp"] = "tcp"
    address_kind: AddressKind = "private-ip"


@dataclass(frozen=True, slots=True)
class Hop:
    """One checked piece of the path and what was found."""

    kind: HopKind
    component_id: str
    account: str
    check: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class MissingPiece:
    """The first piece that blocks the path: which component, whose, and the fix in one sentence."""

    kind: HopKind
    component_id: str
    account: str
    fix: str


@dataclass(frozen=True, slots=True)
class ReachabilityVerdict:
    """The analyzer's answer: reachable or not, every hop checked, and the first missing piece."""

    reachable: bool
    hops: tuple[Hop, ...]
    missing: MissingPiece | None
    summary: str

    def sentence(self) -> str:
        """The verdict in one sentence: what reaches what, or what to fix."""
        if self.missing is None:
            return f"Reachable: {self.summary}."
        # No closing period: the fix usually ends with a command to copy.
        return f"Unreachable: {self.missing.fix}"


@dataclass(frozen=True, slots=True)
class _Path:
    """The resolved components of one source → destination question."""

    source: Source
    destination: Destination
    src_subnet: Subnet
    src_vpc: Vpc
    src_groups: tuple[SecurityGroup, ...]
    src_net: IPNetwork
    src_text: str
    dst_eni: NetworkInterface
    dst_subnet: Subnet
    dst_vpc: Vpc
    dst_groups: tuple[SecurityGroup, ...]
    dst_ip: IPAddress
    dst_net: IPNetwork
    dst_name: str

    @property
    def same_vpc(self) -> bool:
        return self.src_vpc.id == self.dst_vpc.id

    @property
    def traffic(self) -> str:
        return f"{self.destination.protocol} {self.destination.port}"


def analyze(
    snapshot: NetworkSnapshot, source: Source, destination: Destination
) -> ReachabilityVerdict:
    """Check every hop from ``source`` to ``destination`` and name the first missing piece."""
    path = _resolve(snapshot, source, destination)
    src_table = snapshot.route_table_of(path.src_subnet)
    dst_table = snapshot.route_table_of(path.dst_subnet)
    peering: VpcPeeringConnection | None = None
    if not path.same_vpc:
        peering = _choose_peering(snapshot, path, src_table, dst_table)

    hops: list[Hop] = [
        _route_hop(
            snapshot,
            table=src_table,
            subnet=path.src_subnet,
            from_vpc=path.src_vpc,
            to_vpc=path.dst_vpc,
            target=path.dst_net,
            target_text=f"{path.dst_ip} ({path.dst_name})",
            peering=peering,
        )
    ]
    peering_hop = None if path.same_vpc else _peering_hop(path, peering)
    if peering_hop is not None:
        hops.append(peering_hop)
    hops.append(
        _route_hop(
            snapshot,
            table=dst_table,
            subnet=path.dst_subnet,
            from_vpc=path.dst_vpc,
            to_vpc=path.src_vpc,
            target=path.src_net,
            target_text=f"{path.src_net} ({path.src_text})",
            peering=peering,
        )
    )
    active = peering is not None and peering.status == "active"
    hops.append(_egress_hop(path, peering if active else None))
    hops.append(_ingress_hop(path, peering if active else None))
    if destination.address_kind == "private-dns":
        hops.extend(_dns_hops(path, peering))

    # A route through a connection that is missing or inactive can only be fixed
    # after the connection itself, so that one is named first.
    failed = [h for h in hops if not h.ok]
    blocking = peering_hop if peering_hop is not None and not peering_hop.ok else None
    if blocking is None and failed:
        blocking = failed[0]
    missing = None
    if blocking is not None:
        missing = MissingPiece(
            kind=blocking.kind,
            component_id=blocking.component_id,
            account=blocking.account,
            fix=blocking.fix or blocking.detail,
        )
    via = "" if peering is None else f" through {peering.id}"
    summary = (
        f"{source.subnet_id} (account {path.src_subnet.owner}) with "
        f"{', '.join(source.security_group_ids)} reaches {path.dst_name} at "
        f"{_address_text(path)} on {path.traffic}{via}"
    )
    return ReachabilityVerdict(
        reachable=missing is None, hops=tuple(hops), missing=missing, summary=summary
    )


# --------------------------------------------------------------------------- resolution


def _resolve(snapshot: NetworkSnapshot, source: Source, destination: Destination) -> _Path:
    src_subnet = snapshot.subnets.get(source.subnet_id)
    if src_subnet is None:
        raise ReachabilityInputError(
            f"source subnet {source.subnet_id} is not in the snapshot; describe it with "
            f"the credentials of account {source.account}"
        )
    src_vpc = _vpc(snapshot, src_subnet)
    if not source.security_group_ids:
        raise ReachabilityInputError(
            "the source needs at least one security group (the client's); pass its id"
        )
    src_groups = _groups(snapshot, source.security_group_ids, src_vpc, "source")
    if source.private_ip is not None:
        address = parse_address(source.private_ip, "source private IP")
        if not src_subnet.contains(address):
            raise ReachabilityInputError(
                f"source private IP {address} is not in subnet {src_subnet.id} "
                f"({src_subnet.cidr}); pass an address of that subnet"
            )
        src_net: IPNetwork = ipaddress.ip_network(address)
        src_text = f"{address} in {src_subnet.id}"
    else:
        src_net = src_subnet.network
        src_text = f"subnet {src_subnet.id}"

    if not 0 < destination.port < 65536:
        raise ReachabilityInputError(
            f"destination port {destination.port} is out of range; use 1-65535"
        )
    dst_eni = _destination_interface(snapshot, destination)
    dst_subnet = snapshot.subnets.get(dst_eni.subnet_id)
    if dst_subnet is None:
        raise ReachabilityInputError(
            f"subnet {dst_eni.subnet_id} of {dst_eni.instance_id or dst_eni.id} is not in the "
            f"snapshot; describe it with the credentials of account {dst_eni.owner}"
        )
    dst_vpc = _vpc(snapshot, dst_subnet)
    dst_groups = _groups(snapshot, dst_eni.security_group_ids, dst_vpc, "destination")
    dst_name = dst_eni.instance_id or dst_eni.id
    return _Path(
        source=source,
        destination=destination,
        src_subnet=src_subnet,
        src_vpc=src_vpc,
        src_groups=src_groups,
        src_net=src_net,
        src_text=src_text,
        dst_eni=dst_eni,
        dst_subnet=dst_subnet,
        dst_vpc=dst_vpc,
        dst_groups=dst_groups,
        dst_ip=dst_eni.address,
        dst_net=ipaddress.ip_network(dst_eni.address),
        dst_name=dst_name,
    )


def _vpc(snapshot: NetworkSnapshot, subnet: Subnet) -> Vpc:
    vpc = snapshot.vpcs.get(subnet.vpc_id)
    if vpc is None:
        raise ReachabilityInputError(
            f"VPC {subnet.vpc_id} of subnet {subnet.id} is not in the snapshot; describe it "
            f"with the credentials of account {subnet.owner}"
        )
    return vpc


def _groups(
    snapshot: NetworkSnapshot, ids: Sequence[str], vpc: Vpc, side: str
) -> tuple[SecurityGroup, ...]:
    groups: list[SecurityGroup] = []
    for group_id in ids:
        group = snapshot.security_groups.get(group_id)
        if group is None:
            raise ReachabilityInputError(
                f"{side} security group {group_id} is not in the snapshot; describe it with "
                f"the credentials of account {vpc.owner}"
            )
        if group.vpc_id != vpc.id:
            raise ReachabilityInputError(
                f"{side} security group {group_id} belongs to {group.vpc_id}, not to "
                f"{vpc.id}; pass a group of {vpc.id}"
            )
        groups.append(group)
    return tuple(groups)


def _destination_interface(snapshot: NetworkSnapshot, destination: Destination) -> NetworkInterface:
    if destination.instance_id is not None:
        interfaces = snapshot.interfaces_of_instance(destination.instance_id)
        if not interfaces:
            raise ReachabilityInputError(
                f"instance {destination.instance_id} is not in the snapshot; describe it "
                "with the credentials of the account that owns it"
            )
        if destination.private_ip is None:
            return interfaces[0]
        wanted = parse_address(destination.private_ip, "destination private IP")
        for eni in interfaces:
            if eni.address == wanted:
                return eni
        raise ReachabilityInputError(
            f"instance {destination.instance_id} has no interface with {wanted}; "
            f"its addresses are {', '.join(e.private_ip for e in interfaces)}"
        )
    if destination.private_ip is None:
        raise ReachabilityInputError("name the destination by instance id or private IP")
    found = snapshot.interface_with_ip(destination.private_ip)
    if found is None:
        raise ReachabilityInputError(
            f"no network interface in the snapshot holds {destination.private_ip}; describe "
            "the destination's instance or interfaces"
        )
    return found


def _choose_peering(
    snapshot: NetworkSnapshot,
    path: _Path,
    src_table: RouteTable | None,
    dst_table: RouteTable | None,
) -> VpcPeeringConnection | None:
    """The connection between the two VPCs that the path should use.

    An active one if there is one (AWS allows only one active connection per
    pair of VPCs); else the one the routes point at; else the most advanced.
    """
    candidates = snapshot.peerings_between(path.src_vpc.id, path.dst_vpc.id)
    if not candidates:
        return None
    for pcx in candidates:
        if pcx.status == "active":
            return pcx
    routed = [
        route.target
        for table, target in ((src_table, path.dst_net), (dst_table, path.src_net))
        if table is not None
        for route in (_longest_match(table, target),)
        if route is not None
    ]
    for pcx in candidates:
        if pcx.id in routed:
            return pcx
    return min(candidates, key=lambda p: (_STATUS_ORDER.index(p.status), p.id))


# --------------------------------------------------------------------------- routes


def _longest_match(table: RouteTable, target: IPNetwork) -> Route | None:
    """The most specific route whose destination covers all of ``target``."""
    best: Route | None = None
    for route in table.routes:
        if network_within(target, route.network) and (
            best is None or route.network.prefixlen > best.network.prefixlen
        ):
            best = route
    return best


def _route_hop(
    snapshot: NetworkSnapshot,
    *,
    table: RouteTable | None,
    subnet: Subnet,
    from_vpc: Vpc,
    to_vpc: Vpc,
    target: IPNetwork,
    target_text: str,
    peering: VpcPeeringConnection | None,
) -> Hop:
    same_vpc = from_vpc.id == to_vpc.id
    if table is None:
        return Hop(
            kind="subnet",
            component_id=subnet.id,
            account=subnet.owner,
            check=f"a route table routes {target_text}",
            ok=False,
            detail=f"subnet {subnet.id} has no route table (no association, no main table)",
            fix=(
                f"subnet {subnet.id} (account {subnet.owner}) has no route table; associate "
                f"one: aws ec2 associate-route-table --route-table-id <rtb-id> "
                f"--subnet-id {subnet.id}"
            ),
        )
    check = f"most specific route for {target_text}"
    where = f"route table {table.id} of subnet {subnet.id} (account {table.owner})"
    wanted = "local" if same_vpc else (peering.id if peering else "a VPC peering connection")
    block = to_vpc.block_containing(target) or str(target)
    pcx_arg = peering.id if peering else "<pcx-id>"

    def _hop(ok: bool, detail: str, fix: str | None = None) -> Hop:
        return Hop("route-table", table.id, table.owner, check, ok, detail, fix)

    def _add_fix(problem: str, route: Route | None) -> str:
        if same_vpc:
            if route is None:
                return f"{where} {problem}; every VPC route table keeps its local route"
            return (
                f"{where} {problem}; remove it: aws ec2 delete-route --route-table-id "
                f"{table.id} --destination-cidr-block {route.destination}"
            )
        if route is not None and route.network.prefixlen >= _prefixlen(block):
            # The matched route is at least as specific as the VPC block: it keeps
            # winning the match, so it is the one to point at the peering.
            verb, block_arg = "replace-route", route.destination
        else:
            verb, block_arg = "create-route", block
        action = "point it at the peering" if verb == "replace-route" else "add one"
        return (
            f"{where} {problem}; {action}: aws ec2 {verb} --route-table-id {table.id} "
            f"--destination-cidr-block {block_arg} --vpc-peering-connection-id {pcx_arg}"
        )

    route = _longest_match(table, target)
    if route is None:
        return _hop(
            False,
            f"no route covers {target}",
            _add_fix(f"has no route to {block} through {wanted}", None),
        )
    shown = f"{route.destination} → {route.target}"
    if route.blackhole:
        return _hop(
            False,
            f"{shown} is a blackhole (its target is gone or not active)",
            _add_fix(f"routes {block} to {route.target}, a blackhole", route),
        )
    kind = route.target_kind
    if same_vpc:
        if kind != "local":
            return _hop(
                False,
                f"{shown} overrides the local route; traffic goes to {route.target}",
                _add_fix(f"sends {route.destination} to {route.target} instead of local", route),
            )
        ok = _shadow_hop(table, target, route, check, where)
        return ok or _hop(True, f"{shown} (same VPC {from_vpc.id})")
    if kind == "local":
        return _hop(
            False,
            f"{shown}: {target} falls inside {from_vpc.id}'s own CIDR; peered VPCs must "
            "not overlap",
            f"{where} treats {target} as local because {from_vpc.id} and {to_vpc.id} overlap; "
            "peer VPCs whose CIDR blocks do not overlap",
        )
    if kind != "vpc-peering-connection":
        reason = (
            "transit gateway paths are not analyzed"
            if kind == "transit-gateway"
            else f"a {kind.replace('-', ' ')} does not carry private traffic to a peer VPC"
        )
        return _hop(
            False,
            f"{shown}: {reason}",
            _add_fix(f"sends {route.destination} to {route.target}, not to {wanted}", route),
        )
    pcx = snapshot.peering_connections.get(route.target)
    if pcx is None or not pcx.connects(from_vpc.id, to_vpc.id):
        joins = (
            f"which joins {pcx.requester.vpc_id} and {pcx.accepter.vpc_id}"
            if pcx is not None
            else "which is not a connection between these VPCs"
        )
        return _hop(
            False,
            f"{shown}, {joins}; peering is not transitive",
            _add_fix(f"sends {route.destination} to {route.target}, not to {wanted}", route),
        )
    if peering is not None and pcx.id != peering.id:
        return _hop(
            False,
            f"{shown}, which is {pcx.status}; the connection to use is {peering.id}",
            _add_fix(f"sends {route.destination} to {pcx.id} ({pcx.status})", route),
        )
    shadow = _shadow_hop(table, target, route, check, where)
    return shadow or _hop(True, f"{shown} (VPC peering to {to_vpc.id})")


def _shadow_hop(
    table: RouteTable, target: IPNetwork, chosen: Route, check: str, where: str
) -> Hop | None:
    """A failed hop when a more specific route diverts part of ``target`` elsewhere."""
    if target.num_addresses == 1:
        return None
    for route in table.routes:
        if (
            route.network.prefixlen > target.prefixlen
            and networks_overlap(route.network, target)
            and (route.target != chosen.target or route.blackhole)
        ):
            return Hop(
                "route-table",
                table.id,
                table.owner,
                check,
                False,
                f"{route.destination} → {route.target} diverts part of {target}",
                f"{where} sends {route.destination}, part of {target}, to {route.target}; "
                f"remove it: aws ec2 delete-route --route-table-id {table.id} "
                f"--destination-cidr-block {route.destination}",
            )
    return None


# --------------------------------------------------------------------------- peering


def _peering_hop(path: _Path, pcx: VpcPeeringConnection | None) -> Hop:
    src, dst = path.src_vpc, path.dst_vpc
    check = f"an active VPC peering connection joins {src.id} and {dst.id}"
    if pcx is None:
        return Hop(
            "vpc-peering-connection",
            src.id,
            src.owner,
            check,
            False,
            "no VPC peering connection joins the two VPCs",
            f"there is no VPC peering connection between {src.id} (account {src.owner}) and "
            f"{dst.id} (account {dst.owner}); request one in account {src.owner}: aws ec2 "
            f"create-vpc-peering-connection --vpc-id {src.id} --peer-vpc-id {dst.id} "
            f"--peer-owner-id {dst.owner}, then accept it in account {dst.owner}",
        )
    roles = (
        f"requester {pcx.requester.vpc_id} (account {pcx.requester.owner}), "
        f"accepter {pcx.accepter.vpc_id} (account {pcx.accepter.owner})"
    )
    if pcx.status == "active":
        return Hop("vpc-peering-connection", pcx.id, pcx.accepter.owner, check, True, roles)
    if pcx.status == "pending-acceptance":
        return Hop(
            "vpc-peering-connection",
            pcx.id,
            pcx.accepter.owner,
            check,
            False,
            f"pending-acceptance; {roles}",
            f"VPC peering connection {pcx.id} is waiting for acceptance by account "
            f"{pcx.accepter.owner}; accept it there: aws ec2 accept-vpc-peering-connection "
            f"--vpc-peering-connection-id {pcx.id}",
        )
    if pcx.status in ("provisioning", "initiating-request"):
        return Hop(
            "vpc-peering-connection",
            pcx.id,
            pcx.requester.owner,
            check,
            False,
            f"{pcx.status}; {roles}",
            f"VPC peering connection {pcx.id} is still {pcx.status}; wait until it is active "
            f"(aws ec2 describe-vpc-peering-connections --vpc-peering-connection-ids {pcx.id})",
        )
    return Hop(
        "vpc-peering-connection",
        pcx.id,
        pcx.requester.owner,
        check,
        False,
        f"{pcx.status}; {roles}",
        f"VPC peering connection {pcx.id} is {pcx.status}; request a new one in account "
        f"{src.owner}: aws ec2 create-vpc-peering-connection --vpc-id {src.id} "
        f"--peer-vpc-id {dst.id} --peer-owner-id {dst.owner}, then accept it in account "
        f"{dst.owner}",
    )


# --------------------------------------------------------------------------- security groups


def _reference_usable(
    path: _Path, peering: VpcPeeringConnection | None, group: SecurityGroup
) -> str | None:
    """Why a rule referencing ``group`` (on the other side of the path) does not apply, if so."""
    if path.same_vpc:
        return None
    if peering is None:
        return (
            f"{group.id} is in {group.vpc_id}; a peer VPC's group counts only across an "
            "active peering connection"
        )
    regions = {peering.requester.region, peering.accepter.region} - {None}
    if len(regions) > 1:
        return (
            f"{group.id} is in another region; across an inter-region peering use the "
            "peer VPC's CIDR block instead of its group"
        )
    return None


def _match_rules(
    path: _Path,
    groups: Sequence[SecurityGroup],
    direction: Literal["ingress", "egress"],
    peer: IPNetwork,
    peer_groups: Sequence[SecurityGroup],
    peering: VpcPeeringConnection | None,
) -> tuple[SecurityGroup, SecurityGroupRule] | list[str]:
    """The first (group, rule) that admits the traffic, or notes on near misses."""
    by_id = {g.id: g for g in peer_groups}
    notes: list[str] = []
    for group in groups:
        rules = group.ingress if direction == "ingress" else group.egress
        for rule in rules:
            if not rule.allows(path.destination.protocol, path.destination.port):
                continue
            for net in rule.networks:
                if network_within(peer, net):
                    return group, rule
                if networks_overlap(peer, net):
                    notes.append(f"{group.id} allows {net}, only part of {peer}")
            for ref in rule.groups:
                referenced = by_id.get(ref.group_id)
                if referenced is None:
                    continue
                why_not = _reference_usable(path, peering, referenced)
                if why_not is None:
                    return group, rule
                notes.append(f"{group.id} references {ref.group_id}, but {why_not}")
            if rule.prefix_list_ids:
                notes.append(
                    f"{group.id} allows prefix list {', '.join(rule.prefix_list_ids)}, "
                    "which is not analyzed"
                )
    return notes


def _permission_text(path: _Path, *, cidr: str | None, group: SecurityGroup | None) -> str:
    port = path.destination.port
    base = f"IpProtocol={path.destination.protocol},FromPort={port},ToPort={port}"
    if group is not None:
        return f"'{base},UserIdGroupPairs=[{{GroupId={group.id},UserId={group.owner}}}]'"
    return f"'{base},IpRanges=[{{CidrIp={cidr}}}]'"


def _egress_hop(path: _Path, peering: VpcPeeringConnection | None) -> Hop:
    check = f"outbound {path.traffic} to {path.dst_ip} ({path.dst_name})"
    found = _match_rules(path, path.src_groups, "egress", path.dst_net, path.dst_groups, peering)
    if isinstance(found, tuple):
        group, rule = found
        return Hop("security-group", group.id, group.owner, check, True, rule.describe("to"))
    first = path.src_groups[0]
    names = ", ".join(g.id for g in path.src_groups)
    detail = f"no egress rule of {names} allows it"
    if found:
        detail += "; " + "; ".join(found)
    permission = _permission_text(path, cidr=path.dst_subnet.cidr, group=None)
    return Hop(
        "security-group",
        first.id,
        first.owner,
        check,
        False,
        detail,
        f"security group {first.id} (account {first.owner}) allows no outbound "
        f"{path.traffic} to {path.dst_ip}; allow it: aws ec2 authorize-security-group-egress "
        f"--group-id {first.id} --ip-permissions {permission}",
    )


def _ingress_hop(path: _Path, peering: VpcPeeringConnection | None) -> Hop:
    check = f"inbound {path.traffic} from {path.src_net} ({path.src_text})"
    found = _match_rules(path, path.dst_groups, "ingress", path.src_net, path.src_groups, peering)
    if isinstance(found, tuple):
        group, rule = found
        return Hop("security-group", group.id, group.owner, check, True, rule.describe("from"))
    if not path.dst_groups:
        return Hop(
            "security-group",
            path.dst_eni.id,
            path.dst_eni.owner,
            check,
            False,
            f"{path.dst_name} has no security group",
            f"{path.dst_name} (account {path.dst_eni.owner}) has no security group, so "
            f"nothing may reach it; attach one: aws ec2 modify-instance-attribute "
            f"--instance-id {path.dst_name} --groups <sg-id>",
        )
    first = path.dst_groups[0]
    names = ", ".join(g.id for g in path.dst_groups)
    detail = f"no ingress rule of {names} allows it"
    if found:
        detail += "; " + "; ".join(found)
    source_group = path.src_groups[0]
    if _reference_usable(path, peering, source_group) is None:
        permission = _permission_text(path, cidr=None, group=source_group)
        whom = f"{source_group.id} (account {source_group.owner})"
    else:
        permission = _permission_text(path, cidr=str(path.src_net), group=None)
        whom = str(path.src_net)
    return Hop(
        "security-group",
        first.id,
        first.owner,
        check,
        False,
        detail,
        f"security group {first.id} of {path.dst_name} (account {first.owner}) allows no "
        f"inbound {path.traffic} from {whom}; allow it: aws ec2 "
        f"authorize-security-group-ingress --group-id {first.id} --ip-permissions {permission}",
    )


# --------------------------------------------------------------------------- DNS


def _dns_hops(path: _Path, peering: VpcPeeringConnection | None) -> list[Hop]:
    eni = path.dst_eni
    name = eni.private_dns_name
    check = f"private DNS name of {path.dst_name} resolves to {path.dst_ip} from {path.src_vpc.id}"
    hops: list[Hop] = []
    if not name:
        return [
            Hop(
                "vpc",
                path.dst_vpc.id,
                path.dst_vpc.owner,
                check,
                False,
                f"{path.dst_name} has no private DNS name",
                f"{path.dst_name} (account {eni.owner}) has no private DNS name; connect by "
                f"its private IP {path.dst_ip} instead",
            )
        ]
    if not path.same_vpc:
        hops.append(_dns_option_hop(path, peering, name, check))
    for vpc in (path.dst_vpc,) if path.same_vpc else (path.src_vpc, path.dst_vpc):
        hop = _vpc_dns_hop(vpc, check)
        if hop is not None:
            hops.append(hop)
    if not hops:
        hops.append(
            Hop("vpc", path.dst_vpc.id, path.dst_vpc.owner, check, True, f"{name} (same VPC)")
        )
    return hops


def _dns_option_hop(
    path: _Path, peering: VpcPeeringConnection | None, name: str, check: str
) -> Hop:
    dst = path.dst_vpc
    if peering is None or peering.status != "active":
        return Hop(
            "vpc-peering-connection",
            peering.id if peering else dst.id,
            dst.owner,
            check,
            False,
            f"{name} can resolve across VPCs only over an active peering connection",
            f"{name} resolves from {path.src_vpc.id} only over an active VPC peering "
            f"connection with {dst.id}; set one up first",
        )
    role = peering.side_of(dst.id)
    side = peering.side(dst.id)
    option = f"{role.capitalize()}VpcInfo.PeeringOptions.AllowDnsResolutionFromRemoteVpc"
    if side.allow_dns_resolution_from_remote_vpc:
        return Hop(
            "vpc-peering-connection",
            peering.id,
            side.owner,
            check,
            True,
            f"{option} is true: {name} resolves to {path.dst_ip} from the peer VPC",
        )
    return Hop(
        "vpc-peering-connection",
        peering.id,
        side.owner,
        check,
        False,
        f"{option} is false: {name} does not resolve to its private IP from {path.src_vpc.id}",
        f"VPC peering connection {peering.id} does not let {path.src_vpc.id} resolve DNS names "
        f"of {dst.id}; enable it in account {side.owner} (the {role}): aws ec2 "
        f"modify-vpc-peering-connection-options --vpc-peering-connection-id {peering.id} "
        f"--{role}-peering-connection-options AllowDnsResolutionFromRemoteVpc=true",
    )


def _vpc_dns_hop(vpc: Vpc, check: str) -> Hop | None:
    if vpc.dns_support is None and vpc.dns_hostnames is None:
        return None
    attribute = None
    if vpc.dns_support is False:
        attribute = "enable-dns-support"
    elif vpc.dns_hostnames is False:
        attribute = "enable-dns-hostnames"
    if attribute is None:
        return Hop("vpc", vpc.id, vpc.owner, check, True, "DNS resolution and hostnames enabled")
    return Hop(
        "vpc",
        vpc.id,
        vpc.owner,
        check,
        False,
        f"{vpc.id} has {attribute.removeprefix('enable-')} disabled",
        f"VPC {vpc.id} (account {vpc.owner}) has {attribute.removeprefix('enable-')} "
        f"disabled; enable it: aws ec2 modify-vpc-attribute --vpc-id {vpc.id} --{attribute} "
        "'{\"Value\":true}'",
    )


def _prefixlen(cidr: str) -> int:
    return ipaddress.ip_network(cidr, strict=False).prefixlen


def _address_text(path: _Path) -> str:
    if path.destination.address_kind == "private-dns" and path.dst_eni.private_dns_name:
        return path.dst_eni.private_dns_name
    return str(path.dst_ip)
