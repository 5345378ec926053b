"""IAM names and ARNs: building them, reading them back, and the ids IAM gives entities.

IAM entities are global (their ARNs carry no region) and their names are
unique within an account regardless of case, so rows are keyed by the
lower-cased name while the name as created is what every answer shows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from clusterport.services.base import random_id

USER = "user"
ROLE = "role"
POLICY = "policy"
INSTANCE_PROFILE = "instance-profile"
ACCOUNT_ALIAS = "account-alias"

#: The prefixes of IAM's unique ids, by entity kind.
ID_PREFIXES: Mapping[str, str] = MappingProxyType(
    {USER: "AIDA", ROLE: "AROA", POLICY: "ANPA", INSTANCE_PROFILE: "AIPA"}
)

_ENTITY_ARN = re.compile(
    r"arn:(?P<partition>[a-z\-]+):iam::(?P<account>\d{12}|aws):"
    r"(?P<kind>user|role|policy|instance-profile)(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[^/]+)"
)


def key(name: str) -> str:
    """The row key of a named entity: IAM names are case-insensitive."""
    return name.lower()


def new_id(kind: str) -> str:
    """A new unique id (``AIDA…`` users, ``AROA…`` roles, ``ANPA…`` policies …)."""
    return ID_PREFIXES[kind] + random_id(17)


def aws_policy_id(arn: str) -> str:
    """The stable id of an AWS-managed policy (the same in every account)."""
    digest = hashlib.sha256(arn.encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "ANPA" + "".join(alphabet[b % 32] for b in digest[:17])


def entity_arn(account_id: str, kind: str, name: str, path: str = "/") -> str:
    """``arn:aws:iam::<account>:<kind><path><name>``."""
    return f"arn:aws:iam::{account_id}:{kind}{path}{name}"


@dataclass(frozen=True)
class EntityArn:
    """An IAM entity ARN taken apart."""

    account_id: str
    kind: str
    path: str
    name: str


def parse_entity_arn(arn: str) -> EntityArn | None:
    """The parts of a user, role, policy or instance-profile ARN; None when it is none."""
    match = _ENTITY_ARN.fullmatch(arn)
    if match is None:
        return None
    return EntityArn(match["account"], match["kind"], match["path"], match["name"])
