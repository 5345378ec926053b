"""The interface every wire protocol implements, and the request/response it speaks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel

from clusterport.errors import ServiceError, ValidationError
from clusterport.services.service_models import ServiceInfo
from clusterport.services.shapes import ShapeConstraintError, ShapeTypeError, decode, validate

#: The largest request body any protocol accepts (AWS's own limits are smaller per service).
MAX_BODY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class WireRequest:
    """An HTTP request as the gateway received it; header names are lower case."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    client_ip: str = "127.0.0.1"
    secure: bool = False


@dataclass
class WireResponse:
    """An HTTP response ready to send."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Protocol(ABC):
    """One AWS wire protocol: find the operation, parse input, serialize output and errors."""

    name: str
    #: How the protocol names a validation failure and a type (serialization) failure.
    type_error_code: str = "SerializationException"

    @abstractmethod
    def operation_name(self, request: WireRequest, service: ServiceInfo) -> str | None:
        """The operation the request names, or None when it names none."""

    @abstractmethod
    def raw_params(self, request: WireRequest, op: OperationModel) -> Any:
        """The request's parameters as plain values, before shape coercion."""

    @abstractmethod
    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> WireResponse:
        """The HTTP response for a successful call."""

    @abstractmethod
    def serialize_error(
        self, service: ServiceInfo, error: ServiceError, request_id: str
    ) -> WireResponse:
        """The HTTP response for a failed call, in the protocol's error format."""

    #: Whether scalars arrive as text (query protocols) or typed (JSON, CBOR).
    textual: bool = False

    def parse(
        self, request: WireRequest, op: OperationModel, service: ServiceInfo
    ) -> dict[str, Any]:
        """The validated input parameters of ``op`` carried by ``request``."""
        shape = op.input_shape
        raw = self.raw_params(request, op)
        if shape is None:
            return {}
        try:
            params = decode(shape, raw if raw is not None else {}, textual=self.textual)
        except ShapeTypeError as exc:
            raise ValidationError(
                f"Could not read the request for {op.name}: {exc}",
                code=self.type_error_code,
            ) from exc
        violations = validate(shape, params)
        if violations:
            error = ShapeConstraintError(violations)
            raise ValidationError(str(error), code=validation_code(service))
        assert isinstance(params, dict)
        return params


_VALIDATION_CODES = {
    "iam": "ValidationError",
    "sts": "ValidationError",
    "cloudformation": "ValidationError",
    "ec2": "InvalidParameterValue",
    "servicecatalog": "InvalidParametersException",
    "cloudtrail": "InvalidParameterException",
}


def validation_code(service: ServiceInfo) -> str:
    """The error code a service uses for a parameter that breaks its constraints."""
    return _VALIDATION_CODES.get(service.name, "ValidationException")
