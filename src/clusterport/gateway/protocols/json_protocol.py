"""AWS JSON 1.0/1.1: ``POST /`` with ``X-Amz-Target: Prefix.Operation`` and a JSON body."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel

from clusterport.errors import ServiceError, ValidationError
from clusterport.gateway.protocols.base import Protocol, WireRequest, WireResponse
from clusterport.gateway.protocols.values import to_typed
from clusterport.services.service_models import ServiceInfo


class JsonProtocol(Protocol):
    """The ``json`` protocol (EMR, SageMaker, CloudTrail, Service Catalog's second)."""

    name = "json"

    def operation_name(self, request: WireRequest, service: ServiceInfo) -> str | None:
        target = request.headers.get("x-amz-target", "")
        prefix, _, operation = target.rpartition(".")
        return operation if prefix and operation else None

    def raw_params(self, request: WireRequest, op: OperationModel) -> Any:
        if not request.body.strip():
            return {}
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as exc:
            raise ValidationError(
                "The request body is not valid JSON.", code="SerializationException"
            ) from exc
        if not isinstance(data, dict):
            raise ValidationError(
                "The request body must be a JSON object.", code="SerializationException"
            )
        return data

    def _content_type(self, service: ServiceInfo) -> str:
        version = service.model.metadata.get("jsonVersion", "1.1")
        return f"application/x-amz-json-{version}"

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> WireResponse:
        shape = op.output_shape
        payload = to_typed(shape, result, binary=False) if shape is not None else {}
        version = op.service_model.metadata.get("jsonVersion", "1.1")
        return WireResponse(
            status=200,
            body=json.dumps(payload, separators=(",", ":")).encode(),
            headers={
                "content-type": f"application/x-amz-json-{version}",
                "x-amzn-requestid": request_id,
            },
        )

    def serialize_error(
        self, service: ServiceInfo, error: ServiceError, request_id: str
    ) -> WireResponse:
        body = {**error.fields, "__type": error.code, "message": error.message}
        return WireResponse(
            status=error.status,
            body=json.dumps(body).encode(),
            headers={
                "content-type": self._content_type(service),
                "x-amzn-requestid": request_id,
                "x-amzn-errortype": error.code,
            },
        )
