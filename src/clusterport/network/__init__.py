"""The pure network core: the reachability analyzer over a snapshot of VPCs, routes and security groups."""
