"""The seed's identity set-up, exactly: a discovery role in the EMR account B that trusts the
Studio account A, and callers of A that assume it to discover B's clusters.

Without the trust, without the caller's permission, or with a Deny added, the call fails
with AccessDenied and an explanation of the missing piece.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from clusterport.cli.seed.world import DISCOVERY_ROLE, EXECUTION_ROLE, discovery_policy
from clusterport.errors import AccessDeniedError
from clusterport.services import identity
from clusterport.services.authorization import authorize
from clusterport.services.base import RequestContext
from conftest import RunningServer
from iam_support import (
    account_root,
    allow,
    assume,
    client,
    create_user,
    deny,
    error_of,
    policy,
    trust,
)

A = "111111111111"
B = "222222222222"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{B}:role/{DISCOVERY_ROLE}"

# The issue's policy, with us-east-1 / 222222222222 / 111111111111 filled in.
ISSUE_POLICY = json.loads(
    """
{"Version":"2012-10-17","Statement":[
 {"Sid":"AllowPresignedUrl","Effect":"Allow","Action":["elasticmapreduce:DescribeCluster","elasticmapreduce:ListInstanceGroups","elasticmapreduce:CreatePersistentAppUI","elasticmapreduce:DescribePersistentAppUI","elasticmapreduce:GetPersistentAppUIPresignedURL","elasticmapreduce:GetOnClusterAppUIPresignedURL"],"Resource":["arn:aws:elasticmapreduce:us-east-1:222222222222:cluster/*"]},
 {"Sid":"AllowClusterDetailsDiscovery","Effect":"Allow","Action":["elasticmapreduce:DescribeCluster","elasticmapreduce:ListInstanceGroups"],"Resource":["arn:aws:elasticmapreduce:us-east-1:222222222222:cluster/*"]},
 {"Sid":"AllowClusterDiscovery","Effect":"Allow","Action":["elasticmapreduce:ListClusters"],"Resource":"*"},
 {"Sid":"AllowRoleAssumptionForCrossAccountDiscovery","Effect":"Allow","Action":"sts:AssumeRole","Resource":["arn:aws:iam::111111111111:role/studio-execution-role"]},
 {"Sid":"AllowEMRTemplateDiscovery","Effect":"Allow","Action":["servicecatalog:SearchProducts"],"Resource":"*"}]}
"""
)


@dataclass
class Seed:
    """The seed's identities: B's discovery role and A's callers."""

    studio_user: boto3.Session
    execution_role_arn: str


@pytest.fixture(scope="module")
def seed(server: RunningServer) -> Seed:
    b_iam = server.client("iam", B)
    b_iam.create_role(
        RoleName=DISCOVERY_ROLE,
        AssumeRolePolicyDocument=trust(account_root(A)),
        Description="Lets Studio users of account A discover EMR clusters of B",
    )
    b_iam.put_role_policy(
        RoleName=DISCOVERY_ROLE, PolicyName="emr-discovery", PolicyDocument=json.dumps(ISSUE_POLICY)
    )
    a_iam = server.client("iam", A)
    execution = a_iam.create_role(
        RoleName=EXECUTION_ROLE, AssumeRolePolicyDocument=trust(account_root(A))
    )
    a_iam.put_role_policy(
        RoleName=EXECUTION_ROLE,
        PolicyName="assume-discovery",
        PolicyDocument=policy(allow("sts:AssumeRole", ROLE_ARN)),
    )
    user = create_user(server, A, "studio-user", policy(allow("sts:AssumeRole", ROLE_ARN)))
    return Seed(studio_user=user, execution_role_arn=execution["Role"]["Arn"])


@pytest.fixture
def b_role_policy(server: RunningServer) -> Iterator[Any]:
    """B's IAM client; the discovery role's trust policy is restored after the test."""
    iam = server.client("iam", B)
    original = iam.get_role(RoleName=DISCOVERY_ROLE)["Role"]["AssumeRolePolicyDocument"]
    try:
        yield iam
    finally:
        iam.update_assume_role_policy(RoleName=DISCOVERY_ROLE, PolicyDocument=json.dumps(original))
        for name in iam.list_role_policies(RoleName=DISCOVERY_ROLE)["PolicyNames"]:
            if name != "emr-discovery":
                iam.delete_role_policy(RoleName=DISCOVERY_ROLE, PolicyName=name)


def _context(
    server: RunningServer, session: boto3.Session, service: str, operation: str
) -> RequestContext:
    key = session.get_credentials().access_key
    with server.platform.db.session() as db:
        known = identity.lookup_key(db, server.platform.secrets, key)
    assert known is not None
    return RequestContext(
        platform=server.platform,
        principal=known.principal,
        region=REGION,
        service=service,
        operation=operation,
        request_id=str(uuid.uuid4()),
        source_ip="127.0.0.1",
        now=server.platform.now(),
    )


def test_the_seed_builder_uses_exactly_the_issue_policy() -> None:
    assert discovery_policy(REGION, B, A) == ISSUE_POLICY


def test_studio_user_of_a_assumes_bs_role_and_lists_its_clusters(
    server: RunningServer, seed: Seed
) -> None:
    stored = server.client("iam", B).get_role_policy(
        RoleName=DISCOVERY_ROLE, PolicyName="emr-discovery"
    )
    assert stored["PolicyDocument"] == ISSUE_POLICY
    discovery = assume(server, seed.studio_user, ROLE_ARN, "SageMakerStudioUser")
    me = client(server, discovery, "sts").get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{B}:assumed-role/{DISCOVERY_ROLE}/SageMakerStudioUser"

    emr = client(server, discovery, "emr", REGION)
    assert emr.list_clusters(ClusterStates=["RUNNING", "WAITING"])["Clusters"] == []
    # DescribeCluster is allowed on B's clusters: the answer is EMR's own, not AccessDenied.
    code, _, _ = error_of(lambda: emr.describe_cluster(ClusterId="j-NOSUCHCLUSTER"))
    assert code != "AccessDeniedException"
    # Anything the policy does not grant is refused, naming where to add it.
    code, message, _ = error_of(lambda: emr.terminate_job_flows(JobFlowIds=["j-NOSUCHCLUSTER"]))
    assert code == "AccessDeniedException"
    assert (
        f"User: {me['Arn']} is not authorized to perform: elasticmapreduce:TerminateJobFlows"
        in message
    )
    assert f"to a policy of role {DISCOVERY_ROLE} in account {B}." in message

    # Template discovery through Service Catalog is granted; administering the catalog is not.
    catalog = client(server, discovery, "servicecatalog", REGION)
    assert catalog.search_products()["ProductViewSummaries"] == []
    code, message, _ = error_of(catalog.list_portfolios)
    assert code == "AccessDeniedException" and "servicecatalog:ListPortfolios" in message

    # The template discovery and cluster-detail statements, checked on the decision itself.
    cluster = f"arn:aws:elasticmapreduce:{REGION}:{B}:cluster/j-1ABCDEFGHIJ"
    authorize(
        _context(server, discovery, "servicecatalog", "SearchProducts"),
        "servicecatalog:SearchProducts",
        ["*"],
    )
    emr_ctx = _context(server, discovery, "emr", "ListInstanceGroups")
    for action in (
        "ListInstanceGroups",
        "DescribeCluster",
        "GetOnClusterAppUIPresignedURL",
        "CreatePersistentAppUI",
    ):
        authorize(emr_ctx, f"elasticmapreduce:{action}", [cluster])
    with pytest.raises(AccessDeniedError) as denied:
        authorize(emr_ctx, "elasticmapreduce:ListSteps", [cluster])
    assert denied.value.code == "AccessDeniedException"
    assert f"elasticmapreduce:ListSteps on resource: {cluster}" in denied.value.message


def test_the_execution_role_of_a_chains_into_b(server: RunningServer, seed: Seed) -> None:
    execution = assume(server, server.session(A), seed.execution_role_arn, "studio")
    discovery = assume(server, execution, ROLE_ARN, "SageMakerStudioUser")
    assert client(server, discovery, "emr", REGION).list_clusters()["Clusters"] == []
    events = server.client("cloudtrail", B).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListClusters"}]
    )["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == ROLE_ARN


def test_without_the_trust_policy_the_role_cannot_be_assumed(
    server: RunningServer, seed: Seed, b_role_policy: Any
) -> None:
    b_role_policy.update_assume_role_policy(
        RoleName=DISCOVERY_ROLE, PolicyDocument=trust(account_root("333333333333"))
    )
    code, message, status = error_of(
        lambda: client(server, seed.studio_user, "sts").assume_role(
            RoleArn=ROLE_ARN, RoleSessionName="denied"
        )
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(
        f"User: arn:aws:iam::{A}:user/studio-user is not authorized to perform: sts:AssumeRole on "
        f"resource: {ROLE_ARN} because no resource-based policy allows the sts:AssumeRole action."
    )
    assert f"Add a statement to the trust policy of role {DISCOVERY_ROLE} in account {B}" in message
    assert f'{{"AWS": "arn:aws:iam::{A}:user/studio-user"}}' in message


def test_without_the_callers_permission_the_role_cannot_be_assumed(
    server: RunningServer, seed: Seed
) -> None:
    other = create_user(server, A, "no-discovery", policy(allow("s3:ListAllMyBuckets")))
    code, message, _ = error_of(
        lambda: client(server, other, "sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="denied")
    )
    assert code == "AccessDenied"
    assert (
        f"sts:AssumeRole on resource: {ROLE_ARN} because no identity-based policy allows" in message
    )
    hint = f"Add an Allow for sts:AssumeRole on {ROLE_ARN} to a policy of user no-discovery"
    assert f"{hint} in account {A}." in message


def test_a_deny_in_the_role_overrides_the_issue_policy(
    server: RunningServer, seed: Seed, b_role_policy: Any
) -> None:
    b_role_policy.put_role_policy(
        RoleName=DISCOVERY_ROLE,
        PolicyName="freeze",
        PolicyDocument=policy(deny("elasticmapreduce:ListClusters", Sid="NoDiscoveryToday")),
    )
    discovery = assume(server, seed.studio_user, ROLE_ARN, "SageMakerStudioUser")
    code, message, _ = error_of(client(server, discovery, "emr", REGION).list_clusters)
    assert code == "AccessDeniedException"
    assert (
        "elasticmapreduce:ListClusters with an explicit deny in an identity-based policy."
        in message
    )
    assert (
        f"Deny statement 'NoDiscoveryToday' in inline policy freeze of role {DISCOVERY_ROLE}"
        in message
    )


def test_a_deny_in_the_callers_policy_stops_the_assumption(
    server: RunningServer, seed: Seed
) -> None:
    guarded = create_user(
        server,
        A,
        "guarded-user",
        policy(
            allow("sts:AssumeRole", ROLE_ARN), deny("sts:AssumeRole", f"arn:aws:iam::{B}:role/*")
        ),
    )
    code, message, _ = error_of(
        lambda: client(server, guarded, "sts").assume_role(
            RoleArn=ROLE_ARN, RoleSessionName="denied"
        )
    )
    assert code == "AccessDenied"
    assert "with an explicit deny in an identity-based policy" in message
    assert "statement 2 in inline policy inline0 of user guarded-user" in message
