"""Evaluating the Rules section: assertions on parameter values, checked before any resource.

A rule whose RuleCondition holds (or that has none) must have every
Assertion hold; the first one that fails stops the operation with its
AssertDescription, as CloudFormation does.
"""

from __future__ import annotations

from collections.abc import Mapping

from clusterport.templates.context import StackContext
from clusterport.templates.errors import ParameterValidationError
from clusterport.templates.intrinsics import Evaluator, ParameterValue
from clusterport.templates.model import Template
from clusterport.templates.references import find_condition_references


def check_rules(
    template: Template,
    values: Mapping[str, ParameterValue],
    context: StackContext | None,
) -> None:
    """Raise :class:`ParameterValidationError` for the first failing rule assertion.

    ``values`` maps each parameter to what Ref returns for it.
    """
    for name, rule in template.rules.items():
        evaluator = Evaluator(
            template=template,
            parameters=values,
            context=context,
            block="Rules",
            location=f"Rules/{name}",
            rules=True,
        )
        if rule.rule_condition is not None and not evaluator.evaluate_condition(
            rule.rule_condition
        ):
            continue
        for position, assertion in enumerate(rule.assertions, start=1):
            if evaluator.evaluate_condition(assertion.assertion):
                continue
            used = list(find_condition_references(assertion.assertion).refs)
            involved = [key for key in used if key in template.parameters]
            description = assertion.description or (
                f"Template rule {name} failed: assertion {position} does not hold for the "
                "given parameter values"
            )
            raise ParameterValidationError(
                description if assertion.description is None else f"{description} (rule {name})",
                parameters=involved,
                constraint=f"Rules/{name}",
            )
