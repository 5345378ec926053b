"""Typed input and output shapes of the cloudtrail operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

EventCategory = Literal["insight"]

LookupAttributeKey = Literal[
    "AccessKeyId",
    "EventId",
    "EventName",
    "EventSource",
    "ReadOnly",
    "ResourceName",
    "ResourceType",
    "Username",
]


class Event(TypedDict, total=False):
    """botocore's Event structure, as outputs carry it."""

    EventId: str
    EventName: str
    ReadOnly: str
    AccessKeyId: str
    EventTime: dt.datetime
    EventSource: str
    Username: str
    Resources: list["Resource"]
    CloudTrailEvent: str


class LookupAttribute(TypedDict, total=False):
    """botocore's LookupAttribute structure, as inputs carry it."""

    AttributeKey: Required[LookupAttributeKey]
    AttributeValue: Required[str]


class LookupEventsRequest(TypedDict, total=False):
    """The input of LookupEvents."""

    LookupAttributes: list[LookupAttribute]
    StartTime: dt.datetime
    EndTime: dt.datetime
    EventCategory: EventCategory
    MaxResults: int
    NextToken: str


class LookupEventsResponse(TypedDict, total=False):
    """The output of LookupEvents."""

    Events: list[Event]
    NextToken: str


class Resource(TypedDict, total=False):
    """botocore's Resource structure, as outputs carry it."""

    ResourceType: str
    ResourceName: str
