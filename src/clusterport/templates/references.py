"""Finding what a piece of template refers to, without evaluating it.

Used to validate a template (every name it uses is declared), to build the
dependency graph (a resource depends on every resource it references), and to
strip resources out of a template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clusterport.templates.errors import TemplateError
from clusterport.templates.syntax import (
    CONDITION,
    REF,
    SubVariable,
    check_function_name,
    getatt_arguments,
    intrinsic,
    parse_sub,
    sub_arguments,
)


@dataclass
class References:
    """Names a piece of template uses, each in order of first use."""

    #: Names used through Ref or an Fn::Sub ``${Name}``: parameters, pseudo parameters, resources.
    refs: dict[str, None] = field(default_factory=dict)
    #: ``(logical_id, attribute)`` used through Fn::GetAtt or ``${Resource.Attribute}``;
    #: the attribute is ``""`` when it is computed by an intrinsic.
    get_atts: dict[tuple[str, str], None] = field(default_factory=dict)
    #: Condition names used by Fn::If and by ``{"Condition": …}`` inside condition functions.
    conditions: dict[str, None] = field(default_factory=dict)
    #: Mapping names given literally to Fn::FindInMap.
    mappings: dict[str, None] = field(default_factory=dict)

    def logical_ids(self) -> dict[str, None]:
        """Every name used through Ref, Fn::GetAtt or Fn::Sub, in order of first use."""
        names = dict(self.refs)
        for logical_id, _ in self.get_atts:
            names.setdefault(logical_id, None)
        return names


def find_references(node: Any, *, choose: Callable[[str], bool] | None = None) -> References:
    """Collect the references of ``node`` (a property value, an output value, a condition …).

    With ``choose`` (condition name → its value), only the branch of each Fn::If
    that the condition selects is searched: that is what a stack really depends on.
    Raises :class:`TemplateError` for malformed intrinsic function calls.
    """
    found = References()
    _walk(node, found, choose, frozenset())
    return found


def find_condition_references(node: Any) -> References:
    """Collect the references of a condition expression (which may be ``{"Condition": name}``)."""
    found = References()
    _condition_operand(node, found, None, frozenset())
    return found


def _condition_operand(
    node: Any, found: References, choose: Callable[[str], bool] | None, local: frozenset[str]
) -> None:
    if isinstance(node, dict) and len(node) == 1 and CONDITION in node:
        name = node[CONDITION]
        if not isinstance(name, str) or not name:
            raise TemplateError("Template error: a Condition reference must name a condition")
        found.conditions.setdefault(name, None)
        return
    _walk(node, found, choose, local)


def _walk(
    node: Any, found: References, choose: Callable[[str], bool] | None, local: frozenset[str]
) -> None:
    call = intrinsic(node)
    if call is None:
        if isinstance(node, dict):
            for value in node.values():
                _walk(value, found, choose, local)
        elif isinstance(node, list):
            for value in node:
                _walk(value, found, choose, local)
        return
    name, argument = call
    check_function_name(name)
    if name == REF:
        if not isinstance(argument, str) or not argument:
            raise TemplateError("Template error: every Ref object must have a single String value.")
        if argument not in local:
            found.refs.setdefault(argument, None)
    elif name == "Fn::GetAtt":
        logical_id, attribute = getatt_arguments(argument)
        if isinstance(attribute, str):
            found.get_atts.setdefault((logical_id, attribute), None)
        else:
            found.get_atts.setdefault((logical_id, ""), None)
            _walk(attribute, found, choose, local)
    elif name == "Fn::Sub":
        text, variables = sub_arguments(argument)
        for piece in parse_sub(text):
            if not isinstance(piece, SubVariable) or piece.name in variables:
                continue
            resource_attribute = piece.resource_attribute
            if resource_attribute is not None:
                found.get_atts.setdefault(resource_attribute, None)
            else:
                found.refs.setdefault(piece.name, None)
        for value in variables.values():
            _walk(value, found, choose, local)
    elif name == "Fn::If":
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            raise TemplateError(
                "Template error: Fn::If requires a list argument with three elements: "
                "a condition name, the value if true and the value if false"
            )
        condition = argument[0]
        found.conditions.setdefault(condition, None)
        if choose is None:
            _walk(argument[1], found, choose, local)
            _walk(argument[2], found, choose, local)
        else:
            _walk(argument[1] if choose(condition) else argument[2], found, choose, local)
    elif name in ("Fn::And", "Fn::Or", "Fn::Not"):
        if not isinstance(argument, list):
            raise TemplateError(f"Template error: {name} requires a list of conditions")
        for operand in argument:
            _condition_operand(operand, found, choose, local)
    elif name == "Fn::FindInMap":
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            found.mappings.setdefault(argument[0], None)
        _walk(argument, found, choose, local)
    else:
        _walk(argument, found, choose, local)
