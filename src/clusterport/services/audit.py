"""Recording every call as a CloudTrail event (allowed or denied, with secrets removed)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from clusterport.services.base import Principal
from clusterport.store.audit import AuditEvent

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


def record(session: Session, call: CallRecord) -> None:
    """Store one call as an audit event."""
    event_id = str(uuid.uuid4())
    read_only = call.event_name.startswith(_READ_PREFIXES)
    event: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": user_identity(call.principal),
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
    username = None
    if call.principal is not None:
        username = (
            "root"
            if call.principal.kind == "root"
            else call.principal.session_name or call.principal.name
        )
    session.add(
        AuditEvent(
            event_id=event_id,
            account_id=call.account_id,
            region=call.region,
            event_time=call.event_time,
            event_source=call.event_source,
            event_name=call.event_name,
            username=username,
            access_key_id=call.principal.access_key_id if call.principal else None,
            read_only="true" if read_only else "false",
            error_code=call.error_code,
            error_message=call.error_message,
            resource_names=list(call.resources),
            resource_types=[],
            event=event,
        )
    )
