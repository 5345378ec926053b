"""EC2's own error codes, built on :mod:`clusterport.errors`.

EC2 answers client errors with HTTP 400 and a dotted code naming the kind of
problem (``InvalidVpcID.NotFound``, ``InvalidSubnet.Conflict`` …). The helpers
here build them with AWS's wording followed by what to do about it.
"""

from __future__ import annotations

from clusterport.errors import ConflictError, NotFoundError, ServiceError, ValidationError

#: The ``…NotFound`` code and the noun AWS uses for each kind of EC2 resource.
_NOT_FOUND: dict[str, tuple[str, str, str]] = {
    "vpc": ("InvalidVpcID.NotFound", "vpc ID", "aws ec2 describe-vpcs"),
    "subnet": ("InvalidSubnetID.NotFound", "subnet ID", "aws ec2 describe-subnets"),
    "route-table": (
        "InvalidRouteTableID.NotFound",
        "routeTable ID",
        "aws ec2 describe-route-tables",
    ),
    "security-group": (
        "InvalidGroup.NotFound",
        "security group",
        "aws ec2 describe-security-groups",
    ),
    "vpc-peering-connection": (
        "InvalidVpcPeeringConnectionID.NotFound",
        "vpcPeeringConnection ID",
        "aws ec2 describe-vpc-peering-connections",
    ),
    "instance": ("InvalidInstanceID.NotFound", "instance ID", "aws ec2 describe-instances"),
    "internet-gateway": (
        "InvalidInternetGatewayID.NotFound",
        "internet gateway ID",
        "aws ec2 describe-internet-gateways",
    ),
    "security-group-rule": (
        "InvalidSecurityGroupRuleId.NotFound",
        "security group rule ID",
        "aws ec2 describe-security-group-rules",
    ),
}


def not_found(kind: str, resource_id: str, account_id: str, region: str) -> NotFoundError:
    """``Invalid…ID.NotFound`` for ``resource_id`` of ``kind``, naming where it was looked for."""
    code, noun, lister = _NOT_FOUND[kind]
    return NotFoundError(
        f"The {noun} '{resource_id}' does not exist in account {account_id}, region {region}; "
        f"check the id (list them with: {lister}) and the account and region you call with.",
        code=code,
    )


def invalid_value(message: str) -> ValidationError:
    """``InvalidParameterValue``."""
    return ValidationError(message, code="InvalidParameterValue")


def invalid_combination(message: str) -> ValidationError:
    """``InvalidParameterCombination``."""
    return ValidationError(message, code="InvalidParameterCombination")


def missing_parameter(message: str) -> ValidationError:
    """``MissingParameter``."""
    return ValidationError(message, code="MissingParameter")


def dependency_violation(message: str) -> ConflictError:
    """``DependencyViolation``: the resource is still used by others."""
    return ConflictError(message, code="DependencyViolation")


def conflict(code: str, message: str) -> ConflictError:
    """A 400 conflict with an EC2 code (``InvalidPermission.Duplicate`` …)."""
    return ConflictError(message, code=code)


def not_permitted(message: str) -> ServiceError:
    """``OperationNotPermitted``: the caller's account may not do this to the resource."""
    return ServiceError(message, code="OperationNotPermitted", status=400, sender_fault=True)


def unsupported(message: str) -> ServiceError:
    """``UnsupportedOperation``: valid on AWS, not offered by this platform."""
    return ServiceError(message, code="UnsupportedOperation", status=400, sender_fault=True)


def invalid_state(message: str) -> ServiceError:
    """``InvalidStateTransition``: the resource's state forbids the call."""
    return ServiceError(message, code="InvalidStateTransition", status=400, sender_fault=True)
