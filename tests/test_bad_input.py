"""Bad input never gets a 500, a traceback or a hang: every parser, through the real pipeline."""

from __future__ import annotations

import json
from typing import Any

import cbor2
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RunningServer

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

#: (signing name, headers, path) for one operation of each protocol.
TARGETS: dict[str, tuple[str, dict[str, str], str]] = {
    "json": (
        "elasticmapreduce",
        {
            "X-Amz-Target": "ElasticMapReduce.ListClusters",
            "Content-Type": "application/x-amz-json-1.1",
        },
        "/",
    ),
    "cbor": (
        "servicecatalog",
        {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"},
        "/service/AWS242ServiceCatalogService/operation/SearchProducts",
    ),
    "query": ("sts", {"Content-Type": "application/x-www-form-urlencoded"}, "/"),
    "ec2": ("ec2", {"Content-Type": "application/x-www-form-urlencoded"}, "/"),
}


def send(server: RunningServer, kind: str, body: bytes) -> httpx.Response:
    signing, headers, path = TARGETS[kind]
    key = server.account("111111111111")
    request = AWSRequest(method="POST", url=server.url + path, data=body, headers=headers)
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), signing, "us-east-1").add_auth(
        request
    )
    return httpx.post(server.url + path, content=body, headers=dict(request.headers), timeout=30)


def assert_aws_error(reply: httpx.Response) -> None:
    assert reply.status_code < 500, reply.text
    assert "Traceback" not in reply.text
    if reply.status_code >= 400:
        ctype = reply.headers.get("content-type", "")
        if "json" in ctype:
            assert "__type" in reply.json()
        elif "cbor" in ctype:
            assert "__type" in cbor2.loads(reply.content)
        else:
            assert "<Code>" in reply.text


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("kind", sorted(TARGETS))
@FUZZ
@given(body=st.binary(max_size=2048))
def test_random_bodies(server: RunningServer, kind: str, body: bytes) -> None:
    assert_aws_error(send(server, kind, body))


@FUZZ
@given(
    doc=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_random_json_documents(server: RunningServer, doc: Any) -> None:
    body = json.dumps({"ClusterStates": doc, "Marker": doc}).encode()
    assert_aws_error(send(server, "json", body))


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("json", b"[" * 100_000),
        ("json", b'{"ClusterStates": ' + b"[" * 900 + b'"x"' + b"]" * 900 + b"}"),
        ("json", b'{"Marker": "' + b"a" * 3_000_000 + b'"}'),
        ("cbor", b"\x9f" * 50_000),
        ("cbor", cbor2.dumps({"Filters": nested(600)})),
        ("cbor", b"\xbb\xff\xff\xff\xff\xff\xff\xff\xff"),
        ("query", b"Action=GetCallerIdentity&" + b"&".join(b"a%d=1" % i for i in range(20_000))),
        ("query", b"Action=GetCallerIdentity&Version=2011-06-15&\xff\xfe=1"),
        ("ec2", b"Action=DescribeVpcs&Filter.999999999.Name=vpc-id"),
        ("ec2", b"Action=DescribeVpcs&MaxResults=notanumber"),
    ],
)
def test_hostile_bodies(server: RunningServer, kind: str, body: bytes) -> None:
    assert_aws_error(send(server, kind, body))
    # the server keeps serving
    assert server.client("sts").get_caller_identity()["Account"] == "111111111111"


def test_oversized_body_refused(server: RunningServer) -> None:
    reply = httpx.post(
        server.url + "/",
        content=b"x" * (9 * 1024 * 1024),
        headers={"X-Amz-Target": "ElasticMapReduce.ListClusters"},
    )
    assert reply.status_code == 413
    assert reply.json()["__type"] == "RequestEntityTooLargeException"


def test_type_and_constraint_errors_name_the_member(server: RunningServer) -> None:
    wrong_type = send(server, "json", json.dumps({"ClusterStates": 5}).encode())
    assert wrong_type.status_code == 400
    assert wrong_type.json()["__type"] == "SerializationException"
    bad_enum = send(server, "json", json.dumps({"ClusterStates": ["NOPE"]}).encode())
    assert bad_enum.status_code == 400
    payload = bad_enum.json()
    assert payload["__type"] == "ValidationException"
    assert "clusterStates.1.member" in payload["message"]
    assert "enum value set" in payload["message"]
    cbor_bad = send(server, "cbor", cbor2.dumps({"PageSize": "ten"}))
    assert cbor2.loads(cbor_bad.content)["__type"].endswith("#SerializationException")
    too_big = send(server, "cbor", cbor2.dumps({"PageSize": 100_000}))
    assert cbor2.loads(too_big.content)["__type"].endswith("#InvalidParametersException")
    ec2_bad = send(server, "ec2", b"Action=DescribeVpcs&Version=2016-11-15&MaxResults=x")
    assert "<Code>InvalidParameterValue</Code>" in ec2_bad.text
