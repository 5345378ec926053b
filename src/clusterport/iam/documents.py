"""Policy documents: parsing and validating them as IAM does on write.

:func:`parse_policy` turns JSON text into an immutable :class:`PolicyDocument`
or raises :class:`MalformedPolicyError` with the reason IAM gives (the
``MalformedPolicyDocument`` message) and a hint that names the fix.

::

    MalformedPolicyError          reason (IAM's message), hint (what to change)
    └── PolicySizeError           quota, size: the document is over its size quota
                                  (IAM answers LimitExceeded for these)

Checks, in the order IAM reports them: size; JSON syntax and element types;
version; legacy parsing (``Effect`` spelling, resource ARN shape, date
values); ``Sid`` uniqueness; actions present; resource format; action
vendor prefixes; then the rules of the policy's kind (principal required or
forbidden, resources required or forbidden, trust-policy actions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from clusterport.iam.conditions import (
    ConditionClause,
    ConditionOperator,
    OperatorFamily,
    parse_date,
)
from clusterport.iam.matching import ActionMatcher, ResourceMatcher
from clusterport.iam.variables import Template, parse_template

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
VALID_VERSIONS = (VERSION_2012, VERSION_2008)

SYNTAX_ERROR = "Syntax errors in policy."
LEGACY_PARSING = "The policy failed legacy parsing"
OLD_VERSION = "Policy document must be version 2012-10-17 or greater."
TRUST_ACTIONS = (
    "Trust Policy statement actions can only be sts:AssumeRole, "
    "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
)
#: The actions of STS (the Service Authorization Reference's list), the only ones a
#: trust policy may name.
STS_ACTIONS = (
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetServiceBearerToken",
    "GetSessionToken",
    "GetWebIdentityToken",
    "SetContext",
    "SetSourceIdentity",
    "TagSession",
)
#: The resource types an IAM ARN's path may start with.
IAM_RESOURCE_TYPES = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)

_TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "*"})
_VENDOR = re.compile(r"[A-Za-z0-9\-.*?]+")
_SID_IAM = re.compile(r"[0-9A-Za-z]*")
_ACCOUNT_ID = re.compile(r"\d{12}")
_AWS_PRINCIPAL_ARN = re.compile(
    r"arn:[a-z\-]+:(?:iam::\d{12}:(?:root|user/.+|role/.+|federated-user/.+)"
    r"|sts::\d{12}:(?:assumed-role/[^/]+/.+|federated-user/.+))"
)
_UNIQUE_ID = re.compile(r"A[A-Z0-9]{15,127}")
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)+", re.IGNORECASE)
_CANONICAL_USER = re.compile(r"[0-9a-fA-F]{64}")
_WHITESPACE = re.compile(r"\s+")


class PolicyKind(Enum):
    """Where a policy is attached, which decides the elements it may carry."""

    IDENTITY = "identity"
    TRUST = "trust"
    RESOURCE = "resource"
    SESSION = "session"
    BOUNDARY = "boundary"

    @property
    def requires_principal(self) -> bool:
        """Trust and resource policies name who they apply to."""
        return self in (PolicyKind.TRUST, PolicyKind.RESOURCE)

    @property
    def is_iam_policy(self) -> bool:
        """Policies IAM itself stores (stricter ``Sid`` rules than other services)."""
        return self is not PolicyKind.RESOURCE


class Effect(Enum):
    """A statement's effect."""

    ALLOW = "Allow"
    DENY = "Deny"


class SizeQuota(Enum):
    """IAM's size quotas for policy documents, in characters without whitespace."""

    MANAGED_POLICY = ("PolicySize", 6144)
    USER_INLINE = ("UserPolicySize", 2048)
    GROUP_INLINE = ("GroupPolicySize", 5120)
    ROLE_INLINE = ("RolePolicySize", 10240)
    TRUST_POLICY = ("ACLSizePerRole", 2048)
    SESSION_POLICY = ("SessionPolicySize", 2048)
    RESOURCE_POLICY = ("ResourcePolicySize", 20480)

    @property
    def quota_name(self) -> str:
        """The quota's name as IAM reports it."""
        return self.value[0]

    @property
    def limit(self) -> int:
        """The largest allowed size."""
        return self.value[1]

    @property
    def reason(self) -> str:
        """IAM's message when a document is over this quota."""
        if self in (SizeQuota.USER_INLINE, SizeQuota.GROUP_INLINE, SizeQuota.ROLE_INLINE):
            return f"Maximum policy size of {self.limit} bytes exceeded."
        return f"Cannot exceed quota for {self.quota_name}: {self.limit}"


DEFAULT_QUOTAS: Mapping[PolicyKind, SizeQuota] = MappingProxyType(
    {
        PolicyKind.IDENTITY: SizeQuota.ROLE_INLINE,
        PolicyKind.TRUST: SizeQuota.TRUST_POLICY,
        PolicyKind.RESOURCE: SizeQuota.RESOURCE_POLICY,
        PolicyKind.SESSION: SizeQuota.SESSION_POLICY,
        PolicyKind.BOUNDARY: SizeQuota.MANAGED_POLICY,
    }
)
"""The quota applied when the caller names none (identity: the largest, an inline role policy)."""


class MalformedPolicyError(ValueError):
    """A policy document IAM would refuse; ``reason`` is IAM's message."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint

    def __str__(self) -> str:
        return self.reason


class PolicySizeError(MalformedPolicyError):
    """A policy document larger than its quota."""

    def __init__(self, quota: SizeQuota, size: int) -> None:
        super().__init__(
            quota.reason,
            f"The document has {size} characters (whitespace not counted); "
            f"shorten it to at most {quota.limit}, e.g. with wildcards or by splitting it.",
        )
        self.quota = quota
        self.size = size


@dataclass(frozen=True)
class PrincipalSpec:
    """A ``Principal`` or ``NotPrincipal`` element.

    ``wildcard`` is the bare ``"*"`` form; otherwise ``entries`` pairs each
    principal type (``AWS``, ``Service``, ``Federated``, ``CanonicalUser``)
    with its values, in document order.
    """

    wildcard: bool = False
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def values(self, principal_type: str) -> tuple[str, ...]:
        """All values listed under one principal type."""
        return tuple(v for t, vs in self.entries if t == principal_type for v in vs)

    def to_json(self) -> Any:
        """The element as JSON data."""
        if self.wildcard:
            return "*"
        return {t: _one_or_list(vs) for t, vs in self.entries}


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, immutable; matchers are compiled on creation.

    ``resources`` is None when the statement has neither ``Resource`` nor
    ``NotResource`` (trust policies): it then covers the resource it is attached to.
    """

    effect: Effect
    actions: tuple[str, ...]
    not_action: bool = False
    resources: tuple[Template, ...] | None = None
    not_resource: bool = False
    principal: PrincipalSpec | None = None
    not_principal: bool = False
    conditions: tuple[ConditionClause, ...] = ()
    sid: str | None = None
    action_matcher: ActionMatcher = field(init=False, repr=False, compare=False)
    resource_matcher: ResourceMatcher | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action_matcher", ActionMatcher(self.actions))
        object.__setattr__(
            self,
            "resource_matcher",
            None if self.resources is None else ResourceMatcher(self.resources),
        )

    def to_json(self) -> dict[str, Any]:
        """The statement as JSON data, in IAM's usual element order."""
        data: dict[str, Any] = {}
        if self.sid is not None:
            data["Sid"] = self.sid
        data["Effect"] = self.effect.value
        if self.principal is not None:
            data["NotPrincipal" if self.not_principal else "Principal"] = self.principal.to_json()
        data["NotAction" if self.not_action else "Action"] = _one_or_list(self.actions)
        if self.resources is not None:
            data["NotResource" if self.not_resource else "Resource"] = _one_or_list(
                tuple(t.source for t in self.resources)
            )
        if self.conditions:
            block: dict[str, dict[str, Any]] = {}
            for clause in self.conditions:
                block.setdefault(clause.operator.name, {})[clause.key] = _one_or_list(
                    tuple(v.source for v in clause.values)
                )
            data["Condition"] = block
        return data


@dataclass(frozen=True)
class PolicyDocument:
    """A validated policy document."""

    kind: PolicyKind
    statements: tuple[Statement, ...]
    version: str | None = VERSION_2012
    id: str | None = None

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are substituted only in version 2012-10-17 documents."""
        return self.version == VERSION_2012

    def to_json(self) -> dict[str, Any]:
        """The document as JSON data."""
        data: dict[str, Any] = {}
        if self.version is not None:
            data["Version"] = self.version
        if self.id is not None:
            data["Id"] = self.id
        data["Statement"] = [s.to_json() for s in self.statements]
        return data


def serialize_policy(document: PolicyDocument) -> str:
    """The document as compact JSON text; ``parse_policy`` reads it back equal."""
    return json.dumps(document.to_json(), separators=(",", ":"))


def policy_size(text: str) -> int:
    """The size IAM counts against quotas: characters, whitespace excluded."""
    return len(_WHITESPACE.sub("", text))


def parse_policy(
    text: str,
    kind: PolicyKind,
    *,
    quota: SizeQuota | None = None,
    require_current_version: bool = False,
) -> PolicyDocument:
    """Parse and validate a policy document of the given kind.

    ``quota`` defaults to the kind's usual quota (:data:`DEFAULT_QUOTAS`).
    ``require_current_version`` refuses a document without ``"Version":
    "2012-10-17"``, as IAM does for managed policies (inline and trust policies
    may still be of version 2008-10-17, like the roles ``aws emr
    create-default-roles`` makes). Raises :class:`MalformedPolicyError` (or
    :class:`PolicySizeError`).
    """
    applied = quota or DEFAULT_QUOTAS[kind]
    size = policy_size(text)
    if size > applied.limit:
        raise PolicySizeError(applied, size)
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedPolicyError(SYNTAX_ERROR, f"The document is not valid JSON: {exc}.") from exc
    return _Parser(kind, require_current_version).parse(data)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _one_or_list(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


@dataclass
class _RawStatement:
    data: dict[str, Any]
    index: int


class _Parser:
    """One validation pass, in the order IAM reports problems."""

    def __init__(self, kind: PolicyKind, require_current_version: bool = False) -> None:
        self.kind = kind
        self.require_current_version = require_current_version

    def parse(self, data: Any) -> PolicyDocument:
        raw = self._syntax(data)
        version: str | None = data.get("Version")
        policy_id: str | None = data.get("Id")
        if self.require_current_version and version != VERSION_2012:
            raise MalformedPolicyError(
                OLD_VERSION, f'Add "Version": "{VERSION_2012}" to the document.'
            )
        self._legacy(raw)
        self._sid_uniqueness(raw)
        self._actions_present(raw)
        self._resource_format(raw)
        self._action_vendors(raw)
        self._kind_rules(raw)
        variables = version == VERSION_2012
        statements = tuple(self._build(s.data, variables) for s in raw)
        return PolicyDocument(self.kind, statements, version, policy_id)

    # -- syntax ------------------------------------------------------------

    def _syntax(self, data: Any) -> list[_RawStatement]:
        if not isinstance(data, dict):
            raise MalformedPolicyError(SYNTAX_ERROR, "A policy document must be a JSON object.")
        for element in data:
            if element not in _TOP_ELEMENTS:
                raise MalformedPolicyError(
                    SYNTAX_ERROR,
                    f"Unknown element {element!r}; a policy has Version, Id and Statement.",
                )
        if "Version" in data and data["Version"] not in VALID_VERSIONS:
            raise MalformedPolicyError(
                SYNTAX_ERROR, f'Version must be "{VERSION_2012}" (or the older "{VERSION_2008}").'
            )
        if "Id" in data and not isinstance(data["Id"], str):
            raise MalformedPolicyError(SYNTAX_ERROR, "Id must be a string.")
        statements = data.get("Statement")
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list) or not statements:
            raise MalformedPolicyError(
                SYNTAX_ERROR, "Statement must be a statement object or a non-empty list of them."
            )
        raw: list[_RawStatement] = []
        for index, statement in enumerate(statements):
            self._statement_syntax(statement, index)
            raw.append(_RawStatement(statement, index))
        return raw

    def _statement_syntax(self, statement: Any, index: int) -> None:
        where = f"Statement {index + 1}"
        if not isinstance(statement, dict):
            raise MalformedPolicyError(SYNTAX_ERROR, f"{where} must be a JSON object.")
        for element in statement:
            if element not in _STATEMENT_ELEMENTS:
                raise MalformedPolicyError(
                    SYNTAX_ERROR, f"{where} has the unknown element {element!r}."
                )
        for first, second in (
            ("Action", "NotAction"),
            ("Resource", "NotResource"),
            ("Principal", "NotPrincipal"),
        ):
            if first in statement and second in statement:
                raise MalformedPolicyError(
                    SYNTAX_ERROR, f"{where} has both {first} and {second}; keep one."
                )
        effect = statement.get("Effect")
        if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
            raise MalformedPolicyError(SYNTAX_ERROR, f'{where}: Effect must be "Allow" or "Deny".')
        for element in ("Action", "NotAction", "Resource", "NotResource"):
            if element in statement and not _is_string_or_strings(statement[element]):
                raise MalformedPolicyError(
                    SYNTAX_ERROR, f"{where}: {element} must be a string or a list of strings."
                )
        if "Sid" in statement and not isinstance(statement["Sid"], str):
            raise MalformedPolicyError(SYNTAX_ERROR, f"{where}: Sid must be a string.")
        for element in ("Principal", "NotPrincipal"):
            if element in statement:
                self._principal_syntax(statement[element], f"{where}: {element}")
        if "Condition" in statement:
            self._condition_syntax(statement["Condition"], where)

    @staticmethod
    def _principal_syntax(value: Any, where: str) -> None:
        if value == "*":
            return
        if not isinstance(value, dict) or not value:
            raise MalformedPolicyError(
                SYNTAX_ERROR, f'{where} must be "*" or an object such as {{"AWS": "<arn>"}}.'
            )
        for principal_type, values in value.items():
            if principal_type not in PRINCIPAL_TYPES:
                raise MalformedPolicyError(
                    SYNTAX_ERROR,
                    f"{where} has the unknown principal type {principal_type!r}; "
                    f"use one of {', '.join(PRINCIPAL_TYPES)}.",
                )
            if not _is_string_or_strings(values) or values == []:
                raise MalformedPolicyError(
                    SYNTAX_ERROR,
                    f"{where}: {principal_type} must be a string or a list of strings.",
                )

    @staticmethod
    def _condition_syntax(block: Any, where: str) -> None:
        if not isinstance(block, dict):
            raise MalformedPolicyError(SYNTAX_ERROR, f"{where}: Condition must be an object.")
        for operator, keys in block.items():
            if not isinstance(keys, dict):
                raise MalformedPolicyError(
                    SYNTAX_ERROR,
                    f"{where}: the condition {operator} must map keys to values, e.g. "
                    f'{{"{operator}": {{"aws:RequestedRegion": "us-east-1"}}}}.',
                )
            for key, values in keys.items():
                items = values if isinstance(values, list) else [values]
                if not all(_is_condition_scalar(v) for v in items):
                    raise MalformedPolicyError(
                        SYNTAX_ERROR,
                        f"{where}: the values of {operator} {key} must be strings, "
                        "numbers or booleans.",
                    )
            if keys and ConditionOperator.parse(operator) is None:
                raise MalformedPolicyError(
                    SYNTAX_ERROR,
                    f"{where}: unknown condition operator {operator!r}; use one such as "
                    "StringEquals, StringLike, ArnLike, NumericLessThan, DateGreaterThan, "
                    "Bool, IpAddress or Null, optionally with IfExists or a "
                    "ForAllValues:/ForAnyValue: prefix.",
                )

    # -- later passes ------------------------------------------------------

    @staticmethod
    def _legacy(raw: list[_RawStatement]) -> None:
        for statement in raw:
            effect = statement.data["Effect"]
            if effect not in ("Allow", "Deny"):
                raise MalformedPolicyError(
                    LEGACY_PARSING,
                    f'Statement {statement.index + 1}: write Effect as "Allow" or "Deny" '
                    f"(not {effect!r}).",
                )
            for element in ("Resource", "NotResource"):
                for resource in _strings(statement.data.get(element)):
                    if resource != "*" and ":" in resource:
                        parts = resource.split(":")
                        legacy_ok = resource.count(":") >= 5 or "::" not in resource
                        if not legacy_ok or (len(parts) > 2 and parts[2] == ""):
                            raise MalformedPolicyError(
                                LEGACY_PARSING,
                                f"{element} {resource!r} is not a well-formed ARN "
                                "(arn:partition:service:region:account:resource).",
                            )
            for operator_name, keys in statement.data.get("Condition", {}).items():
                operator = ConditionOperator.parse(operator_name)
                if operator is None or operator.base.family is not OperatorFamily.DATE:
                    continue
                for values in keys.values():
                    for value in values if isinstance(values, list) else [values]:
                        if parse_date(_condition_text(value)) is None:
                            raise MalformedPolicyError(
                                LEGACY_PARSING,
                                f"{operator_name} value {value!r} is not a date; write it as "
                                "ISO 8601 (2024-01-31T12:00:00Z) or epoch seconds.",
                            )

    @staticmethod
    def _sid_uniqueness(raw: list[_RawStatement]) -> None:
        seen: set[str] = set()
        for statement in raw:
            sid = statement.data.get("Sid")
            if sid:
                if sid in seen:
                    raise MalformedPolicyError(
                        "Statement IDs (SID) in a single policy must be unique.",
                        f"Rename one of the statements with Sid {sid!r}.",
                    )
                seen.add(sid)

    @staticmethod
    def _actions_present(raw: list[_RawStatement]) -> None:
        for statement in raw:
            actions = statement.data.get("Action", statement.data.get("NotAction"))
            if actions is None or actions == []:
                raise MalformedPolicyError(
                    "Policy statement must contain actions.",
                    f"Add an Action (or NotAction) to statement {statement.index + 1}.",
                )

    @staticmethod
    def _resource_format(raw: list[_RawStatement]) -> None:
        for statement in raw:
            for element in ("Resource", "NotResource"):
                for resource in _strings(statement.data.get(element)):
                    if resource == "*":
                        continue
                    parts = resource.split(":")
                    if len(parts) < 2:
                        raise MalformedPolicyError(
                            f'Resource {resource} must be in ARN format or "*".',
                            "Write resources as ARNs (arn:aws:service:region:account:resource).",
                        )
                    if parts[1] not in _PARTITIONS and "${" not in parts[1]:
                        raise MalformedPolicyError(
                            f'Partition "{parts[1]}" is not valid for resource "{_as_arn(parts)}".',
                            "Write resources as ARNs with the partition aws "
                            "(arn:aws:service:region:account:resource).",
                        )
                    if parts[0] != "arn":
                        raise MalformedPolicyError(
                            f'Resource {resource} must be in ARN format or "*".',
                            "Write resources as ARNs (arn:aws:service:region:account:resource).",
                        )
                    if len(parts) < 3:
                        raise MalformedPolicyError(
                            "Resource vendor must be fully qualified and cannot contain regexes.",
                            f"Complete the ARN {resource!r} with its service, region and account.",
                        )
                    _check_regionless(resource, parts)

    @staticmethod
    def _action_vendors(raw: list[_RawStatement]) -> None:
        for statement in raw:
            for action in _strings(statement.data.get("Action", statement.data.get("NotAction"))):
                if action == "*":
                    continue
                parts = action.split(":")
                if len(parts) == 1:
                    raise MalformedPolicyError(
                        "Actions/Conditions must be prefaced by a vendor, "
                        "e.g., iam, sdb, ec2, etc.",
                        f"Write {action!r} as service:Action, e.g. elasticmapreduce:{action}.",
                    )
                if len(parts) > 2:
                    raise MalformedPolicyError(
                        "Actions/Condition can contain only one colon.",
                        f"Fix the action {action!r}.",
                    )
                if not _VENDOR.fullmatch(parts[0]):
                    raise MalformedPolicyError(
                        f"Vendor {parts[0]} is not valid",
                        f"Fix the service prefix of the action {action!r}.",
                    )

    def _kind_rules(self, raw: list[_RawStatement]) -> None:
        kind = self.kind
        for statement in raw:
            data = statement.data
            where = f"statement {statement.index + 1}"
            has_principal = "Principal" in data or "NotPrincipal" in data
            if kind.requires_principal:
                if not has_principal:
                    raise MalformedPolicyError(
                        "Missing required field Principal",
                        f"Add a Principal to {where}, e.g. "
                        '{"AWS": "arn:aws:iam::111111111111:root"}.',
                    )
                for element in ("Principal", "NotPrincipal"):
                    if element in data:
                        _validate_principal_values(data[element])
            elif has_principal:
                raise MalformedPolicyError(
                    "Policy document should not specify a principal.",
                    f"Remove Principal from {where}: {kind.value} policies apply to the "
                    "identity they are attached to.",
                )
            has_resource = "Resource" in data or "NotResource" in data
            if kind is PolicyKind.TRUST:
                for action in _strings(data.get("Action", data.get("NotAction"))):
                    if not _trust_action_known(action):
                        raise MalformedPolicyError(
                            TRUST_ACTIONS,
                            f"Replace {action!r} in {where} with sts:AssumeRole; grant other "
                            "actions in the role's permission policies.",
                        )
                if has_resource:
                    raise MalformedPolicyError(
                        "Has prohibited field Resource.",
                        f"Remove Resource from {where}: a trust policy applies to its role.",
                    )
            elif kind is not PolicyKind.RESOURCE:
                resources = data.get("Resource", data.get("NotResource"))
                if resources is None or resources == []:
                    raise MalformedPolicyError(
                        "Policy statement must contain resources.",
                        f'Add a Resource to {where} (an ARN, or "*").',
                    )
            sid = data.get("Sid")
            if kind.is_iam_policy and sid and not _SID_IAM.fullmatch(sid):
                raise MalformedPolicyError(
                    "Statement IDs (SID) must be alpha-numeric. Check that your input "
                    "satisfies the regular expression [0-9A-Za-z]*",
                    f"Remove the characters other than letters and digits from Sid {sid!r}.",
                )

    # -- building ----------------------------------------------------------

    def _build(self, data: dict[str, Any], variables: bool) -> Statement:
        not_action = "NotAction" in data
        actions = tuple(_strings(data["NotAction" if not_action else "Action"]))
        not_resource = "NotResource" in data
        resources: tuple[Template, ...] | None = None
        if "Resource" in data or not_resource:
            resources = tuple(
                parse_template(r, variables=variables)
                for r in _strings(data["NotResource" if not_resource else "Resource"])
            )
        not_principal = "NotPrincipal" in data
        principal: PrincipalSpec | None = None
        if "Principal" in data or not_principal:
            principal = _principal_spec(data["NotPrincipal" if not_principal else "Principal"])
        conditions: list[ConditionClause] = []
        for operator_name, keys in data.get("Condition", {}).items():
            operator = ConditionOperator.parse(operator_name)
            if operator is None:
                continue  # an unknown operator with an empty block: nothing to test
            substitute = variables and operator.base.takes_variables
            for key, values in keys.items():
                items = values if isinstance(values, list) else [values]
                conditions.append(
                    ConditionClause(
                        operator,
                        key,
                        tuple(
                            parse_template(_condition_text(v), variables=substitute) for v in items
                        ),
                    )
                )
        return Statement(
            effect=Effect(data["Effect"]),
            actions=actions,
            not_action=not_action,
            resources=resources,
            not_resource=not_resource,
            principal=principal,
            not_principal=not_principal,
            conditions=tuple(conditions),
            sid=data.get("Sid"),
        )


def _as_arn(parts: list[str]) -> str:
    """A resource read as IAM reads it to name a bad partition: six parts, ``*`` for missing."""
    rest = parts[2:]
    service = rest[0] if rest and (rest[0] != "" or len(rest) > 1) else "*"
    region = rest[1] if len(rest) > 1 else "*"
    account = rest[2] if len(rest) > 2 else "*"
    resource = ":".join(rest[3:]) if len(rest) > 3 else "*"
    return f"arn:{parts[1]}:{service}:{region}:{account}:{resource}"


def _check_regionless(resource: str, parts: list[str]) -> None:
    """IAM and S3 ARNs carry no region; an IAM ARN's path starts with a resource type."""
    service = parts[2]
    region = parts[3] if len(parts) > 3 else ""
    path = ":".join(parts[5:]) if len(parts) > 5 else ""
    if service == "iam":
        if region:
            raise MalformedPolicyError(
                f"IAM resource {resource} cannot contain region information.",
                "IAM is global: leave the region empty (arn:aws:iam::111111111111:role/name).",
            )
        if path != "*" and "${" not in path and not path.startswith(IAM_RESOURCE_TYPES):
            raise MalformedPolicyError(
                'IAM resource path must either be "*" or start with '
                f"{', '.join(IAM_RESOURCE_TYPES)}.",
                f"Fix {resource!r}: name the resource type, e.g. arn:aws:iam::111111111111:role/x.",
            )
    elif service == "s3" and region and not path.startswith("accesspoint/"):
        raise MalformedPolicyError(
            f"Resource {resource} can not contain region information.",
            "S3 bucket and object ARNs have no region: arn:aws:s3:::bucket/key.",
        )


def _trust_action_known(action: str) -> bool:
    service, _, name = action.partition(":")
    if service.lower() != "sts":
        return False
    if "*" in name or "?" in name:
        pattern = re.compile(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name),
            re.IGNORECASE,
        )
        return any(pattern.fullmatch(known) for known in STS_ACTIONS)
    return name.lower() in (known.lower() for known in STS_ACTIONS)


def _is_string_or_strings(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _is_condition_scalar(value: Any) -> bool:
    return isinstance(value, (str, bool, int, float))


def _condition_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strings(value: Any) -> Sequence[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _principal_spec(value: Any) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(wildcard=True)
    return PrincipalSpec(entries=tuple((t, tuple(_strings(vs))) for t, vs in value.items()))


def _valid_principal_value(principal_type: str, value: str) -> bool:
    if principal_type == "AWS":
        return value == "*" or any(
            pattern.fullmatch(value) for pattern in (_ACCOUNT_ID, _AWS_PRINCIPAL_ARN, _UNIQUE_ID)
        )
    if principal_type == "Service":
        return bool(_SERVICE_PRINCIPAL.fullmatch(value))
    if principal_type == "CanonicalUser":
        return bool(_CANONICAL_USER.fullmatch(value))
    return bool(value.strip())


def _validate_principal_values(value: Any) -> None:
    if value == "*":
        return
    for principal_type, values in value.items():
        for item in _strings(values):
            if not _valid_principal_value(principal_type, item):
                raise MalformedPolicyError(
                    f'Invalid principal in policy: "{principal_type.upper()}":"{item}"',
                    "Name a principal by account ID, account root ARN "
                    "(arn:aws:iam::111111111111:root), user or role ARN, or service "
                    "(elasticmapreduce.amazonaws.com).",
                )
