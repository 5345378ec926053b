"""AWS-managed policies (``arn:aws:iam::aws:policy/…``) the templates and the seed use.

The documents follow AWS's published ones, abridged to the services this
platform serves (EC2 networking, EMR, IAM/STS, S3, SageMaker, Service
Catalog, CloudFormation, CloudTrail, CloudWatch Logs). They are valid
documents and grant what their names promise: ``AdministratorAccess`` is
``*`` on ``*`` as on AWS; ``PowerUserAccess`` is everything but IAM and
Organizations; the EMR v2 policies keep AWS's tag conditions
(``for-use-with-amazon-emr-managed-policies``).

Every ARN partition is accepted (``arn:aws-cn:iam::aws:policy/…`` finds
the same policy), as CloudFormation's ``${AWS::Partition}`` may produce it.

The documents are data: ``managed_policies.json`` beside this module, read
once per process. To add a policy, add an entry there (``Path``,
``PolicyName``, ``Description``, ``PolicyDocument``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from clusterport.iam.documents import PolicyDocument, PolicyKind, SizeQuota, parse_policy

_MANAGED_ARN = re.compile(r"arn:[a-z\-]+:iam::aws:policy(/(?:.+/)?)([^/]+)")
_DATA = "managed_policies.json"


@dataclass(frozen=True)
class ManagedPolicyInfo:
    """An AWS-managed policy: its ARN, name, path, description and document text."""

    arn: str
    name: str
    path: str
    description: str
    document_text: str

    @property
    def document(self) -> PolicyDocument:
        """The parsed document (always valid)."""
        return parse_policy(self.document_text, PolicyKind.IDENTITY, quota=SizeQuota.ROLE_INLINE)


@cache
def aws_managed_policies() -> tuple[ManagedPolicyInfo, ...]:
    """Every AWS-managed policy this platform provides, sorted by ARN (read once)."""
    text = resources.files("clusterport.iam").joinpath(_DATA).read_text(encoding="utf-8")
    infos = [
        ManagedPolicyInfo(
            arn=f"arn:aws:iam::aws:policy{entry['Path']}{entry['PolicyName']}",
            name=entry["PolicyName"],
            path=entry["Path"],
            description=entry["Description"],
            document_text=json.dumps(entry["PolicyDocument"], indent=4),
        )
        for entry in json.loads(text)
    ]
    return tuple(sorted(infos, key=lambda info: info.arn))


def aws_managed_policy_info(arn: str) -> ManagedPolicyInfo | None:
    """The AWS-managed policy with this ARN (any partition), or None."""
    match = _MANAGED_ARN.fullmatch(arn)
    if match is None:
        return None
    path, name = match.group(1), match.group(2)
    for info in aws_managed_policies():
        if info.path == path and info.name == name:
            return info
    return None


def aws_managed_policy(arn: str) -> PolicyDocument | None:
    """The document of the AWS-managed policy with this ARN, or None if there is none."""
    info = aws_managed_policy_info(arn)
    return None if info is None else info.document


AWS_MANAGED_POLICY_ARNS: tuple[str, ...] = tuple(info.arn for info in aws_managed_policies())
"""The ARNs (partition ``aws``) of the AWS-managed policies available."""
