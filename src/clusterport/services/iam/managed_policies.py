"""Managed policies: customer-managed ones of an account and the AWS-managed catalog.

A customer-managed policy keeps up to five versions, one of them the default
(the one that applies). AWS-managed policies (``arn:aws:iam::aws:policy/…``)
come from the policy engine's catalog: visible and attachable in every
account, never writable. How often a policy is attached (and used as a
permissions boundary) is counted from the account's users and roles, so the
count can never drift from the attachments.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from clusterport.iam import (
    ManagedPolicyInfo,
    PolicyDocument,
    PolicyKind,
    SizeQuota,
    aws_managed_policies,
)
from clusterport.services.iam import documents, names
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.errors import (
    already_exists,
    delete_conflict,
    invalid_input,
    limit_exceeded,
    no_such_entity,
)
from clusterport.services.iam.records import IamRecords
from clusterport.store.resources import ResourceRow

MAX_VERSIONS = 5
#: The date the AWS-managed policies of the catalog carry (they have one version, v1).
AWS_POLICY_DATE = dt.datetime(2015, 2, 6, 18, 40, tzinfo=dt.UTC)

# The AWS-managed catalog is constant: indexed (and parsed) once, read-only.
_CATALOG: Mapping[str, ManagedPolicyInfo] = MappingProxyType(
    {info.arn: info for info in aws_managed_policies()}
)
_CATALOG_DOCUMENTS: Mapping[str, PolicyDocument] = MappingProxyType(
    {arn: info.document for arn, info in _CATALOG.items()}
)
_PARTITION = re.compile(r"^arn:[a-z\-]+:")


def _catalog_arn(arn: str) -> str:
    """The catalog's key for an AWS-managed policy ARN of any partition."""
    return _PARTITION.sub("arn:aws:", arn, count=1)


def aws_policy_document(arn: str) -> PolicyDocument | None:
    """The parsed document of an AWS-managed policy, or None."""
    return _CATALOG_DOCUMENTS.get(_catalog_arn(arn))


@dataclass(frozen=True)
class PolicyVersion:
    """One version of a managed policy."""

    version_id: str
    document: str
    create_date: dt.datetime


@dataclass(frozen=True)
class ManagedPolicy:
    """A managed policy, customer- or AWS-managed, as the API shows it."""

    arn: str
    name: str
    path: str
    policy_id: str
    description: str | None
    default_version_id: str
    versions: tuple[PolicyVersion, ...]
    create_date: dt.datetime
    update_date: dt.datetime
    aws_managed: bool
    tags: tuple[Mapping[str, str], ...] = ()
    row: ResourceRow | None = None

    @property
    def default_document(self) -> str:
        """The text of the default version (the one that applies)."""
        return self.version(self.default_version_id).document

    def version(self, version_id: str) -> PolicyVersion:
        for version in self.versions:
            if version.version_id == version_id:
                return version
        raise no_such_entity(
            f"Policy {self.arn} version {version_id} does not exist or is not attachable. "
            "List its versions with ListPolicyVersions."
        )


def _from_row(row: ResourceRow) -> ManagedPolicy:
    data = row.data
    versions = tuple(
        PolicyVersion(v["VersionId"], v["Document"], dt.datetime.fromisoformat(v["CreateDate"]))
        for v in data["Versions"]
    )
    return ManagedPolicy(
        arn=data["Arn"],
        name=data["Name"],
        path=data["Path"],
        policy_id=data["Id"],
        description=data.get("Description"),
        default_version_id=data["DefaultVersionId"],
        versions=versions,
        create_date=row.created_at,
        update_date=row.updated_at,
        aws_managed=False,
        tags=tuple(data.get("Tags", [])),
        row=row,
    )


def aws_policy(arn: str) -> ManagedPolicy | None:
    """The AWS-managed policy with this ARN, or None."""
    info = _CATALOG.get(_catalog_arn(arn))
    if info is None:
        return None
    return ManagedPolicy(
        arn=info.arn,
        name=info.name,
        path=info.path,
        policy_id=names.aws_policy_id(info.arn),
        description=info.description,
        default_version_id="v1",
        versions=(PolicyVersion("v1", info.document_text, AWS_POLICY_DATE),),
        create_date=AWS_POLICY_DATE,
        update_date=AWS_POLICY_DATE,
        aws_managed=True,
    )


def find(rec: IamRecords, arn: str) -> ManagedPolicy | None:
    """The managed policy an ARN names, visible to the account, or None."""
    parsed = names.parse_entity_arn(arn)
    if parsed is None or parsed.kind != names.POLICY:
        return None
    if parsed.account_id == "aws":
        return aws_policy(arn)
    if parsed.account_id != rec.account_id:
        return None
    row = rec.find(names.POLICY, parsed.name)
    if row is None or row.data["Arn"] != arn:
        return None
    return _from_row(row)


def find_many(rec: IamRecords, arns: list[str]) -> dict[str, ManagedPolicy]:
    """The managed policies of several ARNs visible to the account (one query), by ARN."""
    found: dict[str, ManagedPolicy] = {}
    local: dict[str, str] = {}
    for arn in arns:
        parsed = names.parse_entity_arn(arn)
        if parsed is None or parsed.kind != names.POLICY:
            continue
        if parsed.account_id == "aws":
            policy = aws_policy(arn)
            if policy is not None:
                found[arn] = policy
        elif parsed.account_id == rec.account_id:
            local[arn] = parsed.name
    rows = rec.find_many(names.POLICY, list(local.values()))
    for arn, name in local.items():
        row = rows.get(names.key(name))
        if row is not None and row.data["Arn"] == arn:
            found[arn] = _from_row(row)
    return found


def require(rec: IamRecords, arn: str) -> ManagedPolicy:
    """The managed policy of ``arn``; ``NoSuchEntity`` when there is none."""
    found = find(rec, arn)
    if found is None:
        if names.parse_entity_arn(arn) is None:
            raise invalid_input(
                f"ARN {arn} is not valid: a managed policy ARN looks like "
                "arn:aws:iam::123456789012:policy/NAME or arn:aws:iam::aws:policy/NAME."
            )
        raise no_such_entity(
            f"Policy {arn} does not exist or is not attachable. List the policies with "
            "ListPolicies (AWS-managed ones with --scope AWS)."
        )
    return found


def local(rec: IamRecords, arn: str) -> ManagedPolicy:
    """A customer-managed policy of the account (AWS-managed ones cannot be changed)."""
    policy = require(rec, arn)
    if policy.aws_managed:
        raise invalid_input(
            f"Policy {arn} is an AWS-managed policy and cannot be changed; create a "
            "customer-managed copy with CreatePolicy instead."
        )
    return policy


@dataclass(frozen=True)
class Usage:
    """How often each managed policy (lower-cased ARN) is attached and used as a boundary."""

    attachments: Counter[str]
    boundaries: Counter[str]

    def attachment_count(self, arn: str) -> int:
        return self.attachments[arn.lower()]

    def boundary_count(self, arn: str) -> int:
        return self.boundaries[arn.lower()]


def usage(rec: IamRecords) -> Usage:
    """Attachment and boundary counts over the account's users and roles."""
    attachments: Counter[str] = Counter()
    boundaries: Counter[str] = Counter()
    for kind in (names.USER, names.ROLE):
        for row in rec.all(kind):
            attachments.update(a.lower() for a in row.data.get("AttachedPolicies", []))
            boundary = row.data.get("PermissionsBoundary")
            if boundary:
                boundaries[boundary.lower()] += 1
    return Usage(attachments, boundaries)


def visible(rec: IamRecords, scope: str) -> list[ManagedPolicy]:
    """The policies ``ListPolicies`` shows for ``Scope`` All, AWS or Local."""
    found: list[ManagedPolicy] = []
    if scope in ("All", "AWS"):
        found.extend(p for p in (aws_policy(arn) for arn in _CATALOG) if p)
    if scope in ("All", "Local"):
        found.extend(_from_row(row) for row in rec.all(names.POLICY))
    return found


def policy_output(
    policy: ManagedPolicy,
    counts: Usage,
    *,
    with_tags: bool = True,
    with_description: bool = True,
    empty_tags: bool = False,
) -> shapes.Policy:
    """The ``Policy`` shape.

    As IAM answers: ``CreatePolicy`` and ``ListPolicies`` leave out the
    description (``with_description=False``); ``GetPolicy`` lists ``Tags``
    even when there are none (``empty_tags=True``).
    """
    out: shapes.Policy = {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": counts.attachment_count(policy.arn),
        "PermissionsBoundaryUsageCount": counts.boundary_count(policy.arn),
        "IsAttachable": True,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    }
    if with_description and policy.description:
        out["Description"] = policy.description
    if with_tags and (policy.tags or empty_tags):
        out["Tags"] = [{"Key": t["Key"], "Value": t["Value"]} for t in policy.tags]
    return out


def version_output(
    policy: ManagedPolicy, version: PolicyVersion, *, with_document: bool = True
) -> shapes.PolicyVersion:
    """The ``PolicyVersion`` shape."""
    out: shapes.PolicyVersion = {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == policy.default_version_id,
        "CreateDate": version.create_date,
    }
    if with_document:
        out["Document"] = documents.encoded(version.document)
    return out


def _validated(document: Any, arn: str) -> str:
    return documents.validated(
        document,
        PolicyKind.IDENTITY,
        SizeQuota.MANAGED_POLICY,
        f"managed policy {arn}",
        managed=True,
    )


def create(
    rec: IamRecords,
    name: str,
    path: str,
    document: Any,
    description: str | None,
    tags: Any,
    now: dt.datetime,
) -> ManagedPolicy:
    """A new customer-managed policy with its first version, v1, as default."""
    arn = names.entity_arn(rec.account_id, names.POLICY, name, path)
    text = _validated(document, arn)
    existing = rec.find(names.POLICY, name)
    if existing is not None:
        raise already_exists(
            f"A policy called {existing.data['Name']} already exists ({existing.data['Arn']}). "
            "Duplicate names are not allowed; pick another name or add a version to it with "
            "CreatePolicyVersion."
        )
    row = rec.add(
        names.POLICY,
        name,
        {
            "Name": name,
            "Id": names.new_id(names.POLICY),
            "Arn": arn,
            "Path": path,
            "Description": description,
            "Tags": tag_rules.checked(tags),
            "DefaultVersionId": "v1",
            "NextVersion": 2,
            "Versions": [{"VersionId": "v1", "Document": text, "CreateDate": now.isoformat()}],
        },
        now,
    )
    return _from_row(row)


def _row(policy: ManagedPolicy) -> ResourceRow:
    assert policy.row is not None
    return policy.row


def create_version(
    rec: IamRecords, policy: ManagedPolicy, document: Any, set_default: bool, now: dt.datetime
) -> tuple[ManagedPolicy, PolicyVersion]:
    """Add a version (at most five are kept), optionally making it the default."""
    text = _validated(document, policy.arn)
    if len(policy.versions) >= MAX_VERSIONS:
        raise limit_exceeded(
            f"A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new "
            f"version, you must delete an existing version: {policy.arn} has "
            f"{', '.join(v.version_id for v in policy.versions)} (DeletePolicyVersion)."
        )
    row = _row(policy)
    data = dict(row.data)
    version_id = f"v{data['NextVersion']}"
    data["NextVersion"] = data["NextVersion"] + 1
    data["Versions"] = [
        *data["Versions"],
        {"VersionId": version_id, "Document": text, "CreateDate": now.isoformat()},
    ]
    if set_default:
        data["DefaultVersionId"] = version_id
    rec.update(row, data, now)
    updated = _from_row(row)
    return updated, updated.version(version_id)


def delete_version(
    rec: IamRecords, policy: ManagedPolicy, version_id: str, now: dt.datetime
) -> None:
    """Delete a version that is not the default."""
    policy.version(version_id)
    if version_id == policy.default_version_id:
        raise delete_conflict(
            f"Cannot delete the default version of a policy: {version_id} is the default of "
            f"{policy.arn}. Make another version the default with SetDefaultPolicyVersion "
            "first, or delete the whole policy with DeletePolicy."
        )
    row = _row(policy)
    data = dict(row.data)
    data["Versions"] = [v for v in data["Versions"] if v["VersionId"] != version_id]
    rec.update(row, data, now)


def set_default(rec: IamRecords, policy: ManagedPolicy, version_id: str, now: dt.datetime) -> None:
    """Make ``version_id`` the version that applies."""
    policy.version(version_id)
    row = _row(policy)
    rec.update(row, {**row.data, "DefaultVersionId": version_id}, now)


def delete(rec: IamRecords, policy: ManagedPolicy) -> None:
    """Delete a policy that is attached nowhere and has only its default version left."""
    counts = usage(rec)
    if counts.attachment_count(policy.arn) or counts.boundary_count(policy.arn):
        raise delete_conflict(
            f"Cannot delete a policy attached to entities: {policy.arn} is attached "
            f"{counts.attachment_count(policy.arn)} time(s) and is the permissions boundary of "
            f"{counts.boundary_count(policy.arn)} entit(ies). Find them with "
            "ListEntitiesForPolicy and detach it first."
        )
    if len(policy.versions) > 1:
        others = [
            v.version_id for v in policy.versions if v.version_id != policy.default_version_id
        ]
        raise delete_conflict(
            "This policy has more than one version. Before you delete a policy, you must delete "
            f"the policy's versions ({', '.join(others)}) with DeletePolicyVersion. The default "
            "version is deleted with the policy."
        )
    rec.delete(_row(policy))


def retag(
    rec: IamRecords, policy: ManagedPolicy, tags: list[dict[str, str]], now: dt.datetime
) -> None:
    """Replace a customer-managed policy's tags."""
    row = _row(policy)
    rec.update(row, {**row.data, "Tags": tags}, now)
