"""Reachability verdicts on a large generated network.

50 accounts, one VPC each (10.<n>.0.0/16) with 4 subnets (200 subnets), a
client and a server security group per VPC with 1,000 rules between them
(CIDR rules, cross-VPC group references, port ranges, all-traffic rules), a
hub VPC peered with every other VPC plus random spoke-to-spoke peerings in
every status, and routes for most of them (some left out or blackholed so
that verdicts fail at every hop). One instance per subnet.

Measures building the snapshot and the wall time of one ``analyze`` call over
many random source/destination pairs (median and p95), and prints and
appends the figures to results.md.

Run: ``.venv/bin/python bench/reachability.py [--pairs 5000] [--seed 7]``
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_results, summary
from clusterport.network import (
    Destination,
    GroupReference,
    NetworkInterface,
    NetworkSnapshot,
    PeeringSide,
    PeeringStatus,
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

ACCOUNTS = 50
SUBNETS_PER_VPC = 4
RULES = 1000
PORTS = (22, 443, 8998, 18080)
STATUSES: tuple[PeeringStatus, ...] = (
    "active",
    "active",
    "active",
    "active",
    "pending-acceptance",
    "deleted",
    "rejected",
)


def account(n: int) -> str:
    return f"{n + 100000000000:012d}"


def generate(rng: random.Random) -> tuple[NetworkSnapshot, int]:
    """The network and the number of security-group rules in it."""
    vpcs = [Vpc(f"vpc-{n:04d}", account(n), (f"10.{n}.0.0/16",)) for n in range(ACCOUNTS)]
    subnets = [
        Subnet(f"subnet-{n:04d}-{j}", f"vpc-{n:04d}", account(n), f"10.{n}.{j}.0/24")
        for n in range(ACCOUNTS)
        for j in range(SUBNETS_PER_VPC)
    ]

    peerings: list[VpcPeeringConnection] = []
    pairs = {(0, n) for n in range(1, ACCOUNTS)}
    while len(pairs) < ACCOUNTS - 1 + 60:
        a, b = sorted(rng.sample(range(1, ACCOUNTS), 2))
        pairs.add((a, b))
    for index, (a, b) in enumerate(sorted(pairs)):
        status = "active" if a == 0 and b % 5 else rng.choice(STATUSES)
        peerings.append(
            VpcPeeringConnection(
                f"pcx-{index:04d}",
                PeeringSide(f"vpc-{a:04d}", account(a), (f"10.{a}.0.0/16",), rng.random() < 0.7),
                PeeringSide(f"vpc-{b:04d}", account(b), (f"10.{b}.0.0/16",), rng.random() < 0.7),
                status,
            )
        )

    routes: dict[int, list[Route]] = {
        n: [Route(f"10.{n}.0.0/16", "local")] for n in range(ACCOUNTS)
    }
    for pcx in peerings:
        a = int(pcx.requester.vpc_id[4:])
        b = int(pcx.accepter.vpc_id[4:])
        for here, there in ((a, b), (b, a)):
            roll = rng.random()
            if roll < 0.08:
                continue  # route forgotten
            routes[here].append(
                Route(f"10.{there}.0.0/16", pcx.id, blackhole=pcx.status != "active" or roll < 0.1)
            )
    tables: list[RouteTable] = []
    for n in range(ACCOUNTS):
        tables.append(
            RouteTable(f"rtb-{n:04d}-main", f"vpc-{n:04d}", account(n), tuple(routes[n]), main=True)
        )
        # Half the VPCs route their last subnet through an explicit table with an extra,
        # more specific route that diverts one peer subnet to an internet gateway.
        if n % 2:
            extra = (*routes[n], Route(f"10.{(n + 1) % ACCOUNTS}.3.0/24", f"igw-{n:04d}"))
            tables.append(
                RouteTable(
                    f"rtb-{n:04d}-custom",
                    f"vpc-{n:04d}",
                    account(n),
                    extra,
                    subnet_ids=(f"subnet-{n:04d}-{SUBNETS_PER_VPC - 1}",),
                )
            )

    ingress: dict[int, list[SecurityGroupRule]] = {n: [] for n in range(ACCOUNTS)}
    # Most spokes let the hub's (Studio's) client group in on Livy, as in the seed.
    hub = GroupReference("sg-0000-client", owner=account(0))
    for n in range(1, ACCOUNTS):
        if rng.random() < 0.8:
            ingress[n].append(SecurityGroupRule("tcp", 8998, 8998, groups=(hub,)))
    granted = sum(len(rules) for rules in ingress.values())
    for _ in range(RULES - ACCOUNTS - granted):  # one egress rule per client group below
        n = rng.randrange(ACCOUNTS)
        peer = rng.randrange(ACCOUNTS)
        kind = rng.random()
        low = rng.choice(PORTS)
        high = low + rng.choice((0, 0, 10, 1000))
        if kind < 0.45:
            rule = SecurityGroupRule("tcp", low, high, cidrs=(f"10.{peer}.0.0/16",))
        elif kind < 0.85:
            ref = GroupReference(f"sg-{peer:04d}-client", owner=account(peer))
            rule = SecurityGroupRule("tcp", low, high, groups=(ref,))
        elif kind < 0.95:
            rule = SecurityGroupRule(
                "tcp", low, high, cidrs=(f"10.{peer}.{rng.randrange(4)}.0/24",)
            )
        else:
            rule = SecurityGroupRule("-1", cidrs=(f"10.{peer}.0.0/16",))
        ingress[n].append(rule)
    groups: list[SecurityGroup] = []
    for n in range(ACCOUNTS):
        egress = (
            SecurityGroupRule("-1", cidrs=("0.0.0.0/0",))
            if (n + 1) % 7
            else SecurityGroupRule("tcp", 443, 443, cidrs=("0.0.0.0/0",))
        )
        groups.append(
            SecurityGroup(f"sg-{n:04d}-client", f"vpc-{n:04d}", account(n), egress=(egress,))
        )
        groups.append(
            SecurityGroup(
                f"sg-{n:04d}-server", f"vpc-{n:04d}", account(n), ingress=tuple(ingress[n])
            )
        )
    rule_count = sum(len(g.ingress) + len(g.egress) for g in groups)

    interfaces = [
        NetworkInterface(
            f"eni-{n:04d}-{j}",
            account(n),
            f"subnet-{n:04d}-{j}",
            f"10.{n}.{j}.10",
            (f"sg-{n:04d}-server",),
            private_dns_name=f"ip-10-{n}-{j}-10.ec2.internal",
            instance_id=f"i-{n:04d}-{j}",
        )
        for n in range(ACCOUNTS)
        for j in range(SUBNETS_PER_VPC)
    ]
    snapshot = NetworkSnapshot.of(
        vpcs=vpcs,
        subnets=subnets,
        route_tables=tables,
        security_groups=groups,
        peering_connections=peerings,
        interfaces=interfaces,
    )
    return snapshot, rule_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    start = time.perf_counter()
    snapshot, rule_count = generate(rng)
    build_ms = (time.perf_counter() - start) * 1000

    questions: list[tuple[Source, Destination]] = []
    for _ in range(args.pairs):
        # Mostly the hub (the Studio account) to a spoke, as in the seed; some spoke to spoke.
        src = 0 if rng.random() < 0.7 else rng.randrange(ACCOUNTS)
        dst = rng.randrange(ACCOUNTS)
        source = Source(
            account(src),
            f"subnet-{src:04d}-{rng.randrange(SUBNETS_PER_VPC)}",
            (f"sg-{src:04d}-client",),
        )
        destination = Destination(
            port=8998 if rng.random() < 0.6 else rng.choice(PORTS),
            instance_id=f"i-{dst:04d}-{rng.randrange(SUBNETS_PER_VPC)}",
            address_kind="private-dns" if rng.random() < 0.5 else "private-ip",
        )
        questions.append((source, destination))

    samples: list[float] = []
    outcomes: Counter[str] = Counter()
    for source, destination in questions:
        begin = time.perf_counter()
        verdict = analyze(snapshot, source, destination)
        samples.append((time.perf_counter() - begin) * 1000)
        outcomes["reachable" if verdict.missing is None else verdict.missing.kind] += 1
    median, p95 = summary(samples)

    mix = ", ".join(f"{kind} {count}" for kind, count in outcomes.most_common())
    append_results(
        "Reachability",
        [
            f"{ACCOUNTS} accounts, {len(snapshot.subnets)} subnets, {len(snapshot.route_tables)} "
            f"route tables, {rule_count} security-group rules, "
            f"{len(snapshot.peering_connections)} peering connections, "
            f"{len(snapshot.interfaces)} instances; {args.pairs} random source/destination "
            f"pairs (seed {args.seed}).",
            "",
            "| measure | value |",
            "|---|---|",
            f"| build the snapshot | {build_ms:.1f} ms |",
            f"| one verdict, median | {median:.3f} ms |",
            f"| one verdict, p95 | {p95:.3f} ms |",
            f"| all {args.pairs} verdicts | {sum(samples) / 1000:.2f} s |",
            "",
            f"Outcomes (first missing piece by kind): {mix}.",
        ],
    )


if __name__ == "__main__":
    main()
