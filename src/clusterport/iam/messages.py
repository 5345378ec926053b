"""The AccessDenied message, in AWS's current form.

::

    User: <caller ARN> is not authorized to perform: <action>[ on resource: <ARN>]
        because no <policy type> allows the <action> action
    User: <caller ARN> is not authorized to perform: <action>[ on resource: <ARN>]
        with an explicit deny in a[n] <policy type>[: <policy ARN>]

(one line). The resource part is left out for actions on ``"*"``; the policy
ARN is given for a denying managed identity policy or permissions boundary.
Which statement decided is in :attr:`PolicyDecision.deciding`, not in the
message, exactly as AWS keeps it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from clusterport.iam.documents import PolicyKind
from clusterport.iam.evaluation import (
    MISSING_BOUNDARY,
    MISSING_IDENTITY,
    MISSING_RESOURCE,
    MISSING_SESSION,
    DecisionOutcome,
    PolicyDecision,
)
from clusterport.iam.request import AuthorizationRequest

_KIND_NAMES: Mapping[PolicyKind, str] = MappingProxyType(
    {
        PolicyKind.IDENTITY: MISSING_IDENTITY,
        PolicyKind.BOUNDARY: MISSING_BOUNDARY,
        PolicyKind.SESSION: MISSING_SESSION,
        PolicyKind.RESOURCE: MISSING_RESOURCE,
        PolicyKind.TRUST: MISSING_RESOURCE,
    }
)


def access_denied_message(request: AuthorizationRequest, decision: PolicyDecision) -> str:
    """The message of the AccessDenied error for a denied request."""
    if decision.allowed:
        raise ValueError("the request was allowed; there is no AccessDenied message for it")
    action = request.action
    head = f"User: {request.principal.arn} is not authorized to perform: {action}"
    if request.resource != "*":
        head += f" on resource: {request.resource}"
    if decision.outcome is DecisionOutcome.EXPLICIT_DENY and decision.deciding:
        ref = decision.deciding[0]
        kind_name = _KIND_NAMES[ref.policy_kind]
        article = "an" if kind_name[0] in "aeiou" else "a"
        tail = f" with an explicit deny in {article} {kind_name}"
        if ref.policy_arn and ref.policy_kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY):
            tail += f": {ref.policy_arn}"
        return head + tail
    missing = decision.missing or MISSING_IDENTITY
    return f"{head} because no {missing} allows the {action} action"
