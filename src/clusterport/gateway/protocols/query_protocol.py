"""The AWS query protocols: form-encoded requests, XML responses.

``query`` (STS, IAM, CloudFormation) and ``ec2`` differ only in how list and
structure members are named on the wire and how responses and errors are
wrapped; both are driven entirely by the shapes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from clusterport.errors import ServiceError, ValidationError
from clusterport.gateway.protocols.base import Protocol, WireRequest, WireResponse
from clusterport.gateway.protocols.values import members, scalar_text
from clusterport.services.service_models import ServiceInfo

MAX_FORM_FIELDS = 10_000
_INDEX = re.compile(r"(\d+)(?:\.|$)")


def form_fields(request: WireRequest) -> dict[str, str]:
    """The request's parameters from its form body and query string."""
    pairs: list[tuple[str, str]] = []
    try:
        if request.query:
            pairs += parse_qsl(
                request.query, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
            )
        if request.body:
            text = request.body.decode("utf-8")
            pairs += parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(
            f"The request body is not a valid form (at most {MAX_FORM_FIELDS} fields of UTF-8).",
            code="MalformedQueryString",
        ) from exc
    return dict(pairs)


class QueryProtocol(Protocol):
    """The ``query`` protocol."""

    name = "query"
    textual = True
    type_error_code = "ValidationError"

    # ---- request side -------------------------------------------------------------
    def operation_name(self, request: WireRequest, service: ServiceInfo) -> str | None:
        return form_fields(request).get("Action") or None

    def raw_params(self, request: WireRequest, op: OperationModel) -> Any:
        fields = form_fields(request)
        fields.pop("Action", None)
        fields.pop("Version", None)
        shape = op.input_shape
        if shape is None:
            return {}
        return self._read(shape, "", fields, _prefix_index(fields)) or {}

    def member_key(self, name: str, member: Shape) -> str:
        return str(member.serialization.get("name", name))

    def _list_item_prefix(self, shape: ListShape, prefix: str) -> str:
        if shape.serialization.get("flattened"):
            return prefix
        return f"{prefix}.{shape.member.serialization.get('name', 'member')}"

    def _read(self, shape: Shape, prefix: str, fields: Mapping[str, str], index: set[str]) -> Any:
        if isinstance(shape, StructureShape):
            out: dict[str, Any] = {}
            for name, member in shape.members.items():
                key = self.member_key(name, member)
                full = f"{prefix}.{key}" if prefix else key
                if full in fields or full in index:
                    value = self._read(member, full, fields, index)
                    if value is not None:
                        out[name] = value
            return out
        if isinstance(shape, ListShape):
            if fields.get(prefix) == "":
                return []
            item_prefix = self._list_item_prefix(shape, prefix)
            return [
                self._read(shape.member, f"{item_prefix}.{n}", fields, index)
                for n in _indices(item_prefix, fields)
            ]
        if isinstance(shape, MapShape):
            entry = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
            key_name = shape.key.serialization.get("name", "key")
            value_name = shape.value.serialization.get("name", "value")
            result: dict[str, Any] = {}
            for n in _indices(entry, fields):
                k = fields.get(f"{entry}.{n}.{key_name}")
                if k is not None:
                    result[k] = self._read(shape.value, f"{entry}.{n}.{value_name}", fields, index)
            return result
        return fields.get(prefix)

    # ---- response side ------------------------------------------------------------
    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> WireResponse:
        ns = op.service_model.metadata.get("xmlNamespace") or _namespace(op)
        root = ET.Element(f"{op.name}Response", xmlns=ns)
        shape = op.output_shape
        if shape is not None:
            wrapper = op.output_shape.serialization.get("resultWrapper") if shape else None
            container = ET.SubElement(root, wrapper or f"{op.name}Result")
            assert isinstance(shape, StructureShape)
            self._write_members(container, shape, result)
        meta = ET.SubElement(root, "ResponseMetadata")
        ET.SubElement(meta, "RequestId").text = request_id
        return _xml_response(200, root, request_id)

    def element_name(self, name: str, member: Shape) -> str:
        return str(member.serialization.get("name", name))

    def _write_members(
        self, parent: ET.Element, shape: StructureShape, value: Mapping[str, Any]
    ) -> None:
        for name, member, item in members(shape, value):
            self._write(parent, self.element_name(name, member), member, item)

    def _write(self, parent: ET.Element, tag: str, shape: Shape, value: Any) -> None:
        if isinstance(shape, ListShape):
            item_tag = str(shape.member.serialization.get("name", "member"))
            if shape.serialization.get("flattened"):
                for item in value:
                    self._write(parent, tag, shape.member, item)
                return
            node = ET.SubElement(parent, tag)
            for item in value:
                self._write(node, item_tag, shape.member, item)
            return
        if isinstance(shape, MapShape):
            node = ET.SubElement(parent, tag)
            key_tag = str(shape.key.serialization.get("name", "key"))
            value_tag = str(shape.value.serialization.get("name", "value"))
            for k, v in value.items():
                entry = ET.SubElement(node, "entry")
                ET.SubElement(entry, key_tag).text = str(k)
                self._write(entry, value_tag, shape.value, v)
            return
        node = ET.SubElement(parent, tag)
        if isinstance(shape, StructureShape):
            self._write_members(node, shape, value)
        else:
            node.text = scalar_text(shape, value)

    def serialize_error(
        self, service: ServiceInfo, error: ServiceError, request_id: str
    ) -> WireResponse:
        root = ET.Element("ErrorResponse", xmlns=service.xml_namespace)
        err = ET.SubElement(root, "Error")
        ET.SubElement(err, "Type").text = "Sender" if error.sender_fault else "Receiver"
        ET.SubElement(err, "Code").text = error.code
        ET.SubElement(err, "Message").text = error.message
        ET.SubElement(root, "RequestId").text = request_id
        return _xml_response(error.status, root, request_id)


class Ec2Protocol(QueryProtocol):
    """The ``ec2`` protocol: lists always flattened, ``queryName`` member keys, ``<item>`` lists."""

    name = "ec2"
    type_error_code = "InvalidParameterValue"

    def member_key(self, name: str, member: Shape) -> str:
        if "queryName" in member.serialization:
            return str(member.serialization["queryName"])
        location = member.serialization.get("name")
        if location:
            return str(location[0].upper() + location[1:])
        return name

    def _list_item_prefix(self, shape: ListShape, prefix: str) -> str:
        return prefix

    def serialize(
        self, op: OperationModel, result: Mapping[str, Any], request_id: str
    ) -> WireResponse:
        root = ET.Element(f"{op.name}Response", xmlns=_namespace(op))
        ET.SubElement(root, "requestId").text = request_id
        shape = op.output_shape
        if shape is not None:
            assert isinstance(shape, StructureShape)
            self._write_members(root, shape, result)
        return _xml_response(200, root, request_id)

    def serialize_error(
        self, service: ServiceInfo, error: ServiceError, request_id: str
    ) -> WireResponse:
        root = ET.Element("Response")
        errors = ET.SubElement(root, "Errors")
        err = ET.SubElement(errors, "Error")
        ET.SubElement(err, "Code").text = error.code
        ET.SubElement(err, "Message").text = error.message
        ET.SubElement(root, "RequestID").text = request_id
        return _xml_response(error.status, root, request_id)


def _namespace(op: OperationModel) -> str:
    meta = op.service_model.metadata
    name = op.service_model.service_name
    if name == "ec2":
        return f"http://ec2.amazonaws.com/doc/{meta['apiVersion']}/"
    return f"https://{meta['endpointPrefix']}.amazonaws.com/doc/{meta['apiVersion']}/"


def _xml_response(status: int, root: ET.Element, request_id: str) -> WireResponse:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return WireResponse(
        status=status,
        body=body,
        headers={"content-type": "text/xml", "x-amzn-requestid": request_id},
    )


def _prefix_index(fields: Mapping[str, str]) -> set[str]:
    """Every proper dotted prefix of every key: lets the reader skip absent members fast."""
    prefixes: set[str] = set()
    for key in fields:
        parts = key.split(".")
        for i in range(1, len(parts)):
            prefixes.add(".".join(parts[:i]))
    return prefixes


def _indices(prefix: str, fields: Mapping[str, str]) -> list[int]:
    start = prefix + "."
    found: set[int] = set()
    for key in fields:
        if key.startswith(start):
            match = _INDEX.match(key, len(start))
            if match:
                found.add(int(match.group(1)))
    return sorted(found)
