"""The parsed template: one dataclass per section entry.

A :class:`Template` is built by :func:`clusterport.templates.structure.template_from_document`
(or :func:`clusterport.templates.loader.load_template` from text) and is only
ever built from a document that passed validation. Values that may hold
intrinsic functions (resource properties, output values, conditions) stay as
long-form documents (``{"Fn::Sub": …}``); they are evaluated later, by a
:class:`~clusterport.templates.plan.StackPlan`. Treat every mapping inside a
template as read-only; :func:`~clusterport.templates.strip.strip_resources`
builds new templates instead of editing one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ParameterDeclaration:
    """One entry of the Parameters section, with its constraints normalised to text and numbers."""

    logical_id: str
    type: str
    default: str | None = None
    description: str | None = None
    allowed_values: tuple[str, ...] | None = None
    allowed_pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    #: (value, the value's text as written) so messages show what the author wrote.
    min_value: tuple[Decimal, str] | None = None
    max_value: tuple[Decimal, str] | None = None
    no_echo: bool = False
    constraint_description: str | None = None

    @property
    def is_list(self) -> bool:
        """True for CommaDelimitedList and ``List<…>`` types (Ref yields a list)."""
        return self.type == "CommaDelimitedList" or self.type.startswith("List<")

    @property
    def item_type(self) -> str:
        """One item's type: ``Number`` for ``List<Number>``, ``String`` for CommaDelimitedList."""
        if self.type == "CommaDelimitedList":
            return "String"
        if self.type.startswith("List<") and self.type.endswith(">"):
            return self.type[5:-1]
        return self.type


@dataclass(frozen=True)
class ParameterGroup:
    """A group of the ``AWS::CloudFormation::Interface`` metadata (how a form groups fields)."""

    label: str | None
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class InterfaceMetadata:
    """``AWS::CloudFormation::Interface``: parameter groups and labels for form builders."""

    groups: tuple[ParameterGroup, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def group_of(self, parameter: str) -> str | None:
        """The label of the first group that lists ``parameter``."""
        for group in self.groups:
            if parameter in group.parameters:
                return group.label
        return None


@dataclass(frozen=True)
class ResourceDeclaration:
    """One entry of the Resources section (properties kept unevaluated)."""

    logical_id: str
    type: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    condition: str | None = None
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"
    metadata: Mapping[str, Any] | None = None
    creation_policy: Mapping[str, Any] | None = None
    update_policy: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class OutputDeclaration:
    """One entry of the Outputs section (value and export name kept unevaluated)."""

    logical_id: str
    value: Any
    description: str | None = None
    condition: str | None = None
    export_name: Any = None


@dataclass(frozen=True)
class RuleAssertion:
    """One assertion of a rule: a condition expression and the message shown when it fails."""

    assertion: Any
    description: str | None = None


@dataclass(frozen=True)
class RuleDeclaration:
    """One entry of the Rules section."""

    name: str
    rule_condition: Any
    assertions: tuple[RuleAssertion, ...]


@dataclass(frozen=True)
class Template:
    """A validated CloudFormation template."""

    document: Mapping[str, Any]
    format_version: str | None
    description: str | None
    metadata: Mapping[str, Any] | None
    interface: InterfaceMetadata
    parameters: Mapping[str, ParameterDeclaration]
    rules: Mapping[str, RuleDeclaration]
    mappings: Mapping[str, Mapping[str, Mapping[str, Any]]]
    conditions: Mapping[str, Any]
    resources: Mapping[str, ResourceDeclaration]
    outputs: Mapping[str, OutputDeclaration]
    transforms: tuple[str, ...]

    def to_json(self, *, indent: int | None = 2) -> str:
        """The template as a JSON body (long-form intrinsics), valid input for CloudFormation."""
        return json.dumps(self.document, indent=indent)

    @property
    def resource_types(self) -> tuple[str, ...]:
        """Distinct resource types in order of first appearance."""
        return tuple(dict.fromkeys(r.type for r in self.resources.values()))
