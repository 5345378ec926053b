"""The request pipeline: route → authenticate → parse → authorize → dispatch → serialize → audit.

Each step is a small method; :meth:`Gateway.handle` runs them in order and
turns any :class:`ServiceError` into the protocol's error response. Anything
else is a bug: it is logged with its traceback and answered with a generic
InternalFailure, never with internals.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel

from clusterport.errors import (
    AuthenticationError,
    InternalError,
    ServiceError,
    ValidationError,
)
from clusterport.gateway.protocols.base import Protocol, WireRequest, WireResponse
from clusterport.gateway.routing import Route, RouteError, Router, S3NotServed
from clusterport.gateway.sigv4 import SignedRequest, SigV4Error, SigV4Failure, verify
from clusterport.platform import Platform
from clusterport.regions import RegionRefused, check_region
from clusterport.services import identity
from clusterport.services.base import Principal, Provider, RequestContext
from clusterport.services.invocation import invoke, is_served, record_call
from clusterport.services.service_models import ServiceInfo, ServiceModels
from clusterport.store import versions
from clusterport.store.secrets import SecretBoxError

log = logging.getLogger(__name__)


@dataclass
class Call:
    """What the pipeline has learned of one request so far."""

    request: WireRequest
    request_id: str
    route: Route | None = None
    op: OperationModel | None = None
    signed: SignedRequest | None = None
    principal: Principal | None = None
    iam_version: int | None = None
    params: dict[str, Any] | None = None
    context: RequestContext | None = None
    #: True once the invocation core has the call (it records the call itself).
    audited: bool = False


def _auth_error(service: ServiceInfo, error: SigV4Error | AuthenticationError) -> ServiceError:
    """The code and status AWS uses for an authentication failure in this protocol."""
    failure = error.failure if isinstance(error, SigV4Error) else None
    message = error.message
    json_like = service.protocols[0] in ("json", "smithy-rpc-v2-cbor")
    if service.name == "ec2":
        code = (
            {
                SigV4Failure.MISSING: "MissingParameter",
                SigV4Failure.SKEWED: "RequestExpired",
                SigV4Failure.PRESIGN_EXPIRED: "RequestExpired",
            }.get(failure, "AuthFailure")
            if failure
            else _ec2_token_code(error)
        )
        status = 400 if code in ("MissingParameter", "RequestExpired") else 401
        return ServiceError(message, code=code, status=status, sender_fault=True)
    if failure is None:
        assert isinstance(error, AuthenticationError)
        code = error.code
        if json_like:
            code = {"InvalidClientTokenId": "UnrecognizedClientException"}.get(
                code, code + "Exception" if code == "ExpiredToken" else code
            )
        return ServiceError(message, code=code, status=400 if json_like else 403, sender_fault=True)
    if failure is SigV4Failure.MISSING:
        code = "MissingAuthenticationTokenException" if json_like else "MissingAuthenticationToken"
        return ServiceError(message, code=code, status=403 if not json_like else 400)
    if failure is SigV4Failure.UNKNOWN_KEY:
        code = "UnrecognizedClientException" if json_like else "InvalidClientTokenId"
        return ServiceError(message, code=code, status=400 if json_like else 403)
    if failure is SigV4Failure.MALFORMED:
        code = "IncompleteSignatureException" if json_like else "IncompleteSignature"
        return ServiceError(message, code=code, status=400)
    code = "InvalidSignatureException" if json_like else "SignatureDoesNotMatch"
    return ServiceError(message, code=code, status=400 if json_like else 403)


def _ec2_token_code(error: SigV4Error | AuthenticationError) -> str:
    if isinstance(error, AuthenticationError) and error.code == "ExpiredToken":
        return "RequestExpired"
    return "AuthFailure"


def verify_caller(
    platform: Platform, request: WireRequest, signing_name: str
) -> tuple[SignedRequest, Principal, int]:
    """Who signed ``request`` for the service ``signing_name``, their keys checked as usable.

    The third value is the IAM version read in the same transaction, before
    anything of the caller's policies (:attr:`RequestContext.iam_version`).

    Raises :class:`SigV4Error` (signature, scope) or :class:`AuthenticationError`
    (expired or revoked credentials); :class:`InternalError` when the server
    cannot read its own stored secrets.
    """
    now = platform.now()
    with platform.db.session() as session:
        iam_version = versions.current(session, versions.IAM)
        known_keys: dict[str, identity.KnownKey] = {}

        def lookup(access_key_id: str) -> str | None:
            # Kept by IAM version: a key's status change or deletion bumps it, and
            # temporary keys never change (their expiry is checked on every use below).
            known = platform.known_keys.get((iam_version, access_key_id))
            if known is None:
                known = identity.lookup_key(session, platform.secrets, access_key_id)
                if known is None:
                    return None
                platform.known_keys.put((iam_version, access_key_id), known)
            known_keys[access_key_id] = known
            return known.secret

        try:
            signed = verify(request, lookup, now)
        except SecretBoxError as exc:
            log.error("%s", exc)
            raise InternalError(
                "The server cannot read its stored credentials: its key file does not "
                "match its database. The administrator must restore the data dir's "
                "server.key (see docs/operations.md)."
            ) from exc
        if signed.scope.service != signing_name:
            raise SigV4Error(
                SigV4Failure.BAD_SIGNATURE,
                f"Credential should be scoped to correct service: '{signing_name}'.",
            )
        try:
            check_region(signed.scope.region)
        except RegionRefused as exc:
            raise SigV4Error(SigV4Failure.BAD_SIGNATURE, str(exc)) from exc
        known = known_keys[signed.scope.access_key]
        identity.check_usable(known, signed.security_token, now)
    return signed, known.principal, iam_version


class Gateway:
    """Serves every AWS API of the platform through one pipeline."""

    def __init__(self, platform: Platform, models: ServiceModels) -> None:
        self.platform = platform
        self.models = models
        self.router = Router(models)

    async def handle(self, request: WireRequest) -> WireResponse:
        call = Call(request=request, request_id=str(uuid.uuid4()))
        try:
            call.route = self.router.route(request)
        except S3NotServed:
            return _s3_not_served(call.request_id)
        except RouteError as exc:
            return self._unrouted(str(exc), call.request_id)
        except ServiceError as exc:
            return self._unrouted(exc.message, call.request_id)
        route = call.route
        try:
            result = await self._run(call, route)
            response = route.protocol.serialize(self._op(call), result, call.request_id)
            self._audit(call, None)
            return response
        except ServiceError as exc:
            self._audit(call, exc)
            return route.protocol.serialize_error(route.service, exc, call.request_id)
        except Exception:
            log.exception("internal error in %s request %s", route.service.name, call.request_id)
            error = InternalError()
            self._audit(call, error)
            return route.protocol.serialize_error(route.service, error, call.request_id)

    # ---- the steps -----------------------------------------------------------------------
    async def _run(self, call: Call, route: Route) -> Mapping[str, Any]:
        unsigned = route.service.operation(route.operation) if route.operation else None
        if unsigned is not None and unsigned.auth_type == "none":
            # Calls AWS serves without a signature: say first whether this one is served.
            call.op = unsigned
            if not self._implemented(route.service, unsigned.name):
                raise _unknown_operation(route, unsigned.name)
        self.authenticate(call, route)
        op = self.find_operation(call, route)
        call.params = route.protocol.parse(call.request, op, route.service)
        if not self._implemented(route.service, op.name):
            raise _unknown_operation(route, op.name)
        provider = self.provider(route.service)
        ctx = self.context(call, route, op)
        call.context = ctx
        # From here on the invocation core authorizes, dispatches and audits.
        call.audited = True
        return await invoke(
            ctx, provider, op.name, call.params, event_source=_event_source(route.service)
        )

    def authenticate(self, call: Call, route: Route) -> None:
        try:
            call.signed, call.principal, call.iam_version = verify_caller(
                self.platform, call.request, route.service.signing_name
            )
        except (SigV4Error, AuthenticationError) as exc:
            raise _auth_error(route.service, exc) from exc

    def find_operation(self, call: Call, route: Route) -> OperationModel:
        name = route.operation
        op = route.service.operation(name) if name else None
        if op is None:
            raise _unknown_operation(route, name)
        call.op = op
        return op

    def provider(self, service: ServiceInfo) -> Provider:
        return self.platform.providers[service.name]

    def context(self, call: Call, route: Route, op: OperationModel) -> RequestContext:
        assert call.signed is not None and call.principal is not None
        return RequestContext(
            platform=self.platform,
            principal=call.principal,
            region=call.signed.scope.region,
            service=route.service.name,
            operation=op.name,
            request_id=call.request_id,
            source_ip=call.request.client_ip,
            now=self.platform.now(),
            secure_transport=call.request.secure,
            user_agent=call.request.headers.get("user-agent", ""),
            iam_version=call.iam_version,
        )

    # ---- helpers -------------------------------------------------------------------------
    def _implemented(self, service: ServiceInfo, operation: str) -> bool:
        provider = self.platform.providers.get(service.name)
        method = getattr(provider, xform_name(operation), None)
        return is_served(provider, operation) and inspect.iscoroutinefunction(method)

    def _op(self, call: Call) -> OperationModel:
        assert call.op is not None
        return call.op

    def _audit(self, call: Call, error: ServiceError | None) -> None:
        """Record a call that failed before the invocation core took it (which records its own)."""
        if call.audited or call.principal is None or call.route is None or call.op is None:
            return  # unauthenticated or unknown calls have no account to record them in
        ctx = RequestContext(
            platform=self.platform,
            principal=call.principal,
            region=call.signed.scope.region if call.signed else "",
            service=call.route.service.name,
            operation=call.op.name,
            request_id=call.request_id,
            source_ip=call.request.client_ip,
            now=self.platform.now(),
            user_agent=call.request.headers.get("user-agent", ""),
        )
        record_call(
            ctx, event_source=_event_source(call.route.service), params=call.params, error=error
        )

    def _unrouted(self, message: str, request_id: str) -> WireResponse:
        body = (
            '{"__type":"UnknownServiceException","message":' + json.dumps(message) + "}"
        ).encode()
        return WireResponse(
            status=400,
            body=body,
            headers={
                "content-type": "application/x-amz-json-1.1",
                "x-amzn-requestid": request_id,
                "x-amzn-errortype": "UnknownServiceException",
            },
        )


def _s3_not_served(request_id: str) -> WireResponse:
    """S3's own error document (REST-XML), so S3 clients raise a readable ClientError."""
    root = ET.Element("Error")
    ET.SubElement(root, "Code").text = "NotImplemented"
    ET.SubElement(root, "Message").text = (
        "S3 is not served by clusterport: this endpoint speaks EMR, STS, IAM, EC2, "
        "CloudFormation, Service Catalog, SageMaker and CloudTrail. Point S3 clients at an "
        "S3 service of your own (for example with endpoint_url)."
    )
    ET.SubElement(root, "RequestId").text = request_id
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return WireResponse(
        status=501,
        body=body,
        headers={"content-type": "application/xml", "x-amz-request-id": request_id},
    )


def _event_source(service: ServiceInfo) -> str:
    """The audit trail's ``eventSource`` of a service (``elasticmapreduce.amazonaws.com``)."""
    return f"{service.model.metadata['endpointPrefix']}.amazonaws.com"


def _unknown_operation(route: Route, name: str | None) -> ServiceError:
    protocol: Protocol = route.protocol
    service = route.service
    if protocol.name in ("query", "ec2"):
        what = f"Could not find operation {name} for version {service.api_version}"
        if route.service.operation(name or "") is not None:
            what += (
                f"; {service.name} on this platform does not serve {name} "
                "(see docs/compatibility.md for the supported operations)"
            )
        if not name:
            what = "The request must contain the parameter Action."
        code = "InvalidAction" if name else "MissingAction"
        return ValidationError(what, code=code)
    return ValidationError(
        f"Operation {name or '(none)'} is not supported by {service.name} on this platform; "
        "see docs/compatibility.md for the supported operations.",
        code="UnknownOperationException",
    )
