"""Planning a stack: which resources to create, in which order, with which properties.

:func:`plan` evaluates the conditions for the stack's parameter values, keeps
the resources whose Condition holds, and orders them so that each comes after
everything it depends on (DependsOn, and every Ref, Fn::GetAtt and Fn::Sub
reference in the branches its conditions select). The stack runner then
creates resources in :attr:`StackPlan.creation_order`, rendering each one's
properties with :meth:`StackPlan.render_properties` once the resources it
depends on are recorded, and finally evaluates :meth:`StackPlan.render_outputs`.
Deletion goes the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clusterport.templates.conditions import evaluate_conditions
from clusterport.templates.context import ImportLookup, ResourceValues, StackContext
from clusterport.templates.errors import TemplateError
from clusterport.templates.graph import (
    dependency_waves,
    find_cycles,
    format_names,
    topological_order,
)
from clusterport.templates.intrinsics import NO_VALUE, Evaluator, ParameterValue
from clusterport.templates.model import Template
from clusterport.templates.parameters import ResolvedParameters
from clusterport.templates.references import find_references
from clusterport.templates.syntax import LANGUAGE_EXTENSIONS, scalar_text


@dataclass(frozen=True)
class PlannedResource:
    """A resource the stack creates."""

    logical_id: str
    type: str
    #: Resources that must exist before this one (explicit DependsOn and references).
    depends_on: frozenset[str]
    condition: str | None
    deletion_policy: str
    update_replace_policy: str


@dataclass(frozen=True)
class StackOutput:
    """An evaluated output of a stack."""

    key: str
    value: str
    description: str | None = None
    export_name: str | None = None


@dataclass(frozen=True)
class StackPlan:
    """The resources of one stack in creation order, and how to render them."""

    template: Template
    parameters: ResolvedParameters
    context: StackContext
    conditions: Mapping[str, bool]
    #: Resources whose Condition holds, in creation order.
    resources: Mapping[str, PlannedResource]
    #: Resources left out because their Condition is false, in template order.
    skipped: tuple[str, ...] = ()
    #: Outputs whose Condition holds, in template order.
    output_keys: tuple[str, ...] = ()
    import_value: ImportLookup | None = field(default=None, compare=False)

    @property
    def creation_order(self) -> tuple[str, ...]:
        """Logical IDs in an order where each resource follows its dependencies."""
        return tuple(self.resources)

    @property
    def deletion_order(self) -> tuple[str, ...]:
        """The reverse of the creation order: dependents go before what they depend on."""
        return tuple(reversed(tuple(self.resources)))

    def creation_waves(self) -> list[list[str]]:
        """Groups of resources that may be created in parallel, each group after the previous."""
        return dependency_waves({k: r.depends_on for k, r in self.resources.items()})

    def dependents(self, logical_id: str) -> list[str]:
        """Resources that depend on ``logical_id`` (they must be deleted before it)."""
        return [k for k, r in self.resources.items() if logical_id in r.depends_on]

    def _evaluator(self, location: str, values: ResourceValues | None, block: str) -> Evaluator:
        parameters: Mapping[str, ParameterValue] = self.parameters.ref_values()
        return Evaluator(
            template=self.template,
            parameters=parameters,
            context=self.context,
            block=block,
            conditions=self._condition,
            resources=values,
            active_resources=self.resources.keys(),
            import_value=self.import_value,
            location=location,
        )

    def _condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(
                f"Template format error: Unresolved condition dependencies [{name}] in the "
                "Resources block of the template"
            )
        return self.conditions[name]

    def _planned(self, logical_id: str) -> PlannedResource:
        if logical_id not in self.resources:
            if logical_id in self.skipped:
                raise TemplateError(
                    f"Resource {logical_id} is not part of this stack: its Condition "
                    f"{self.template.resources[logical_id].condition} is false"
                )
            raise TemplateError(f"Resource {logical_id} is not declared in the template")
        return self.resources[logical_id]

    def render_properties(self, logical_id: str, values: ResourceValues) -> dict[str, Any]:
        """The resource's Properties with every intrinsic evaluated and AWS::NoValue removed.

        ``values`` must hold the resources this one depends on.
        """
        self._planned(logical_id)
        properties = self.template.resources[logical_id].properties
        evaluator = self._evaluator(f"Resources/{logical_id}/Properties", values, "Resources")
        rendered = evaluator.evaluate(dict(properties))
        return rendered if isinstance(rendered, dict) else {}

    def render_metadata(self, logical_id: str, values: ResourceValues) -> dict[str, Any] | None:
        """The resource's Metadata, evaluated like its properties (None when it has none)."""
        self._planned(logical_id)
        metadata = self.template.resources[logical_id].metadata
        if metadata is None:
            return None
        evaluator = self._evaluator(f"Resources/{logical_id}/Metadata", values, "Resources")
        rendered = evaluator.evaluate(dict(metadata))
        return rendered if isinstance(rendered, dict) else {}

    def render_outputs(self, values: ResourceValues) -> list[StackOutput]:
        """Every output whose Condition holds, evaluated, in template order."""
        outputs: list[StackOutput] = []
        for key in self.output_keys:
            declaration = self.template.outputs[key]
            evaluator = self._evaluator(f"Outputs/{key}", values, "Outputs")
            value = _output_text(evaluator.evaluate(declaration.value), f"Value of output {key}")
            export_name = None
            if declaration.export_name is not None:
                export_name = _output_text(
                    evaluator.evaluate(declaration.export_name), f"Export Name of output {key}"
                )
            outputs.append(StackOutput(key, value, declaration.description, export_name))
        return outputs


def _output_text(value: Any, what: str) -> str:
    if value is NO_VALUE:
        raise TemplateError(f"Template error: the {what} resolves to AWS::NoValue")
    text = scalar_text(value)
    if text is None:
        raise TemplateError(
            f"Template format error: the {what} must resolve to a String; use Fn::Join to turn "
            "a list into text"
        )
    return text


def plan(
    template: Template,
    parameters: ResolvedParameters,
    context: StackContext,
    *,
    import_value: ImportLookup | None = None,
) -> StackPlan:
    """Decide which resources a stack creates and in which order.

    ``parameters`` comes from :func:`~clusterport.templates.parameters.resolve_parameters`
    for the same template; ``import_value`` looks up the account's exports for Fn::ImportValue.
    """
    foreign = [name for name in template.transforms if name != LANGUAGE_EXTENSIONS]
    if foreign:
        raise TemplateError(
            f"Template format error: the template declares the transform(s) "
            f"{', '.join(foreign)}, and this platform runs no transforms or macros (only the "
            f"functions of {LANGUAGE_EXTENSIONS}). Process the template (for example with "
            "'sam build' or 'aws cloudformation package') and submit the result."
        )
    missing = [key for key in template.parameters if key not in parameters]
    if missing:
        raise TemplateError(
            f"Parameters: [{', '.join(missing)}] must have values (resolve the parameters "
            "against this template first)"
        )
    values = parameters.ref_values()
    conditions = evaluate_conditions(template, values, context)

    def choose(name: str) -> bool:
        return conditions[name]

    active = [
        key
        for key, resource in template.resources.items()
        if resource.condition is None or conditions[resource.condition]
    ]
    active_set = set(active)
    skipped = tuple(key for key in template.resources if key not in active_set)
    graph: dict[str, list[str]] = {}
    for key in active:
        resource = template.resources[key]
        inactive = [d for d in resource.depends_on if d not in active_set]
        if inactive:
            raise _not_created(template, key, inactive)
        found = find_references(
            [
                resource.properties,
                resource.metadata,
                resource.creation_policy,
                resource.update_policy,
            ],
            choose=choose,
        )
        referenced = [name for name in found.logical_ids() if name in template.resources]
        inactive = [name for name in referenced if name not in active_set]
        if inactive:
            raise _not_created(template, key, inactive)
        graph[key] = list(dict.fromkeys([*resource.depends_on, *referenced]))
    cycles = find_cycles(graph)
    if cycles:  # pragma: no cover - the template's static check already refuses cycles
        names = [name for cycle in cycles for name in cycle]
        raise TemplateError(f"Circular dependency between resources: {format_names(names)}")
    planned = {
        key: PlannedResource(
            logical_id=key,
            type=template.resources[key].type,
            depends_on=frozenset(graph[key]),
            condition=template.resources[key].condition,
            deletion_policy=template.resources[key].deletion_policy,
            update_replace_policy=template.resources[key].update_replace_policy,
        )
        for key in topological_order(graph)
    }
    output_keys: list[str] = []
    for key, output in template.outputs.items():
        if output.condition is not None and not conditions[output.condition]:
            continue
        found = find_references([output.value, output.export_name], choose=choose)
        inactive = [
            name
            for name in found.logical_ids()
            if name in template.resources and name not in active_set
        ]
        if inactive:
            # The template is well formed; the stack's conditions leave the resource out.
            # CloudFormation words this without its "Template format error:" prefix.
            raise TemplateError(
                f"Unresolved resource dependencies {format_names(inactive)} in the Outputs "
                f"block of the template. Output {key} refers to "
                + ", ".join(
                    f"{name} (Condition {template.resources[name].condition} is false)"
                    for name in inactive
                )
                + f"; give {key} the same Condition or guard the reference with Fn::If"
            )
        output_keys.append(key)
    return StackPlan(
        template=template,
        parameters=parameters,
        context=context,
        conditions=conditions,
        resources=planned,
        skipped=skipped,
        output_keys=tuple(output_keys),
        import_value=import_value,
    )


def _not_created(template: Template, key: str, inactive: list[str]) -> TemplateError:
    reasons = ", ".join(
        f"{name} (Condition {template.resources[name].condition} is false)" for name in inactive
    )
    return TemplateError(
        f"Template format error: Unresolved resource dependencies {format_names(inactive)} in the "
        f"Resources block of the template. Resource {key} depends on {reasons}; give {key} the "
        "same Condition or guard the reference with Fn::If"
    )
