"""Which service and protocol a request is for.

RPC v2 requests name the service in the path, JSON requests in
``X-Amz-Target``, and the query protocols only in the SigV4 credential scope
(the form's ``Action`` names the operation but not the service).

Requests botocore sends unsigned (STS's ``AssumeRoleWithWebIdentity`` and
``AssumeRoleWithSAML``) are routed by their form's ``Version`` and ``Action``,
so their errors come back in the service's own format (XML for STS). S3
requests (an ``s3`` credential scope, or a REST verb no served protocol uses)
get S3's XML error ``NotImplemented`` saying that S3 is not served here.
"""

from __future__ import annotations

from dataclasses import dataclass

from clusterport.errors import ServiceError
from clusterport.gateway.protocols.base import Protocol, WireRequest
from clusterport.gateway.protocols.cbor_protocol import CborProtocol, rpc_v2_path
from clusterport.gateway.protocols.json_protocol import JsonProtocol
from clusterport.gateway.protocols.query_protocol import Ec2Protocol, QueryProtocol, form_fields
from clusterport.gateway.sigv4 import credential_scope
from clusterport.services.service_models import ServiceInfo, ServiceModels


@dataclass(frozen=True)
class Route:
    """The service, the protocol and the operation name a request asks for."""

    service: ServiceInfo
    protocol: Protocol
    operation: str | None


class RouteError(Exception):
    """The request names no service this gateway serves."""


class S3NotServed(RouteError):
    """The request is an S3 request (S3 scope, or a REST verb no served protocol uses)."""


class Router:
    """Finds the route of a request."""

    def __init__(self, models: ServiceModels) -> None:
        self.models = models
        self.json = JsonProtocol()
        self.cbor = CborProtocol()
        self.query = QueryProtocol()
        self.ec2 = Ec2Protocol()

    def route(self, request: WireRequest) -> Route:
        rpc = rpc_v2_path(request.path)
        if rpc is not None:
            service = self.models.by_target_prefix(rpc[0])
            if service is None or "smithy-rpc-v2-cbor" not in service.protocols:
                raise RouteError(f"No service '{rpc[0]}' speaks RPC v2 CBOR here.")
            return Route(service, self.cbor, rpc[1])
        target = request.headers.get("x-amz-target")
        if target:
            prefix = target.rpartition(".")[0]
            service = self.models.by_target_prefix(prefix)
            if service is None or "json" not in service.protocols:
                raise RouteError(f"No service answers X-Amz-Target prefix '{prefix}'.")
            return Route(service, self.json, self.json.operation_name(request, service))
        scope = credential_scope(request)
        if scope is not None and scope.service == "s3":
            raise S3NotServed("S3 is not served by clusterport.")
        if scope is None:
            unsigned = self._unsigned_query(request)
            if unsigned is not None:
                return unsigned
            s3_like = request.method != "POST" and "Action=" not in request.query
            if s3_like or "x-amz-content-sha256" in request.headers:
                raise S3NotServed("S3 is not served by clusterport.")
            raise RouteError(
                "The request names no service: sign it with SigV4 (the credential scope "
                "names the service) or send X-Amz-Target."
            )
        service = self.models.by_signing_name(scope.service)
        if service is None:
            raise RouteError(f"Service '{scope.service}' is not served by clusterport.")
        protocol: Protocol
        if "ec2" in service.protocols:
            protocol = self.ec2
        elif "query" in service.protocols:
            protocol = self.query
        else:
            raise RouteError(
                f"Service '{service.name}' expects {service.protocols[0]} requests, not a form."
            )
        return Route(service, protocol, protocol.operation_name(request, service))

    def _unsigned_query(self, request: WireRequest) -> Route | None:
        """The route of an unsigned query-protocol form (botocore sends some calls unsigned).

        botocore signs nothing for operations modelled without auth (STS's
        ``AssumeRoleWithWebIdentity`` and ``AssumeRoleWithSAML``), so such a
        request carries no credential scope; its form's ``Version`` and
        ``Action`` still name the service, and its errors must come back in
        that service's protocol for the client to read them.
        """
        if "x-amz-target" in request.headers:
            return None
        try:
            fields = form_fields(request)
        except ServiceError:
            return None
        action, version = fields.get("Action"), fields.get("Version")
        if not action or not version:
            return None
        for service in self.models:
            if service.api_version != version or service.operation(action) is None:
                continue
            if "ec2" in service.protocols:
                return Route(service, self.ec2, action)
            if "query" in service.protocols:
                return Route(service, self.query, action)
        return None
