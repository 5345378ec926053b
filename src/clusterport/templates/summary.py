"""What ValidateTemplate and GetTemplateSummary report, and which resource types can run.

Capabilities follow CloudFormation: a template with IAM resources needs
``CAPABILITY_IAM``, one whose IAM resources carry custom names needs
``CAPABILITY_NAMED_IAM``, and one with transforms ``CAPABILITY_AUTO_EXPAND``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from clusterport.templates.errors import UnsupportedResourceTypesError
from clusterport.templates.loader import DEFAULT_MAX_BYTES, load_template
from clusterport.templates.model import Template
from clusterport.templates.parameters import ParameterInfo, describe_parameters
from clusterport.templates.syntax import type_matches

#: IAM resource types that need an IAM capability, and the property that names each one.
IAM_RESOURCE_NAME_PROPERTIES: Final[Mapping[str, str | None]] = MappingProxyType(
    {
        "AWS::IAM::AccessKey": None,
        "AWS::IAM::Group": "GroupName",
        "AWS::IAM::InstanceProfile": "InstanceProfileName",
        "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
        "AWS::IAM::Policy": None,
        "AWS::IAM::Role": "RoleName",
        "AWS::IAM::User": "UserName",
        "AWS::IAM::UserToGroupAddition": None,
    }
)

CAPABILITY_IAM: Final = "CAPABILITY_IAM"
CAPABILITY_NAMED_IAM: Final = "CAPABILITY_NAMED_IAM"
CAPABILITY_AUTO_EXPAND: Final = "CAPABILITY_AUTO_EXPAND"


@dataclass(frozen=True)
class TemplateSummary:
    """The facts ValidateTemplate and GetTemplateSummary return about a template."""

    description: str | None
    parameters: tuple[ParameterInfo, ...]
    capabilities: tuple[str, ...]
    capabilities_reason: str | None
    declared_transforms: tuple[str, ...]
    resource_types: tuple[str, ...]
    version: str | None
    metadata: Mapping[str, Any] | None


def required_capabilities(template: Template) -> tuple[tuple[str, ...], str | None]:
    """The capabilities a stack of this template must be acknowledged with, and why."""
    capabilities: list[str] = []
    iam_types: list[str] = []
    named = False
    for resource in template.resources.values():
        if resource.type in IAM_RESOURCE_NAME_PROPERTIES:
            iam_types.append(resource.type)
            name_property = IAM_RESOURCE_NAME_PROPERTIES[resource.type]
            if name_property is not None and name_property in resource.properties:
                named = True
    reasons: list[str] = []
    if iam_types:
        capabilities.append(CAPABILITY_NAMED_IAM if named else CAPABILITY_IAM)
        types = ", ".join(dict.fromkeys(iam_types))
        reasons.append(f"The following resource(s) require capabilities: [{types}]")
    if template.transforms:
        capabilities.append(CAPABILITY_AUTO_EXPAND)
        reasons.append(
            f"The following transform(s) require capabilities: [{', '.join(template.transforms)}]"
        )
    return tuple(capabilities), ("; ".join(reasons) or None)


def summarize_template(template: Template) -> TemplateSummary:
    """The summary of an already loaded template."""
    capabilities, reason = required_capabilities(template)
    return TemplateSummary(
        description=template.description,
        parameters=tuple(describe_parameters(template)),
        capabilities=capabilities,
        capabilities_reason=reason,
        declared_transforms=template.transforms,
        resource_types=template.resource_types,
        version=template.format_version,
        metadata=template.metadata,
    )


def unsupported_resources(template: Template, supported: Collection[str]) -> list[tuple[str, str]]:
    """``(logical_id, type)`` of each resource whose type the platform does not run."""
    return [
        (key, resource.type)
        for key, resource in template.resources.items()
        if not type_matches(resource.type, supported)
    ]


def unsupported_resource_types(template: Template, supported: Collection[str]) -> list[str]:
    """Distinct resource types of the template that ``supported`` does not cover, in order.

    ``supported`` holds exact types or prefixes ending in ``*`` (``AWS::EC2::*``).
    """
    return list(dict.fromkeys(kind for _, kind in unsupported_resources(template, supported)))


def check_supported_types(template: Template, supported: Collection[str]) -> None:
    """Raise :class:`UnsupportedResourceTypesError` naming each unsupported type and resource."""
    found = unsupported_resources(template, supported)
    if not found:
        return
    by_type: dict[str, list[str]] = {}
    for key, kind in found:
        by_type.setdefault(kind, []).append(key)
    listed = ", ".join(f"{kind} ({', '.join(keys)})" for kind, keys in by_type.items())
    raise UnsupportedResourceTypesError(
        f"Template contains resource types the platform does not run: {listed}. "
        f"Supported: {', '.join(sorted(supported))}.",
        resources=found,
    )


def validate_template(
    body: str, supported_types: Collection[str], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> TemplateSummary:
    """Load ``body``, refuse resource types outside ``supported_types``, and summarize it."""
    template = load_template(body, max_bytes=max_bytes)
    check_supported_types(template, supported_types)
    return summarize_template(template)
