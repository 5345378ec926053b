"""The reachability analyzer on pure snapshots: the seed's two-account set-up step by step,
then the routing and security-group rules one at a time."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterport.network import (
    Destination,
    GroupReference,
    NetworkInterface,
    NetworkSnapshot,
    PeeringSide,
    PeeringStatus,
    ReachabilityInputError,
    ReachabilityVerdict,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Source,
    Subnet,
    Vpc,
    VpcPeeringConnection,
    analyze,
)

A = "111111111111"
B = "222222222222"
ALL_OUT = SecurityGroupRule(protocol="-1", cidrs=("0.0.0.0/0",))
FROM_STUDIO = SecurityGroupRule(
    protocol="tcp",
    from_port=8998,
    to_port=8998,
    groups=(GroupReference("sg-studio", owner=A),),
)


@dataclass
class Seed:
    """The seed article's world: Studio in account A, EMR in account B, built up step by step."""

    peering_status: PeeringStatus | None = None
    dns_accepter: bool = False
    dns_requester: bool = False
    studio_routes: list[Route] = field(default_factory=list)
    emr_routes: list[Route] = field(default_factory=list)
    studio_egress: tuple[SecurityGroupRule, ...] = (ALL_OUT,)
    primary_ingress: tuple[SecurityGroupRule, ...] = ()
    extra_tables: list[RouteTable] = field(default_factory=list)
    extra_peerings: list[VpcPeeringConnection] = field(default_factory=list)
    extra_vpcs: list[Vpc] = field(default_factory=list)
    requester_region: str | None = "us-east-1"
    accepter_region: str | None = "us-east-1"
    studio_vpc_dns: tuple[bool | None, bool | None] = (None, None)

    def peering(self) -> VpcPeeringConnection | None:
        if self.peering_status is None:
            return None
        return VpcPeeringConnection(
            id="pcx-0123",
            requester=PeeringSide(
                "vpc-studio", A, ("10.10.0.0/16",), self.dns_requester, self.requester_region
            ),
            accepter=PeeringSide(
                "vpc-emr", B, ("10.20.0.0/16",), self.dns_accepter, self.accepter_region
            ),
            status=self.peering_status,
        )

    def snapshot(self) -> NetworkSnapshot:
        pcx = self.peering()
        support, hostnames = self.studio_vpc_dns
        return NetworkSnapshot.of(
            vpcs=[
                Vpc("vpc-studio", A, ("10.10.0.0/16",), support, hostnames),
                Vpc("vpc-emr", B, ("10.20.0.0/16",)),
                *self.extra_vpcs,
            ],
            subnets=[
                Subnet("subnet-studio", "vpc-studio", A, "10.10.1.0/24"),
                Subnet("subnet-emr", "vpc-emr", B, "10.20.1.0/24"),
                Subnet("subnet-emr-2", "vpc-emr", B, "10.20.2.0/24"),
            ],
            route_tables=[
                RouteTable(
                    "rtb-studio",
                    "vpc-studio",
                    A,
                    (Route("10.10.0.0/16", "local"), *self.studio_routes),
                    main=True,
                ),
                RouteTable(
                    "rtb-emr",
                    "vpc-emr",
                    B,
                    (Route("10.20.0.0/16", "local"), *self.emr_routes),
                    main=True,
                ),
                *self.extra_tables,
            ],
            security_groups=[
                SecurityGroup("sg-studio", "vpc-studio", A, ingress=(), egress=self.studio_egress),
                SecurityGroup("sg-studio-2", "vpc-studio", A, egress=(ALL_OUT,)),
                SecurityGroup(
                    "sg-primary", "vpc-emr", B, ingress=self.primary_ingress, egress=(ALL_OUT,)
                ),
                SecurityGroup("sg-core", "vpc-emr", B, egress=(ALL_OUT,)),
            ],
            peering_connections=[*([pcx] if pcx else []), *self.extra_peerings],
            interfaces=[
                NetworkInterface(
                    "eni-primary",
                    B,
                    "subnet-emr",
                    "10.20.1.15",
                    ("sg-primary",),
                    private_dns_name="ip-10-20-1-15.ec2.internal",
                    instance_id="i-primary",
                ),
                NetworkInterface(
                    "eni-core", B, "subnet-emr-2", "10.20.2.9", ("sg-core",), instance_id="i-core"
                ),
                NetworkInterface("eni-notebook", A, "subnet-studio", "10.10.1.7", ("sg-studio",)),
            ],
        )


def complete() -> Seed:
    """Every step of the seed done: peering active with DNS, routes both ways, groups open."""
    return Seed(
        peering_status="active",
        dns_accepter=True,
        studio_routes=[Route("10.20.0.0/16", "pcx-0123")],
        emr_routes=[Route("10.10.0.0/16", "pcx-0123")],
        primary_ingress=(FROM_STUDIO,),
    )


STUDIO = Source(account=A, subnet_id="subnet-studio", security_group_ids=("sg-studio",))
LIVY = Destination(port=8998, instance_id="i-primary")
LIVY_BY_NAME = replace(LIVY, address_kind="private-dns")


def check(seed: Seed, source: Source = STUDIO, dest: Destination = LIVY) -> ReachabilityVerdict:
    verdict = analyze(seed.snapshot(), source, dest)
    assert verdict.reachable == (verdict.missing is None)
    assert verdict.reachable == all(h.ok for h in verdict.hops)
    return verdict


def failing(verdict: ReachabilityVerdict) -> list[str]:
    return [h.component_id for h in verdict.hops if not h.ok]


# --------------------------------------------------------------------------- the seed, step by step


def test_step0_no_peering_names_the_missing_connection() -> None:
    verdict = check(Seed())
    assert not verdict.reachable
    assert verdict.missing is not None
    assert verdict.missing.kind == "vpc-peering-connection"
    assert verdict.missing.component_id == "vpc-studio"
    assert verdict.missing.account == A
    assert (
        "aws ec2 create-vpc-peering-connection --vpc-id vpc-studio --peer-vpc-id vpc-emr "
        f"--peer-owner-id {B}" in verdict.missing.fix
    )
    # Every hop is still checked and listed, in path order.
    assert [h.kind for h in verdict.hops] == [
        "route-table",
        "vpc-peering-connection",
        "route-table",
        "security-group",
        "security-group",
    ]
    assert failing(verdict) == ["rtb-studio", "vpc-studio", "rtb-emr", "sg-primary"]


def test_step1_pending_peering_names_the_acceptance() -> None:
    verdict = check(Seed(peering_status="pending-acceptance"))
    assert verdict.missing is not None
    assert verdict.missing.component_id == "pcx-0123"
    assert verdict.missing.account == B
    assert "waiting for acceptance by account 222222222222" in verdict.missing.fix
    assert "aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id pcx-0123" in (
        verdict.missing.fix
    )


def test_step2_active_without_routes_names_the_studio_route_table() -> None:
    verdict = check(Seed(peering_status="active"))
    assert verdict.missing is not None
    assert verdict.missing.component_id == "rtb-studio"
    assert verdict.missing.account == A
    assert verdict.missing.fix == (
        f"route table rtb-studio of subnet subnet-studio (account {A}) has no route to "
        "10.20.0.0/16 through pcx-0123; add one: aws ec2 create-route --route-table-id "
        "rtb-studio --destination-cidr-block 10.20.0.0/16 --vpc-peering-connection-id pcx-0123"
    )


def test_step3_route_in_a_only_names_the_emr_route_table() -> None:
    seed = Seed(peering_status="active", studio_routes=[Route("10.20.0.0/16", "pcx-0123")])
    verdict = check(seed)
    assert verdict.missing is not None
    assert verdict.missing.component_id == "rtb-emr"
    assert verdict.missing.account == B
    assert (
        "aws ec2 create-route --route-table-id rtb-emr --destination-cidr-block 10.10.0.0/16 "
        "--vpc-peering-connection-id pcx-0123" in verdict.missing.fix
    )


def test_step4_egress_revoked_names_the_studio_group() -> None:
    verdict = check(replace(complete(), studio_egress=()))
    assert verdict.missing is not None
    assert (verdict.missing.kind, verdict.missing.component_id) == ("security-group", "sg-studio")
    assert verdict.missing.account == A
    assert "authorize-security-group-egress --group-id sg-studio" in verdict.missing.fix
    assert "FromPort=8998,ToPort=8998" in verdict.missing.fix


def test_step5_no_ingress_from_studio_names_the_primary_group() -> None:
    verdict = check(replace(complete(), primary_ingress=()))
    assert verdict.missing is not None
    assert verdict.missing.component_id == "sg-primary"
    assert verdict.missing.account == B
    assert (
        "authorize-security-group-ingress --group-id sg-primary --ip-permissions "
        f"'IpProtocol=tcp,FromPort=8998,ToPort=8998,UserIdGroupPairs=[{{GroupId=sg-studio,"
        f"UserId={A}}}]'" in verdict.missing.fix
    )


def test_step6_private_dns_without_the_option_names_the_accepter_option() -> None:
    verdict = check(replace(complete(), dns_accepter=False), dest=LIVY_BY_NAME)
    assert verdict.missing is not None
    assert (verdict.missing.kind, verdict.missing.component_id) == (
        "vpc-peering-connection",
        "pcx-0123",
    )
    assert verdict.missing.account == B
    assert (
        "modify-vpc-peering-connection-options --vpc-peering-connection-id pcx-0123 "
        "--accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true"
    ) in verdict.missing.fix
    # The requester's option does not help: it concerns names in the requester's VPC.
    verdict = check(replace(complete(), dns_accepter=False, dns_requester=True), dest=LIVY_BY_NAME)
    assert not verdict.reachable
    # By private IP, DNS does not matter.
    assert check(replace(complete(), dns_accepter=False)).reachable


def test_step7_everything_in_place_is_reachable() -> None:
    verdict = check(complete(), dest=LIVY_BY_NAME)
    assert verdict.reachable
    assert verdict.missing is None
    assert [h.kind for h in verdict.hops] == [
        "route-table",
        "vpc-peering-connection",
        "route-table",
        "security-group",
        "security-group",
        "vpc-peering-connection",
    ]
    assert verdict.sentence() == (
        f"Reachable: subnet-studio (account {A}) with sg-studio reaches i-primary at "
        "ip-10-20-1-15.ec2.internal on tcp 8998 through pcx-0123."
    )


def test_first_missing_piece_follows_path_order() -> None:
    # Routes, egress and ingress all missing: the source route comes first …
    verdict = check(Seed(peering_status="active", studio_egress=()))
    assert failing(verdict) == ["rtb-studio", "rtb-emr", "sg-studio", "sg-primary"]
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-studio"
    # … and with routes in place, egress comes before ingress.
    seed = replace(complete(), studio_egress=(), primary_ingress=())
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "sg-studio"


# --------------------------------------------------------------------------- routing


def test_longest_prefix_wins_over_a_broader_peering_route() -> None:
    seed = complete()
    seed.studio_routes.append(Route("10.20.1.0/24", "igw-0aaa"))
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-studio"
    assert "10.20.1.0/24 → igw-0aaa" in verdict.hops[0].detail
    assert (
        "aws ec2 replace-route --route-table-id rtb-studio --destination-cidr-block "
        "10.20.1.0/24 --vpc-peering-connection-id pcx-0123" in verdict.missing.fix
    )


def test_longest_prefix_a_specific_peering_route_beats_a_default_route() -> None:
    seed = replace(complete(), studio_routes=[Route("0.0.0.0/0", "igw-0aaa")])
    verdict = check(seed)
    assert verdict.missing is not None
    assert "0.0.0.0/0 → igw-0aaa" in verdict.hops[0].detail
    # A more specific route than the default is the fix, not a replacement.
    assert "create-route --route-table-id rtb-studio --destination-cidr-block 10.20.0.0/16" in (
        verdict.missing.fix
    )
    seed.studio_routes.append(Route("10.20.1.0/24", "pcx-0123"))
    assert check(seed).reachable


def test_blackhole_route_is_named() -> None:
    seed = replace(complete(), emr_routes=[Route("10.10.0.0/16", "pcx-0123", blackhole=True)])
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-emr"
    assert "blackhole" in verdict.hops[2].detail
    assert "replace-route --route-table-id rtb-emr --destination-cidr-block 10.10.0.0/16" in (
        verdict.missing.fix
    )


def test_route_through_a_stale_connection_points_at_the_active_one() -> None:
    stale = VpcPeeringConnection(
        "pcx-0old",
        PeeringSide("vpc-studio", A, ("10.10.0.0/16",)),
        PeeringSide("vpc-emr", B, ("10.20.0.0/16",)),
        "deleted",
    )
    seed = replace(
        complete(), studio_routes=[Route("10.20.0.0/16", "pcx-0old")], extra_peerings=[stale]
    )
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-studio"
    assert "--vpc-peering-connection-id pcx-0123" in verdict.missing.fix
    assert verdict.hops[1].ok  # the active connection is the one examined


def test_explicit_association_beats_the_main_table() -> None:
    # The main table of the Studio VPC has the route, but the subnet uses its own table.
    custom = RouteTable(
        "rtb-custom",
        "vpc-studio",
        A,
        (Route("10.10.0.0/16", "local"),),
        subnet_ids=("subnet-studio",),
    )
    seed = replace(complete(), extra_tables=[custom])
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-custom"
    assert "route table rtb-custom of subnet subnet-studio" in verdict.missing.fix
    # And the other way round: the main table lacks the route, the associated one has it.
    routed = replace(custom, routes=(*custom.routes, Route("10.20.0.0/16", "pcx-0123")))
    seed = replace(complete(), studio_routes=[], extra_tables=[routed])
    assert check(seed).reachable


def test_subnet_without_any_route_table_is_named() -> None:
    seed = complete()
    snapshot = seed.snapshot()
    without_main = NetworkSnapshot.of(
        vpcs=snapshot.vpcs.values(),
        subnets=snapshot.subnets.values(),
        route_tables=[t for t in snapshot.route_tables.values() if t.id != "rtb-emr"],
        security_groups=snapshot.security_groups.values(),
        peering_connections=snapshot.peering_connections.values(),
        interfaces=snapshot.interfaces.values(),
    )
    verdict = analyze(without_main, STUDIO, LIVY)
    assert verdict.missing is not None
    assert (verdict.missing.kind, verdict.missing.component_id) == ("subnet", "subnet-emr")
    assert "associate-route-table" in verdict.missing.fix


def test_peering_is_not_transitive() -> None:
    other = VpcPeeringConnection(
        "pcx-0other",
        PeeringSide("vpc-studio", A, ("10.10.0.0/16",)),
        PeeringSide("vpc-third", "333333333333", ("10.30.0.0/16",)),
        "active",
    )
    seed = replace(
        complete(),
        studio_routes=[Route("10.0.0.0/8", "pcx-0other")],
        extra_peerings=[other],
        extra_vpcs=[Vpc("vpc-third", "333333333333", ("10.30.0.0/16",))],
    )
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-studio"
    assert "not transitive" in verdict.hops[0].detail
    assert "create-route --route-table-id rtb-studio --destination-cidr-block 10.20.0.0/16" in (
        verdict.missing.fix
    )


def test_a_more_specific_return_route_that_diverts_part_of_the_subnet_is_named() -> None:
    seed = complete()
    seed.emr_routes.append(Route("10.10.1.128/25", "nat-0bbb"))
    verdict = check(seed)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-emr"
    assert "diverts part of 10.10.1.0/24" in verdict.hops[2].detail
    # A single client address outside the diverted half still gets its answers back.
    one_client = replace(STUDIO, private_ip="10.10.1.7")
    assert check(seed, source=one_client).reachable
    assert not check(seed, source=replace(STUDIO, private_ip="10.10.1.200")).reachable


def test_overlapping_cidrs_are_reported() -> None:
    seed = complete()
    snapshot = seed.snapshot()
    overlapping = NetworkSnapshot.of(
        vpcs=[*snapshot.vpcs.values(), Vpc("vpc-studio", A, ("10.0.0.0/8",))],
        subnets=snapshot.subnets.values(),
        route_tables=[
            *snapshot.route_tables.values(),
            RouteTable("rtb-studio", "vpc-studio", A, (Route("10.0.0.0/8", "local"),), main=True),
        ],
        security_groups=snapshot.security_groups.values(),
        peering_connections=snapshot.peering_connections.values(),
        interfaces=snapshot.interfaces.values(),
    )
    verdict = analyze(overlapping, STUDIO, LIVY)
    assert verdict.missing is not None and verdict.missing.component_id == "rtb-studio"
    assert "overlap" in verdict.missing.fix


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        ("rejected", "is rejected; request a new one"),
        ("deleted", "is deleted; request a new one"),
        ("expired", "is expired; request a new one"),
        ("failed", "is failed; request a new one"),
        ("provisioning", "is still provisioning; wait until it is active"),
        ("initiating-request", "is still initiating-request; wait until it is active"),
    ],
)
def test_every_inactive_peering_status_is_named(status: PeeringStatus, phrase: str) -> None:
    verdict = check(replace(complete(), peering_status=status))
    assert verdict.missing is not None
    assert verdict.missing.component_id == "pcx-0123"
    assert phrase in verdict.missing.fix


# --------------------------------------------------------------------------- security groups


def test_cross_account_group_reference_needs_the_peering_active() -> None:
    assert check(complete()).reachable
    verdict = check(replace(complete(), peering_status="pending-acceptance"))
    ingress = verdict.hops[4]
    assert not ingress.ok
    assert "references sg-studio, but sg-studio is in vpc-studio" in ingress.detail
    # The missing piece is the connection, not the group.
    assert verdict.missing is not None and verdict.missing.component_id == "pcx-0123"


def test_group_reference_across_regions_does_not_apply() -> None:
    verdict = check(replace(complete(), accepter_region="eu-west-1"))
    assert verdict.missing is not None and verdict.missing.component_id == "sg-primary"
    assert "inter-region" in verdict.hops[4].detail
    # So the fix falls back to the CIDR of the source.
    assert "IpRanges=[{CidrIp=10.10.1.0/24}]" in verdict.missing.fix


def test_group_reference_to_a_group_the_source_does_not_carry() -> None:
    verdict = check(complete(), source=replace(STUDIO, security_group_ids=("sg-studio-2",)))
    assert verdict.missing is not None and verdict.missing.component_id == "sg-primary"
    # Any one of the source's groups is enough.
    both = replace(STUDIO, security_group_ids=("sg-studio-2", "sg-studio"))
    assert check(complete(), source=both).reachable


def test_same_vpc_group_reference_needs_no_peering() -> None:
    core_to_primary = Source(account=B, subnet_id="subnet-emr-2", security_group_ids=("sg-core",))
    rule = SecurityGroupRule("tcp", 8998, 8998, groups=(GroupReference("sg-core", owner=B),))
    verdict = check(replace(Seed(), primary_ingress=(rule,)), source=core_to_primary)
    assert verdict.reachable
    assert "vpc-peering-connection" not in [h.kind for h in verdict.hops]
    assert "(same VPC vpc-emr)" in verdict.hops[0].detail


def test_ipv4_cidr_rules_must_cover_the_whole_source() -> None:
    whole = SecurityGroupRule("tcp", 8998, 8998, cidrs=("10.10.0.0/16",))
    assert check(replace(complete(), primary_ingress=(whole,))).reachable
    half = SecurityGroupRule("tcp", 8998, 8998, cidrs=("10.10.1.128/25",))
    verdict = check(replace(complete(), primary_ingress=(half,)))
    assert not verdict.reachable
    assert "allows 10.10.1.128/25, only part of 10.10.1.0/24" in verdict.hops[4].detail
    # A client whose own address is inside the half is let in.
    inside = replace(STUDIO, private_ip="10.10.1.200")
    assert check(replace(complete(), primary_ingress=(half,)), source=inside).reachable


def test_ipv6_rules_do_not_admit_ipv4_traffic() -> None:
    v6 = SecurityGroupRule("tcp", 8998, 8998, cidrs=("::/0",))
    assert not check(replace(complete(), primary_ingress=(v6,))).reachable
    v6_out = SecurityGroupRule("-1", cidrs=("::/0",))
    verdict = check(replace(complete(), studio_egress=(v6_out,)))
    assert verdict.missing is not None and verdict.missing.component_id == "sg-studio"


def test_egress_may_name_the_destination_group() -> None:
    to_primary = SecurityGroupRule(
        "tcp", 8998, 8998, groups=(GroupReference("sg-primary", owner=B),)
    )
    verdict = check(replace(complete(), studio_egress=(to_primary,)))
    assert verdict.reachable
    assert verdict.hops[3].detail == f"tcp 8998 to {B}/sg-primary"


@pytest.mark.parametrize(
    ("rule", "reachable"),
    [
        (SecurityGroupRule("tcp", 8000, 9000, cidrs=("10.10.0.0/16",)), True),
        (SecurityGroupRule("tcp", 8998, 8998, cidrs=("10.10.0.0/16",)), True),
        (SecurityGroupRule("tcp", 9000, 9100, cidrs=("10.10.0.0/16",)), False),
        (SecurityGroupRule("tcp", 0, 8997, cidrs=("10.10.0.0/16",)), False),
        (SecurityGroupRule("udp", 0, 65535, cidrs=("10.10.0.0/16",)), False),
        (SecurityGroupRule("icmp", -1, -1, cidrs=("10.10.0.0/16",)), False),
        (SecurityGroupRule("-1", cidrs=("10.10.0.0/16",)), True),
        (SecurityGroupRule("6", 8998, 8998, cidrs=("10.10.0.0/16",)), True),
        (SecurityGroupRule("-1", cidrs=("10.99.0.0/16",)), False),
    ],
)
def test_protocols_and_port_ranges(rule: SecurityGroupRule, reachable: bool) -> None:
    assert check(replace(complete(), primary_ingress=(rule,))).reachable is reachable


@given(
    low=st.integers(min_value=0, max_value=65535),
    span=st.integers(min_value=0, max_value=2000),
    port=st.integers(min_value=1, max_value=65535),
)
def test_port_range_property(low: int, span: int, port: int) -> None:
    high = min(low + span, 65535)
    rule = SecurityGroupRule("tcp", low, high, cidrs=("10.10.1.0/24",))
    verdict = analyze(
        replace(complete(), primary_ingress=(rule,)).snapshot(), STUDIO, replace(LIVY, port=port)
    )
    assert verdict.reachable is (low <= port <= high)


# --------------------------------------------------------------------------- DNS and addressing


def test_dns_option_on_the_requester_side_when_the_destination_is_the_requester() -> None:
    # Reverse direction: an EMR node connects to the Studio notebook interface by name.
    seed = replace(complete(), dns_accepter=True, dns_requester=False)
    seed = replace(
        seed,
        studio_egress=(ALL_OUT,),
    )
    snapshot = seed.snapshot()
    notebook = NetworkInterface(
        "eni-notebook",
        A,
        "subnet-studio",
        "10.10.1.7",
        ("sg-studio-2",),
        private_dns_name="ip-10-10-1-7.ec2.internal",
        instance_id="i-notebook",
    )
    open_in = SecurityGroup(
        "sg-studio-2",
        "vpc-studio",
        A,
        ingress=(SecurityGroupRule("tcp", 8888, 8888, cidrs=("10.20.0.0/16",)),),
        egress=(ALL_OUT,),
    )
    snapshot = snapshot.merge(NetworkSnapshot.of(interfaces=[notebook], security_groups=[open_in]))
    source = Source(account=B, subnet_id="subnet-emr", security_group_ids=("sg-primary",))
    dest = Destination(port=8888, instance_id="i-notebook", address_kind="private-dns")
    verdict = analyze(snapshot, source, dest)
    assert verdict.missing is not None
    assert verdict.missing.account == A
    assert "--requester-peering-connection-options AllowDnsResolutionFromRemoteVpc=true" in (
        verdict.missing.fix
    )


def test_vpc_dns_attributes_when_known() -> None:
    seed = replace(complete(), studio_vpc_dns=(True, False))
    verdict = check(seed, dest=LIVY_BY_NAME)
    assert verdict.missing is not None
    assert (verdict.missing.kind, verdict.missing.component_id) == ("vpc", "vpc-studio")
    assert "modify-vpc-attribute --vpc-id vpc-studio --enable-dns-hostnames" in (
        verdict.missing.fix
    )
    assert check(replace(complete(), studio_vpc_dns=(True, True)), dest=LIVY_BY_NAME).reachable


def test_destination_without_private_dns_name() -> None:
    source = Source(account=B, subnet_id="subnet-emr", security_group_ids=("sg-primary",))
    seed = complete()
    snapshot = seed.snapshot().merge(
        NetworkSnapshot.of(
            security_groups=[
                SecurityGroup(
                    "sg-core",
                    "vpc-emr",
                    B,
                    ingress=(SecurityGroupRule("-1", cidrs=("10.20.0.0/16",)),),
                )
            ]
        )
    )
    verdict = analyze(snapshot, source, Destination(8998, "i-core", address_kind="private-dns"))
    assert verdict.missing is not None
    assert "has no private DNS name; connect by its private IP 10.20.2.9" in verdict.missing.fix


def test_destination_by_private_ip() -> None:
    verdict = check(complete(), dest=Destination(port=8998, private_ip="10.20.1.15"))
    assert verdict.reachable
    assert "i-primary at 10.20.1.15" in verdict.summary


# --------------------------------------------------------------------------- bad input


def test_unknown_components_raise_with_the_fix() -> None:
    snapshot = complete().snapshot()
    with pytest.raises(ReachabilityInputError, match="subnet-nope is not in the snapshot"):
        analyze(snapshot, replace(STUDIO, subnet_id="subnet-nope"), LIVY)
    with pytest.raises(ReachabilityInputError, match="instance i-nope is not in the snapshot"):
        analyze(snapshot, STUDIO, replace(LIVY, instance_id="i-nope"))
    with pytest.raises(ReachabilityInputError, match="sg-primary belongs to vpc-emr"):
        analyze(snapshot, replace(STUDIO, security_group_ids=("sg-primary",)), LIVY)
    with pytest.raises(ReachabilityInputError, match="at least one security group"):
        analyze(snapshot, replace(STUDIO, security_group_ids=()), LIVY)
    with pytest.raises(ReachabilityInputError, match="not in subnet subnet-studio"):
        analyze(snapshot, replace(STUDIO, private_ip="10.10.9.9"), LIVY)
    with pytest.raises(ReachabilityInputError, match="out of range"):
        analyze(snapshot, STUDIO, replace(LIVY, port=70000))
    with pytest.raises(ReachabilityInputError, match="no network interface"):
        analyze(snapshot, STUDIO, Destination(port=1, private_ip="10.20.1.99"))


def test_malformed_values_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match=r"subnet subnet-x: '10\.0\.0\.0/33' is not a CIDR block"):
        Subnet("subnet-x", "vpc-x", A, "10.0.0.0/33")
    with pytest.raises(ValueError, match="unknown status 'accepted'"):
        VpcPeeringConnection(
            "pcx-x",
            PeeringSide("vpc-a", A),
            PeeringSide("vpc-b", B),
            "accepted",  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="not an IP address"):
        NetworkInterface("eni-x", A, "subnet-x", "10.0.0.300", ())
    with pytest.raises(ValueError, match="has no CIDR block"):
        Vpc("vpc-x", A, ())


def test_snapshot_is_read_only() -> None:
    snapshot = complete().snapshot()
    with pytest.raises(TypeError):
        snapshot.vpcs["vpc-x"] = Vpc("vpc-x", A, ("10.0.0.0/16",))  # type: ignore[index]
