"""CloudTrail LookupEvents over the audit trail: attributes, time range, paging, isolation."""

from __future__ import annotations

import datetime as dt
import json

from botocore.config import Config

from conftest import RunningServer
from iam_support import (
    account_root,
    allow,
    assume,
    client,
    create_role,
    create_user,
    error_of,
    policy,
    trust,
)

E = "400000000001"
F = "400000000002"


def test_calls_are_found_by_each_lookup_attribute(server: RunningServer) -> None:
    iam = server.client("iam", E)
    iam.create_role(RoleName="audited-role", AssumeRolePolicyDocument=trust(account_root(E)))
    iam.get_role(RoleName="audited-role")
    user = create_user(server, E, "auditor", policy(allow("iam:ListRoles")))
    client(server, user, "iam").list_roles()
    trail = server.client("cloudtrail", E)

    by_name = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateRole"}]
    )
    assert [e["EventName"] for e in by_name["Events"]] == ["CreateRole"]
    event = by_name["Events"][0]
    assert event["EventSource"] == "iam.amazonaws.com" and event["Username"] == "root"
    assert event["ReadOnly"] == "false"
    assert event["Resources"] == [
        {"ResourceType": "AWS::IAM::Role", "ResourceName": f"arn:aws:iam::{E}:role/audited-role"}
    ]
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventID"] == event["EventId"] and record["recipientAccountId"] == E
    assert record["requestParameters"]["RoleName"] == "audited-role"
    assert record["userIdentity"]["type"] == "Root"

    by_user = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "auditor"}]
    )
    assert [e["EventName"] for e in by_user["Events"]] == ["ListRoles"]
    key_id = by_user["Events"][0]["AccessKeyId"]
    by_key = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": key_id}]
    )
    assert [e["EventName"] for e in by_key["Events"]] == ["ListRoles"]
    by_id = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": event["EventId"]}]
    )["Events"]
    assert [e["EventId"] for e in by_id] == [event["EventId"]]
    by_resource = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "audited-role"}]
    )["Events"]
    assert [e["EventName"] for e in by_resource] == ["GetRole", "CreateRole"]  # newest first
    by_type = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceType", "AttributeValue": "AWS::IAM::Role"}]
    )["Events"]
    assert {e["EventName"] for e in by_type} >= {"GetRole", "CreateRole"}
    read_only = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
    )["Events"]
    assert read_only and all(e["ReadOnly"] == "true" for e in read_only)
    sources = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "sts.amazonaws.com"}]
    )["Events"]
    assert all(e["EventSource"] == "sts.amazonaws.com" for e in sources)


def test_each_account_sees_only_its_own_events(server: RunningServer) -> None:
    server.client("iam", F).create_user(UserName="only-in-f")
    mine = server.client("cloudtrail", F).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    )["Events"]
    assert [json.loads(e["CloudTrailEvent"])["requestParameters"]["UserName"] for e in mine] == [
        "only-in-f"
    ]
    other = server.client("cloudtrail", "400000000003").lookup_events()["Events"]
    assert all(
        json.loads(e["CloudTrailEvent"])["recipientAccountId"] == "400000000003" for e in other
    )
    assert not [e for e in other if e["EventName"] == "CreateUser"]


def test_assumed_role_events_name_the_session_and_its_issuer(server: RunningServer) -> None:
    role_arn = create_role(
        server, F, "Traced", trust(account_root(F)), policy(allow("iam:ListRoles"))
    )
    session = assume(server, server.session(F), role_arn, "traced-session")
    client(server, session, "iam").list_roles()
    events = server.client("cloudtrail", F).lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "traced-session"}]
    )["Events"]
    assert [e["EventName"] for e in events] == ["ListRoles"]
    identity = json.loads(events[0]["CloudTrailEvent"])["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{F}:assumed-role/Traced/traced-session"
    assert identity["sessionContext"]["sessionIssuer"]["arn"] == role_arn
    assume_events = server.client("cloudtrail", F).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    )["Events"]
    parameters = json.loads(assume_events[0]["CloudTrailEvent"])["requestParameters"]
    assert parameters["RoleArn"] == role_arn and parameters["RoleSessionName"] == "traced-session"


def test_paging_and_time_range(server: RunningServer) -> None:
    account = "400000000004"
    iam = server.client("iam", account)
    for index in range(7):
        iam.create_user(UserName=f"paged-{index}")
    trail = server.client("cloudtrail", account)
    lookup = [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs: dict[str, str] = {"NextToken": token} if token else {}
        page = trail.lookup_events(LookupAttributes=lookup, MaxResults=3, **kwargs)
        seen += [
            json.loads(e["CloudTrailEvent"])["requestParameters"]["UserName"]
            for e in page["Events"]
        ]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert seen == [f"paged-{index}" for index in reversed(range(7))]
    paginated = trail.get_paginator("lookup_events").paginate(
        LookupAttributes=lookup, PaginationConfig={"PageSize": 2}
    )
    assert len([e for p in paginated for e in p["Events"]]) == 7

    now = dt.datetime.now(dt.UTC)
    assert (
        len(
            trail.lookup_events(LookupAttributes=lookup, StartTime=now - dt.timedelta(hours=1))[
                "Events"
            ]
        )
        == 7
    )
    assert (
        trail.lookup_events(LookupAttributes=lookup, EndTime=now - dt.timedelta(hours=1))["Events"]
        == []
    )

    first = trail.lookup_events(LookupAttributes=lookup, MaxResults=3)
    code, message, _ = error_of(
        lambda: trail.lookup_events(MaxResults=3, NextToken=first["NextToken"])
    )
    assert code == "InvalidNextTokenException" and "same lookup" in message
    code, _, _ = error_of(lambda: trail.lookup_events(NextToken="not-a-token"))
    assert code == "InvalidNextTokenException"


def test_invalid_lookups_are_refused(server: RunningServer) -> None:
    trail = server.client("cloudtrail", E)
    code, message, status = error_of(
        lambda: trail.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "CreateRole"},
                {"AttributeKey": "Username", "AttributeValue": "root"},
            ]
        )
    )
    assert (code, status) == (
        "InvalidLookupAttributesException",
        400,
    ) and "more than one" in message
    now = dt.datetime.now(dt.UTC)
    code, _, _ = error_of(
        lambda: trail.lookup_events(StartTime=now, EndTime=now - dt.timedelta(days=1))
    )
    assert code == "InvalidTimeRangeException"
    unchecked = server.client("cloudtrail", E, config=Config(parameter_validation=False))
    code, _, _ = error_of(lambda: unchecked.lookup_events(MaxResults=500))
    assert code == "InvalidParameterException"


def test_the_roles_account_sees_who_assumed_its_role(server: RunningServer) -> None:
    role_arn = create_role(server, "400000000005", "Shared", trust(account_root(E)))
    assume(server, server.session(E), role_arn, "visitor")
    events = server.client("cloudtrail", "400000000005").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    )["Events"]
    assert len(events) == 1
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["recipientAccountId"] == "400000000005"
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{E}:root"
    assert record["requestParameters"]["RoleSessionName"] == "visitor"
    assert events[0]["Resources"] == [{"ResourceType": "AWS::IAM::Role", "ResourceName": role_arn}]
