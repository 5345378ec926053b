"""Wire tests in both directions, generated from the shapes of every operation in scope.

Requests: botocore serializes generated parameters; our protocol parses them back.
Responses: our serializer writes a generated result; botocore parses it back.

Operations are grouped in chunks of :data:`CHUNK` per test case, each example drawing
every operation of its chunk: hypothesis's pytest plugin nests a parametrized test's
settings once per case, and nearly two thousand cases of one test overflow the stack.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterport.gateway.protocols.base import WireRequest
from clusterport.gateway.routing import Router
from clusterport.services.service_models import ServiceInfo
from clusterport.services.shapes import decode
from conftest import served_models
from wire_support import for_shape, normalize

MODELS = served_models()
ROUTER = Router(MODELS)
WIRE_SETTINGS = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _operations() -> list[tuple[str, str, str]]:
    cases = []
    for service in MODELS:
        for protocol in service.protocols:
            for name in service.model.operation_names:
                op = service.model.operation_model(name)
                if op.has_event_stream_input or op.has_event_stream_output:
                    continue
                cases.append((service.name, protocol, name))
    return cases


CHUNK = 10


def _chunks() -> list[tuple[str, str, tuple[str, ...]]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for service, protocol, name in _operations():
        grouped.setdefault((service, protocol), []).append(name)
    return [
        (service, protocol, tuple(names[i : i + CHUNK]))
        for (service, protocol), names in grouped.items()
        for i in range(0, len(names), CHUNK)
    ]


CASES = _chunks()
IDS = [f"{service}-{protocol}-{ops[0]}..{ops[-1]}" for service, protocol, ops in CASES]


def _protocol(service: ServiceInfo, protocol: str) -> Any:
    return {
        "json": ROUTER.json,
        "smithy-rpc-v2-cbor": ROUTER.cbor,
        "query": ROUTER.query,
        "ec2": ROUTER.ec2,
    }[protocol]


def _without_tokens(op: OperationModel, parsed: dict[str, Any], sent: dict[str, Any]) -> None:
    shape = op.input_shape
    if shape is None:
        return
    for name, member in shape.members.items():
        if member.metadata.get("idempotencyToken") and name not in sent:
            parsed.pop(name, None)


@pytest.mark.parametrize(("service_name", "protocol_name", "operations"), CASES, ids=IDS)
@WIRE_SETTINGS
@given(data=st.data())
def test_request_round_trip(
    service_name: str, protocol_name: str, operations: tuple[str, ...], data: st.DataObject
) -> None:
    for operation in operations:
        check_request(service_name, protocol_name, operation, data)


@pytest.mark.parametrize(("service_name", "protocol_name", "operations"), CASES, ids=IDS)
@WIRE_SETTINGS
@given(data=st.data())
def test_response_round_trip(
    service_name: str, protocol_name: str, operations: tuple[str, ...], data: st.DataObject
) -> None:
    for operation in operations:
        check_response(service_name, protocol_name, operation, data)


def check_request(
    service_name: str, protocol_name: str, operation: str, data: st.DataObject
) -> None:
    service = MODELS.get(service_name)
    op = service.model.operation_model(operation)
    params = (
        data.draw(for_shape(op.input_shape), label=f"{operation} input")
        if op.input_shape is not None
        else {}
    )
    serialized = create_serializer(protocol_name, include_validation=False).serialize_to_request(
        params, op
    )
    body = serialized["body"]
    if isinstance(body, dict):  # the query serializers hand back the form as a dict
        body = urlencode(body)
    raw_body = body.encode() if isinstance(body, str) else bytes(body or b"")
    url_path = serialized.get("url_path", "/")
    query = serialized.get("query_string", "")
    headers = {k.lower(): v for k, v in serialized["headers"].items()}
    request = WireRequest(
        method=serialized["method"],
        path=urlsplit(url_path).path or "/",
        query=query if isinstance(query, str) else "",
        headers=headers,
        body=raw_body,
    )
    protocol = _protocol(service, protocol_name)
    assert protocol.operation_name(request, service) == operation, operation
    raw = protocol.raw_params(request, op)
    parsed = decode(op.input_shape, raw, textual=protocol.textual) if op.input_shape else {}
    _without_tokens(op, parsed, params)
    assert normalize(parsed) == normalize(params), operation


def check_response(
    service_name: str, protocol_name: str, operation: str, data: st.DataObject
) -> None:
    service = MODELS.get(service_name)
    op = service.model.operation_model(operation)
    if op.output_shape is None:
        return
    result = data.draw(for_shape(op.output_shape), label=f"{operation} output")
    protocol = _protocol(service, protocol_name)
    reply = protocol.serialize(op, result, "req-1")
    parsed = create_parser(protocol_name).parse(
        {"body": reply.body, "headers": reply.headers, "status_code": reply.status},
        op.output_shape,
    )
    assert normalize(parsed) == normalize(result), operation
