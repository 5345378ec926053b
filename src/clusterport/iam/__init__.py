"""The IAM policy engine: pure evaluation of IAM policies, as AWS documents it.

No I/O, no store, no clock: the service layer loads policies and passes them
in with the request (the current time travels as ``aws:CurrentTime`` in the
request context).

- :func:`parse_policy` validates a document as IAM does on write.
- :func:`evaluate` decides one :class:`AuthorizationRequest` against a
  :class:`PolicySet`; :func:`access_denied_message` words a denial as AWS does.
- :func:`simulate` backs ``SimulatePrincipalPolicy``/``SimulateCustomPolicy``.
- :func:`aws_managed_policy` serves the ``arn:aws:iam::aws:policy/…`` documents.
"""

from clusterport.iam.documents import (
    DEFAULT_QUOTAS,
    Effect,
    MalformedPolicyError,
    PolicyDocument,
    PolicyKind,
    PolicySizeError,
    PrincipalSpec,
    SizeQuota,
    Statement,
    parse_policy,
    policy_size,
    serialize_policy,
)
from clusterport.iam.evaluation import (
    MISSING_BOUNDARY,
    MISSING_IDENTITY,
    MISSING_RESOURCE,
    MISSING_SESSION,
    AttachmentKind,
    DecisionOutcome,
    NamedPolicy,
    PolicyDecision,
    PolicySet,
    StatementRef,
    evaluate,
)
from clusterport.iam.managed import (
    AWS_MANAGED_POLICY_ARNS,
    ManagedPolicyInfo,
    aws_managed_policies,
    aws_managed_policy,
    aws_managed_policy_info,
)
from clusterport.iam.messages import access_denied_message
from clusterport.iam.principals import PrincipalInfo, PrincipalKind
from clusterport.iam.request import AuthorizationRequest
from clusterport.iam.simulation import (
    EvalDecision,
    MatchedStatement,
    Position,
    SimulationResult,
    pair_count,
    simulate,
)

__all__ = [
    "AWS_MANAGED_POLICY_ARNS",
    "DEFAULT_QUOTAS",
    "MISSING_BOUNDARY",
    "MISSING_IDENTITY",
    "MISSING_RESOURCE",
    "MISSING_SESSION",
    "AttachmentKind",
    "AuthorizationRequest",
    "DecisionOutcome",
    "Effect",
    "EvalDecision",
    "MalformedPolicyError",
    "ManagedPolicyInfo",
    "MatchedStatement",
    "NamedPolicy",
    "PolicyDecision",
    "PolicyDocument",
    "PolicyKind",
    "PolicySet",
    "PolicySizeError",
    "Position",
    "PrincipalInfo",
    "PrincipalKind",
    "PrincipalSpec",
    "SimulationResult",
    "SizeQuota",
    "Statement",
    "StatementRef",
    "access_denied_message",
    "aws_managed_policies",
    "aws_managed_policy",
    "aws_managed_policy_info",
    "evaluate",
    "pair_count",
    "parse_policy",
    "policy_size",
    "serialize_policy",
    "simulate",
]
