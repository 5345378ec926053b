"""Smithy RPC v2 CBOR: ``POST /service/<Service>/operation/<Operation>`` with a CBOR body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cbor2
from botocore.model import OperationModel

from clusterport.errors import ServiceError, ValidationError
from clusterport.gateway.protocols.base import Protocol, WireRequest, WireResponse
from clusterport.gateway.protocols.values import to_typed
from clusterport.services.service_models import ServiceInfo


def rpc_v2_path(path: str) -> tuple[str, str] | None:
    """``(service, operation)`` from an RPC v2 path, or None."""
    parts = path.strip("/").split("/")
    if len(parts) == 4 and parts[0] == "service" and parts[2] == "operation":
        return parts[1], parts[3]
    return None


class CborProtocol(Protocol):
    """The ``smithy-rpc-v2-cbor`` protocol (Service Catalog's first)."""

    name = "smithy-rpc-v2-cbor"

    def operation_name(self, request: WireRequest, service: ServiceInfo) -> str | None:
        found = rpc_v2_path(request.path)
        return found[1] if found else None

    def raw_params(self, request: WireRequest, op: OperationModel) -> Any:
        if not request.body:
            return {}
        try:
            data = cbor2.loads(request.body)
        except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
            raise ValidationError(
                "The request body is not valid CBOR.", code="SerializationException"
            ) from exc
        if not isinstance(data, dict):
            raise ValidationError(
                "The request body must be a CBOR map.", code="SerializationException"
            )
        return data

    def _headers(self, request_id: str) -> dict[str, str]:
        return {
            "content-type": "application/cbor",
            "smithy-protocol": "rpc-v2-cbor",
            "x-amzn-requestid": request_id,
        }

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> WireResponse:
        shape = op.output_shape
        payload = to_typed(shape, result, binary=True) if shape is not None else {}
        body = cbor2.dumps(payload, datetime_as_timestamp=True, timezone=None)
        return WireResponse(status=200, body=body, headers=self._headers(request_id))

    def serialize_error(
        self, service: ServiceInfo, error: ServiceError, request_id: str
    ) -> WireResponse:
        shape_ns = service.model.metadata.get("targetPrefix", service.name)
        body = cbor2.dumps(
            {**error.fields, "__type": f"{shape_ns}#{error.code}", "message": error.message}
        )
        return WireResponse(status=error.status, body=body, headers=self._headers(request_id))
