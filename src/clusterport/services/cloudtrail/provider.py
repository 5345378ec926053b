"""The CloudTrail API: ``LookupEvents`` over the platform's audit trail.

Every call the gateway serves (allowed or denied) is an event of the caller's
account; each account sees only its own events, in the region it asks about.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import ClassVar

from clusterport.errors import ValidationError
from clusterport.services.base import Provider, RequestContext
from clusterport.services.cloudtrail import shapes_generated as shapes
from clusterport.services.cloudtrail.events import EventQuery, events_after, output

DEFAULT_MAX_RESULTS = 50


def _error(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=code, status=400)


def _digest(query: EventQuery) -> str:
    scope = json.dumps(
        [
            query.account_id,
            query.region,
            query.start.isoformat() if query.start else None,
            query.end.isoformat() if query.end else None,
            query.attribute_key,
            query.attribute_value,
        ]
    )
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def _token(query: EventQuery, when: dt.datetime, pk: int) -> str:
    raw = json.dumps({"t": when.isoformat(), "k": pk, "s": _digest(query)}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _cursor(query: EventQuery, token: str) -> tuple[dt.datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["s"] != _digest(query):
            raise ValueError("token of another lookup")
        return dt.datetime.fromisoformat(data["t"]), int(data["k"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise _error(
            "InvalidNextTokenException",
            "Invalid NextToken: pass the NextToken of the previous page of the same lookup "
            "(same attributes and time range), or omit it to start over.",
        ) from exc


class CloudTrailProvider(Provider):
    """The CloudTrail API (event history lookup)."""

    service = "cloudtrail"
    iam_prefix = "cloudtrail"
    no_resource_operations: ClassVar[frozenset[str]] = frozenset({"LookupEvents"})

    async def lookup_events(
        self, ctx: RequestContext, params: shapes.LookupEventsRequest
    ) -> shapes.LookupEventsResponse:
        attributes = params.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise _error(
                "InvalidLookupAttributesException",
                "You cannot specify more than one lookup attribute; run one lookup per attribute.",
            )
        start, end = params.get("StartTime"), params.get("EndTime")
        if start is not None and end is not None and start > end:
            raise _error(
                "InvalidTimeRangeException",
                "Start time must be earlier than or equal to end time; swap StartTime and EndTime.",
            )
        if params.get("EventCategory") == "insight":
            return {"Events": []}  # no Insights events are recorded on this platform
        attribute = attributes[0] if attributes else None
        query = EventQuery(
            account_id=ctx.account_id,
            region=ctx.region,
            start=start,
            end=end,
            attribute_key=attribute["AttributeKey"] if attribute else None,
            attribute_value=attribute["AttributeValue"] if attribute else None,
        )
        size = int(params.get("MaxResults") or DEFAULT_MAX_RESULTS)
        cursor = _cursor(query, params["NextToken"]) if params.get("NextToken") else None
        found = []
        with ctx.platform.db.session() as session:
            for event in events_after(session, query, cursor):
                found.append(event)
                if len(found) > size:
                    break
            page = found[:size]
            result: shapes.LookupEventsResponse = {"Events": [output(e) for e in page]}
            if len(found) > size:
                last = page[-1]
                result["NextToken"] = _token(query, last.event_time, last.pk)
        return result
