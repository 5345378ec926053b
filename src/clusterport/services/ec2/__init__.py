"""EC2 (networks across accounts): VPCs, subnets, route tables, security groups, VPC
peering, the instances that carry cluster nodes, and the network snapshot the
reachability analyzer reads.

``network_api`` is the synchronous domain surface other services (EMR) call with
an open store session; ``provider`` serves the EC2 API over it.
"""
