"""Evaluating the Conditions section.

Conditions may use parameters, pseudo parameters, mappings and other
conditions, never resources. They are evaluated in dependency order (each
after the conditions it uses), so a long chain never recurses.
"""

from __future__ import annotations

from collections.abc import Mapping

from clusterport.templates.context import StackContext
from clusterport.templates.errors import TemplateError
from clusterport.templates.graph import find_cycles, format_names, topological_order
from clusterport.templates.intrinsics import Evaluator, ParameterValue
from clusterport.templates.model import Template
from clusterport.templates.references import find_condition_references


def condition_graph(template: Template) -> dict[str, list[str]]:
    """Condition name → the conditions it uses."""
    return {
        name: list(find_condition_references(expression).conditions)
        for name, expression in template.conditions.items()
    }


def check_condition_cycles(template: Template) -> None:
    """Raise if conditions use each other in a cycle."""
    cycles = find_cycles(condition_graph(template))
    if cycles:
        names = [name for cycle in cycles for name in cycle]
        raise TemplateError(
            f"Template format error: Circular dependency between conditions: {format_names(names)}"
        )


def evaluate_conditions(
    template: Template,
    parameters: Mapping[str, ParameterValue],
    context: StackContext | None,
) -> dict[str, bool]:
    """The truth of every condition of the template, for these parameter values."""
    graph = condition_graph(template)
    check_condition_cycles(template)
    results: dict[str, bool] = {}

    def lookup(name: str) -> bool:
        if name not in results:
            if name in template.conditions:  # pragma: no cover - dependency order guarantees it
                raise TemplateError(f"Template error: condition {name} is used before it is known")
            raise TemplateError(
                f"Template format error: Unresolved condition dependencies [{name}] in the "
                "Conditions block of the template"
            )
        return results[name]

    for name in topological_order(graph):
        evaluator = Evaluator(
            template=template,
            parameters=parameters,
            context=context,
            block="Conditions",
            conditions=lookup,
            location=f"Conditions/{name}",
        )
        results[name] = evaluator.evaluate_condition(template.conditions[name])
    return {name: results[name] for name in template.conditions}
