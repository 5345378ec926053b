"""Recording every call as a CloudTrail event (allowed or denied, with secrets removed)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from clusterport.services.base import Principal
from clusterport.store.audit import AuditEvent

if TYPE_CHECKING:
    from clusterport.platform import Platform

log = logging.getLogger(__name__)

_SECRET_WORDS = ("secret", "password", "token", "privatekey", "credentials")
_READ_PREFIXES = ("Describe", "List", "Get", "Search", "Lookup", "Scan", "Simulate", "Validate")


@dataclass(frozen=True)
class CallRecord:
    """What the pipeline knows of one call once it has ended."""

    event_time: dt.datetime
    region: str
    event_source: str
    event_name: str
    request_id: str
    source_ip: str
    user_agent: str
    principal: Principal | None
    account_id: str
    request_parameters: Mapping[str, Any] | None
    error_code: str | None = None
    error_message: str | None = None
    resources: tuple[str, ...] = ()
    #: Who acted when the call carries no verified credentials but a grant they were issued
    #: (a presigned link): ``(ARN, principal id)`` of the issuer.
    issued_to: tuple[str, str] | None = None


def redact(value: Any) -> Any:
    """``value`` with every secret-looking member replaced by ``HIDDEN_DUE_TO_SECURITY_REASONS``."""
    if isinstance(value, Mapping):
        return {
            k: "HIDDEN_DUE_TO_SECURITY_REASONS"
            if any(w in str(k).lower() for w in _SECRET_WORDS)
            else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, bytes):
        return "<binary>"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def user_identity(principal: Principal | None) -> dict[str, Any]:
    """CloudTrail's ``userIdentity`` block."""
    if principal is None:
        return {"type": "Unknown"}
    if principal.kind == "service":
        # The platform acting as an AWS service (SageMaker vending a Studio app's role).
        return {"type": "AWSService", "invokedBy": principal.arn}
    identity: dict[str, Any] = {
        "principalId": principal.user_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
        "accessKeyId": principal.access_key_id,
    }
    if principal.kind == "root":
        identity["type"] = "Root"
    elif principal.kind == "user":
        identity["type"] = "IAMUser"
        identity["userName"] = principal.name
    else:
        identity["type"] = "AssumedRole"
        identity["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "principalId": principal.role_id,
                "arn": principal.issuer_arn,
                "accountId": principal.account_id,
                "userName": principal.name,
            },
            "attributes": {"mfaAuthenticated": "false"},
        }
        if principal.source_identity:
            identity["sessionContext"]["sourceIdentity"] = principal.source_identity
    return identity


def identity_of_arn(arn: str, principal_id: str) -> tuple[dict[str, Any], str | None]:
    """CloudTrail's ``userIdentity`` of a principal known only by its ARN, and its user name."""
    parts = arn.split(":", 5)
    account = parts[4] if len(parts) == 6 else ""
    resource = parts[5] if len(parts) == 6 else ""
    identity: dict[str, Any] = {"principalId": principal_id, "arn": arn, "accountId": account}
    if resource == "root":
        return {**identity, "type": "Root"}, "root"
    if resource.startswith("user/"):
        name = resource.rsplit("/", 1)[-1]
        return {**identity, "type": "IAMUser", "userName": name}, name
    if resource.startswith("assumed-role/"):
        return {**identity, "type": "AssumedRole"}, resource.rsplit("/", 1)[-1]
    return {**identity, "type": "Unknown"}, None


def record(session: Session, call: CallRecord) -> None:
    """Store one call as an audit event."""
    event_id = str(uuid.uuid4())
    read_only = call.event_name.startswith(_READ_PREFIXES)
    identity = user_identity(call.principal)
    username = None
    if call.principal is None and call.issued_to is not None:
        identity, username = identity_of_arn(*call.issued_to)
    event: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": call.event_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": call.event_source,
        "eventName": call.event_name,
        "awsRegion": call.region,
        "sourceIPAddress": call.source_ip,
        "userAgent": call.user_agent,
        "requestParameters": redact(call.request_parameters) if call.request_parameters else None,
        "responseElements": None,
        "requestID": call.request_id,
        "eventID": event_id,
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": call.account_id,
        "eventCategory": "Management",
    }
    if call.error_code:
        event["errorCode"] = call.error_code
        event["errorMessage"] = call.error_message
    if call.principal is not None:
        username = (
            "root"
            if call.principal.kind == "root"
            else call.principal.session_name or call.principal.name
        )
    session.execute(
        _INSERT,
        {
            "event_id": event_id,
            "account_id": call.account_id,
            "region": call.region,
            "event_time": call.event_time,
            "event_source": call.event_source,
            "event_name": call.event_name,
            "username": username,
            "access_key_id": call.principal.access_key_id if call.principal else None,
            "read_only": "true" if read_only else "false",
            "error_code": call.error_code,
            "error_message": call.error_message,
            "resource_names": list(call.resources),
            "resource_types": [],
            "event": event,
        },
    )


#: One event's row, written as a plain (Core) insert: no unit of work is needed for it.
_INSERT = insert(cast(Table, AuditEvent.__table__))


def record_quietly(platform: Platform, call: CallRecord) -> None:
    """Store ``call``; a failing trail is logged, never turned into a failed request."""
    try:
        with platform.db.session() as session:
            record(session, call)
    except SQLAlchemyError:
        log.exception("could not record the audit event of %s", call.event_name)
