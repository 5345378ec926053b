"""What a stack knows about where it runs, and how the engine reads created resources.

The engine never creates anything. The stack runner creates each resource
through its provider and records the result in a :class:`ResourceValues`
implementation (for example :class:`ResourceValueTable`), which the engine
reads to evaluate ``Ref`` and ``Fn::GetAtt`` of later resources and outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from clusterport.templates.errors import TemplateError

#: Looks up the value of an export of the account and region (Fn::ImportValue); None if absent.
ImportLookup = Callable[[str], str | None]


@dataclass(frozen=True)
class StackContext:
    """The values of the pseudo parameters (``AWS::AccountId``, ``AWS::Region`` …) of one stack."""

    account_id: str
    region: str
    stack_name: str
    stack_id: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    notification_arns: tuple[str, ...] = ()

    @staticmethod
    def stack_arn(region: str, account_id: str, stack_name: str, stack_uuid: str) -> str:
        """The stack ID CloudFormation gives: ``arn:aws:cloudformation:…:stack/name/uuid``."""
        return f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/{stack_uuid}"

    def pseudo_parameter(self, name: str) -> str | list[str]:
        """The value of a pseudo parameter other than ``AWS::NoValue``."""
        values: dict[str, str | list[str]] = {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NotificationARNs": list(self.notification_arns),
        }
        if name not in values:
            raise TemplateError(f"Template error: {name} is not a pseudo parameter")
        return values[name]


class ResourceValues(Protocol):
    """The values of created resources, as the stack runner records them.

    Both methods raise ``KeyError`` for a resource (or attribute) they do not know.
    """

    def ref(self, logical_id: str) -> str:
        """What ``Ref`` returns for the resource (usually its physical ID)."""
        ...

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """What ``Fn::GetAtt`` returns for the resource's attribute."""
        ...


@dataclass
class ResourceValueTable:
    """A plain in-memory :class:`ResourceValues`: physical IDs and attributes by logical ID."""

    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(
        self, logical_id: str, ref: str, attributes: Mapping[str, Any] | None = None
    ) -> None:
        """Remember a created resource's Ref value and attributes."""
        self.refs[logical_id] = ref
        self.attributes[logical_id] = dict(attributes or {})

    def ref(self, logical_id: str) -> str:
        """What ``Ref`` returns for the resource."""
        return self.refs[logical_id]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """What ``Fn::GetAtt`` returns for the resource's attribute."""
        return self.attributes[logical_id][attribute]
