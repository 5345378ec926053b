"""Checking a parsed document section by section and building the :class:`Template`.

Everything CloudFormation checks before it creates anything is checked here:
known sections and attributes, logical IDs, parameter declarations (and that
defaults meet their own constraints), that every Ref, Fn::GetAtt, Fn::Sub
variable, DependsOn, condition and mapping name is declared, the quotas on
section sizes, and that neither resources nor conditions depend on each other
in a cycle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from clusterport.templates.conditions import check_condition_cycles
from clusterport.templates.errors import TemplateError
from clusterport.templates.graph import find_cycles, format_names
from clusterport.templates.intrinsics import unresolved
from clusterport.templates.model import (
    InterfaceMetadata,
    OutputDeclaration,
    ParameterDeclaration,
    ParameterGroup,
    ResourceDeclaration,
    RuleAssertion,
    RuleDeclaration,
    Template,
)
from clusterport.templates.parameters import declaration_from_document
from clusterport.templates.references import (
    References,
    find_condition_references,
    find_references,
)
from clusterport.templates.syntax import PSEUDO_PARAMETERS, REFUSED_FUNCTIONS, is_logical_id

SECTIONS: Final = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
)
FORMAT_VERSION: Final = "2010-09-09"
RESOURCE_ATTRIBUTES: Final = frozenset(
    {
        "Type",
        "Properties",
        "DependsOn",
        "Condition",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
        "CreationPolicy",
        "UpdatePolicy",
    }
)
DELETION_POLICIES: Final = frozenset({"Delete", "Retain", "Snapshot", "RetainExceptOnCreate"})
OUTPUT_ATTRIBUTES: Final = frozenset({"Value", "Description", "Condition", "Export"})

#: CloudFormation's quotas per template.
MAX_RESOURCES: Final = 500
MAX_PARAMETERS: Final = 200
MAX_OUTPUTS: Final = 200
MAX_MAPPINGS: Final = 200
MAX_DESCRIPTION_BYTES: Final = 1024

INTERFACE_KEY: Final = "AWS::CloudFormation::Interface"


def template_from_document(document: Mapping[str, Any], *, max_depth: int = 100) -> Template:
    """Validate a parsed document (long-form intrinsics) and build the :class:`Template`."""
    if not isinstance(document, Mapping):
        raise TemplateError("Template format error: a template must be a mapping of sections.")
    _check_plain(document, max_depth)
    unknown = [key for key in document if key not in SECTIONS]
    if unknown:
        raise TemplateError(
            "Template format error: Invalid template property or properties "
            + format_names(unknown)
        )
    format_version = _format_version(document.get("AWSTemplateFormatVersion"))
    description = _description(document.get("Description"))
    metadata = _optional_mapping(document, "Metadata")
    interface = _interface(metadata)
    transforms = _transforms(document.get("Transform"))
    parameters = _parameters(_optional_mapping(document, "Parameters") or {})
    mappings = _mappings(_optional_mapping(document, "Mappings") or {})
    conditions = dict(_optional_mapping(document, "Conditions") or {})
    resources = _resources(document.get("Resources"))
    outputs = _outputs(_optional_mapping(document, "Outputs") or {})
    rules = _rules(_optional_mapping(document, "Rules") or {})
    clash = [name for name in parameters if name in resources]
    if clash:
        raise TemplateError(
            f"Template format error: logical IDs {format_names(clash)} are used by both a "
            "parameter and a resource; logical IDs must be unique across Parameters and Resources"
        )
    template = Template(
        document=document,
        format_version=format_version,
        description=description,
        metadata=metadata,
        interface=interface,
        parameters=parameters,
        rules=rules,
        mappings=mappings,
        conditions=conditions,
        resources=resources,
        outputs=outputs,
        transforms=transforms,
    )
    _check_conditions(template)
    _check_rules(template)
    _check_resources(template)
    _check_outputs(template)
    return template


# --------------------------------------------------------------------------- shape


def _check_plain(document: Mapping[str, Any], max_depth: int) -> None:
    """Only JSON data (string keys), nested at most ``max_depth`` deep; iterative."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise TemplateError(
                f"Template format error: the template nests mappings and lists more than "
                f"{max_depth} levels deep. Flatten the structure."
            )
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise TemplateError(
                        f"Template format error: mapping keys must be strings, not {key!r}."
                    )
                if key == "Fn::Transform":
                    raise TemplateError(f"Template format error: {REFUSED_FUNCTIONS[key]}.")
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise TemplateError("Template format error: numbers must be finite.")
        elif not (node is None or isinstance(node, str | int)):
            raise TemplateError(
                f"Template format error: {type(node).__name__} values cannot appear in a template."
            )


def _optional_mapping(document: Mapping[str, Any], section: str) -> Mapping[str, Any] | None:
    value = document.get(section)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TemplateError(
            f"Template format error: {section} must be a mapping, not a list or value."
        )
    return value


def _entry(section: str, name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TemplateError(
            f"Template format error: every {section} member must be an object; "
            f"[/{section}/{name}] is not."
        )
    return value


def _check_id(kind: str, name: str) -> None:
    if not is_logical_id(name):
        raise TemplateError(f"Template format error: {kind} name {name} is non alphanumeric.")


def _check_count(kind: str, count: int, limit: int) -> None:
    if count > limit:
        raise TemplateError(
            f"Template format error: Number of {kind}, {count}, is greater than maximum allowed, "
            f"{limit}"
        )


def _format_version(value: Any) -> str | None:
    if value is None:
        return None
    if value != FORMAT_VERSION:
        raise TemplateError(
            f"Template format error: Unsupported template format version '{value}'. "
            f"AWSTemplateFormatVersion must be '{FORMAT_VERSION}'."
        )
    return FORMAT_VERSION


def _description(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TemplateError("Template format error: Every Description member must be a string.")
    if len(value.encode("utf-8")) > MAX_DESCRIPTION_BYTES:
        raise TemplateError(
            f"Template format error: 'Description' length is greater than {MAX_DESCRIPTION_BYTES}."
        )
    return value


def _transforms(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(name, str) and name for name in names):
        raise TemplateError(
            "Template format error: Transform must name a transform (or list transform names); "
            "transforms with parameters are not supported."
        )
    return tuple(names)


def _label(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("default"), str):
        return str(value["default"])
    if value is None:
        return None
    raise TemplateError(
        f"Template format error: labels in {INTERFACE_KEY} must be written {{default: text}}."
    )


def _interface(metadata: Mapping[str, Any] | None) -> InterfaceMetadata:
    if not metadata or INTERFACE_KEY not in metadata:
        return InterfaceMetadata()
    spec = metadata[INTERFACE_KEY]
    if not isinstance(spec, Mapping):
        raise TemplateError(f"Template format error: {INTERFACE_KEY} must be a mapping.")
    groups: list[ParameterGroup] = []
    raw_groups = spec.get("ParameterGroups") or []
    if not isinstance(raw_groups, list):
        raise TemplateError(
            f"Template format error: {INTERFACE_KEY} ParameterGroups must be a list."
        )
    for raw in raw_groups:
        if not isinstance(raw, Mapping):
            raise TemplateError(
                f"Template format error: each {INTERFACE_KEY} parameter group must be a mapping."
            )
        names = raw.get("Parameters") or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise TemplateError(
                f"Template format error: Parameters of a {INTERFACE_KEY} group must be a list of "
                "parameter names."
            )
        groups.append(ParameterGroup(label=_label(raw.get("Label")), parameters=tuple(names)))
    raw_labels = spec.get("ParameterLabels") or {}
    if not isinstance(raw_labels, Mapping):
        raise TemplateError(
            f"Template format error: {INTERFACE_KEY} ParameterLabels must be a mapping."
        )
    labels = {name: text for name, raw in raw_labels.items() if (text := _label(raw)) is not None}
    return InterfaceMetadata(groups=tuple(groups), labels=labels)


def _parameters(section: Mapping[str, Any]) -> dict[str, ParameterDeclaration]:
    _check_count("parameters", len(section), MAX_PARAMETERS)
    declarations: dict[str, ParameterDeclaration] = {}
    for name, spec in section.items():
        _check_id("Parameter", name)
        declarations[name] = declaration_from_document(name, _entry("Parameters", name, spec))
    return declarations


def _mappings(section: Mapping[str, Any]) -> dict[str, Mapping[str, Mapping[str, Any]]]:
    _check_count("mappings", len(section), MAX_MAPPINGS)
    mappings: dict[str, Mapping[str, Mapping[str, Any]]] = {}
    for name, top_level in section.items():
        _check_id("Mapping", name)
        top = _entry("Mappings", name, top_level)
        for key, second_level in top.items():
            second = _entry("Mappings", f"{name}/{key}", second_level)
            for attribute, value in second.items():
                if isinstance(value, Mapping) or value is None:
                    raise TemplateError(
                        "Template format error: Every Mappings attribute must be a String or a "
                        f"List; [/Mappings/{name}/{key}/{attribute}] is not."
                    )
                if isinstance(value, list) and any(
                    isinstance(item, list | Mapping) or item is None for item in value
                ):
                    raise TemplateError(
                        "Template format error: Every Mappings attribute must be a String or a "
                        f"List of strings; [/Mappings/{name}/{key}/{attribute}] is not."
                    )
        mappings[name] = top
    return mappings


def _resources(section: Any) -> dict[str, ResourceDeclaration]:
    if not isinstance(section, Mapping) or not section:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    _check_count("resources", len(section), MAX_RESOURCES)
    resources: dict[str, ResourceDeclaration] = {}
    for name, raw in section.items():
        _check_id("Resource", name)
        spec = _entry("Resources", name, raw)
        for attribute in spec:
            if attribute not in RESOURCE_ATTRIBUTES:
                raise TemplateError(
                    f"Template format error: Invalid template resource property '{attribute}' "
                    f"[/Resources/{name}]"
                )
        resource_type = spec.get("Type")
        if resource_type is None:
            raise TemplateError(
                f"Template format error: [/Resources/{name}] Every Resources object must "
                "contain a Type member."
            )
        if not isinstance(resource_type, str) or "::" not in resource_type:
            raise TemplateError(
                f"Template format error: Unrecognized resource types: [{resource_type}] "
                f"[/Resources/{name}]"
            )
        properties = spec.get("Properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, Mapping):
            raise TemplateError(
                f"Template format error: [/Resources/{name}/Properties] must be a mapping."
            )
        depends_on = spec.get("DependsOn")
        depends = [depends_on] if isinstance(depends_on, str) else depends_on or []
        if not isinstance(depends, list) or not all(isinstance(d, str) and d for d in depends):
            raise TemplateError(
                f"Template format error: DependsOn of resource {name} must be a logical ID or a "
                "list of logical IDs."
            )
        condition = spec.get("Condition")
        if condition is not None and not isinstance(condition, str):
            raise TemplateError(
                f"Template format error: Condition of resource {name} must name a condition."
            )
        policies = {}
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = spec.get(attribute, "Delete")
            if policy not in DELETION_POLICIES:
                raise TemplateError(
                    f"Template format error: Unrecognized {attribute} '{policy}' for resource "
                    f"{name}; use one of {', '.join(sorted(DELETION_POLICIES))}."
                )
            policies[attribute] = str(policy)
        extras: dict[str, Mapping[str, Any] | None] = {}
        for attribute in ("Metadata", "CreationPolicy", "UpdatePolicy"):
            value = spec.get(attribute)
            if value is not None and not isinstance(value, Mapping):
                raise TemplateError(
                    f"Template format error: {attribute} of resource {name} must be a mapping."
                )
            extras[attribute] = value
        resources[name] = ResourceDeclaration(
            logical_id=name,
            type=resource_type,
            properties=properties,
            depends_on=tuple(dict.fromkeys(depends)),
            condition=condition,
            deletion_policy=policies["DeletionPolicy"],
            update_replace_policy=policies["UpdateReplacePolicy"],
            metadata=extras["Metadata"],
            creation_policy=extras["CreationPolicy"],
            update_policy=extras["UpdatePolicy"],
        )
    return resources


def _outputs(section: Mapping[str, Any]) -> dict[str, OutputDeclaration]:
    _check_count("outputs", len(section), MAX_OUTPUTS)
    outputs: dict[str, OutputDeclaration] = {}
    for name, raw in section.items():
        _check_id("Output", name)
        spec = _entry("Outputs", name, raw)
        for attribute in spec:
            if attribute not in OUTPUT_ATTRIBUTES:
                raise TemplateError(
                    f"Template format error: Invalid template output property '{attribute}' "
                    f"[/Outputs/{name}]"
                )
        if "Value" not in spec or spec["Value"] is None:
            raise TemplateError(
                f"Template format error: Every Outputs member must contain a Value object; "
                f"[/Outputs/{name}] has none."
            )
        description = spec.get("Description")
        if description is not None and not isinstance(description, str):
            raise TemplateError(
                f"Template format error: Description of output {name} must be a string."
            )
        condition = spec.get("Condition")
        if condition is not None and not isinstance(condition, str):
            raise TemplateError(
                f"Template format error: Condition of output {name} must name a condition."
            )
        export = spec.get("Export")
        export_name: Any = None
        if export is not None:
            if not isinstance(export, Mapping) or set(export) != {"Name"}:
                raise TemplateError(
                    f"Template format error: Export of output {name} must be {{Name: export-name}}."
                )
            export_name = export["Name"]
        outputs[name] = OutputDeclaration(
            logical_id=name,
            value=spec["Value"],
            description=description,
            condition=condition,
            export_name=export_name,
        )
    return outputs


def _rules(section: Mapping[str, Any]) -> dict[str, RuleDeclaration]:
    rules: dict[str, RuleDeclaration] = {}
    for name, raw in section.items():
        _check_id("Rule", name)
        spec = _entry("Rules", name, raw)
        unknown = [key for key in spec if key not in ("RuleCondition", "Assertions")]
        if unknown:
            raise TemplateError(
                f"Template format error: Invalid rule property {format_names(unknown)} "
                f"[/Rules/{name}]"
            )
        raw_assertions = spec.get("Assertions")
        if not isinstance(raw_assertions, list) or not raw_assertions:
            raise TemplateError(
                f"Template format error: rule {name} must have a list of Assertions."
            )
        assertions: list[RuleAssertion] = []
        for raw_assertion in raw_assertions:
            if not isinstance(raw_assertion, Mapping) or "Assert" not in raw_assertion:
                raise TemplateError(
                    f"Template format error: every assertion of rule {name} must contain Assert."
                )
            extra = [k for k in raw_assertion if k not in ("Assert", "AssertDescription")]
            if extra:
                raise TemplateError(
                    f"Template format error: Invalid assertion property {format_names(extra)} "
                    f"[/Rules/{name}]"
                )
            description = raw_assertion.get("AssertDescription")
            if description is not None and not isinstance(description, str):
                raise TemplateError(
                    f"Template format error: AssertDescription in rule {name} must be a string."
                )
            assertions.append(RuleAssertion(raw_assertion["Assert"], description))
        rules[name] = RuleDeclaration(name, spec.get("RuleCondition"), tuple(assertions))
    return rules


# --------------------------------------------------------------------------- references


def _check_names_declared(
    template: Template, found: References, block: str, *, resources_allowed: bool
) -> None:
    known = set(template.parameters) | set(PSEUDO_PARAMETERS)
    if resources_allowed:
        known |= set(template.resources)
    missing = [name for name in found.refs if name not in known]
    if not resources_allowed:
        missing += [logical_id for logical_id, _ in found.get_atts if logical_id not in missing]
        if missing:
            raise TemplateError(
                f"Template format error: Unresolved dependencies {format_names(missing)}. Cannot "
                f"reference resources in the {block} block of the template"
            )
    if missing:
        raise unresolved(missing, block)
    for logical_id, _ in found.get_atts:
        if logical_id not in template.resources:
            raise TemplateError(
                f"Template error: instance of Fn::GetAtt references undefined resource {logical_id}"
            )
    unknown_conditions = [c for c in found.conditions if c not in template.conditions]
    if unknown_conditions:
        raise TemplateError(
            f"Template format error: Unresolved condition dependencies "
            f"{format_names(unknown_conditions)} in the {block} block of the template"
        )
    unknown_mappings = [m for m in found.mappings if m not in template.mappings]
    if unknown_mappings:
        raise TemplateError(
            f"Template error: Mapping named '{unknown_mappings[0]}' is not present in the "
            "'Mappings' section of template"
        )


def _check_conditions(template: Template) -> None:
    for name, expression in template.conditions.items():
        _check_id("Condition", name)
        found = find_condition_references(expression)
        _check_names_declared(template, found, "Conditions", resources_allowed=False)
    check_condition_cycles(template)


def _check_rules(template: Template) -> None:
    for rule in template.rules.values():
        expressions = [rule.rule_condition, *(a.assertion for a in rule.assertions)]
        for expression in expressions:
            if expression is None:
                continue
            found = find_condition_references(expression)
            _check_names_declared(template, found, "Rules", resources_allowed=False)


def resource_references(resource: ResourceDeclaration) -> References:
    """Everything a resource's Properties, Metadata and policies refer to (all If branches)."""
    return find_references(
        [resource.properties, resource.metadata, resource.creation_policy, resource.update_policy]
    )


def _check_resources(template: Template) -> None:
    graph: dict[str, list[str]] = {}
    for name, resource in template.resources.items():
        if resource.condition is not None and resource.condition not in template.conditions:
            raise TemplateError(
                f"Template format error: Unresolved condition dependencies "
                f"[{resource.condition}] in the Resources block of the template "
                f"(Condition of resource {name})"
            )
        missing = [d for d in resource.depends_on if d not in template.resources]
        if missing:
            raise unresolved(missing, "Resources")
        found = resource_references(resource)
        _check_names_declared(template, found, "Resources", resources_allowed=True)
        references = [n for n in found.logical_ids() if n in template.resources]
        graph[name] = list(dict.fromkeys([*resource.depends_on, *references]))
    cycles = find_cycles(graph)
    if cycles:
        names = [name for cycle in cycles for name in cycle]
        raise TemplateError(f"Circular dependency between resources: {format_names(names)}")


def _check_outputs(template: Template) -> None:
    for name, output in template.outputs.items():
        if output.condition is not None and output.condition not in template.conditions:
            raise TemplateError(
                f"Template format error: Unresolved condition dependencies [{output.condition}] "
                f"in the Outputs block of the template (Condition of output {name})"
            )
        found = find_references([output.value, output.export_name])
        _check_names_declared(template, found, "Outputs", resources_allowed=True)
