"""Evaluation of intrinsic functions, condition functions and rule functions.

An :class:`Evaluator` is configured for one block of one stack: the parameter
values, the pseudo parameters (:class:`StackContext`), the condition values,
and, for Resources and Outputs, the values of created resources. ``AWS::NoValue``
evaluates to :data:`NO_VALUE`, which :meth:`Evaluator.render` removes from the
mapping or list that holds it.
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from clusterport.templates.context import ImportLookup, ResourceValues, StackContext
from clusterport.templates.errors import TemplateError
from clusterport.templates.model import Template
from clusterport.templates.syntax import (
    CONDITION,
    NO_VALUE_NAME,
    PSEUDO_PARAMETERS,
    REF,
    RULE_FUNCTIONS,
    SubVariable,
    check_function_name,
    getatt_arguments,
    intrinsic,
    parse_sub,
    scalar_text,
    sub_arguments,
)

#: CloudFormation's bounds for the count argument of Fn::Cidr.
MAX_CIDR_COUNT: Final = 256


class NoValue:
    """The type of :data:`NO_VALUE`, what ``Ref: AWS::NoValue`` evaluates to."""

    def __repr__(self) -> str:
        return "NO_VALUE"


#: What ``Ref: AWS::NoValue`` evaluates to: the enclosing property or list item is removed.
NO_VALUE: Final = NoValue()

ParameterValue = str | list[str]


def unresolved(names: Collection[str], block: str) -> TemplateError:
    """CloudFormation's error for references to names the template does not declare."""
    return TemplateError(
        f"Template format error: Unresolved resource dependencies [{', '.join(names)}] in the "
        f"{block} block of the template"
    )


@dataclass(frozen=True)
class Evaluator:
    """Evaluates the values of one block (Resources, Outputs, Conditions, Rules) of a stack."""

    template: Template
    parameters: Mapping[str, ParameterValue]
    context: StackContext | None
    block: str
    conditions: Callable[[str], bool] | None = None
    resources: ResourceValues | None = None
    #: Resources whose Condition holds (None: every resource of the template).
    active_resources: Collection[str] | None = None
    import_value: ImportLookup | None = None
    #: Where the evaluated value sits (``Resources/Cluster/Properties``), added to error messages.
    location: str | None = None
    #: Whether the Rules functions (Fn::Contains, Fn::EachMemberIn …) are allowed.
    rules: bool = False

    # ------------------------------------------------------------------ entry points

    def evaluate(self, node: Any) -> Any:
        """Evaluate ``node`` fully; may return :data:`NO_VALUE` if the whole value is removed."""
        try:
            return self.render(node)
        except TemplateError as error:
            raise self._located(error) from None

    def evaluate_condition(self, node: Any) -> bool:
        """Evaluate a condition expression (Fn::Equals, Fn::And … or ``{"Condition": name}``)."""
        try:
            return self.condition_value(node)
        except TemplateError as error:
            raise self._located(error) from None

    def _located(self, error: TemplateError) -> TemplateError:
        if self.location is None or type(error) is not TemplateError:
            return error
        return TemplateError(f"{error.message} (at {self.location})")

    # ------------------------------------------------------------------ rendering

    def render(self, node: Any) -> Any:
        """Evaluate every intrinsic inside ``node``, dropping values that are NO_VALUE."""
        call = intrinsic(node)
        if call is not None:
            return self._call(*call)
        if isinstance(node, dict):
            rendered: dict[str, Any] = {}
            for key, value in node.items():
                result = self.render(value)
                if result is not NO_VALUE:
                    rendered[key] = result
            return rendered
        if isinstance(node, list):
            items = [self.render(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        return node

    def _call(self, name: str, argument: Any) -> Any:
        check_function_name(name)
        if name in RULE_FUNCTIONS or name in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self.condition_value({name: argument})
        handler = _HANDLERS[name]
        return handler(self, argument)

    def _operand(self, node: Any, function: str) -> Any:
        value = self.render(node)
        if value is NO_VALUE:
            raise TemplateError(f"Template error: AWS::NoValue cannot be an argument of {function}")
        return value

    def _text(self, node: Any, function: str, what: str) -> str:
        value = self._operand(node, function)
        text = scalar_text(value)
        if text is None:
            raise TemplateError(
                f"Template error: the {what} of {function} must resolve to a string, "
                f"not {_kind(value)}"
            )
        return text

    def _list(self, node: Any, function: str, what: str) -> list[Any]:
        value = self._operand(node, function)
        if not isinstance(value, list):
            raise TemplateError(
                f"Template error: the {what} of {function} must resolve to a list, "
                f"not {_kind(value)}"
            )
        return value

    # ------------------------------------------------------------------ Ref and GetAtt

    def _ref(self, argument: Any) -> Any:
        if not isinstance(argument, str) or not argument:
            raise TemplateError("Template error: every Ref object must have a single String value.")
        if argument == NO_VALUE_NAME:
            return NO_VALUE
        if argument in PSEUDO_PARAMETERS:
            return self._pseudo(argument)
        if argument in self.parameters:
            value = self.parameters[argument]
            return list(value) if isinstance(value, list) else value
        if argument in self.template.parameters:
            raise TemplateError(
                f"Template error: parameter {argument} has no value; resolve the parameters first"
            )
        if argument in self.template.resources:
            return self._resource_ref(argument)
        raise unresolved([argument], self.block)

    def _pseudo(self, name: str) -> str | list[str]:
        if self.context is None:
            raise TemplateError(
                f"Template error: {name} needs the stack's context (account, region, stack name), "
                "which is not known here"
            )
        return self.context.pseudo_parameter(name)

    def _check_resource(self, logical_id: str) -> ResourceValues:
        if self.resources is None:
            raise TemplateError(
                f"Template format error: Unresolved dependencies [{logical_id}]. Cannot reference "
                f"resources in the {self.block} block of the template"
            )
        if self.active_resources is not None and logical_id not in self.active_resources:
            condition = self.template.resources[logical_id].condition
            raise TemplateError(
                f"Template format error: Unresolved resource dependencies [{logical_id}] in the "
                f"{self.block} block of the template. {logical_id} is not created because its "
                f"Condition {condition} is false; guard the reference with Fn::If on {condition}"
            )
        return self.resources

    def _resource_ref(self, logical_id: str) -> str:
        values = self._check_resource(logical_id)
        try:
            return values.ref(logical_id)
        except KeyError:
            raise TemplateError(
                f"Template error: resource {logical_id} has not been created yet, so Ref "
                f"{logical_id} has no value; create resources in the plan's order"
            ) from None

    def _get_att(self, argument: Any) -> Any:
        logical_id, attribute_node = getatt_arguments(argument)
        attribute = (
            attribute_node
            if isinstance(attribute_node, str)
            else self._text(attribute_node, "Fn::GetAtt", "attribute name")
        )
        return self._attribute(logical_id, attribute)

    def _attribute(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.template.resources:
            raise TemplateError(
                f"Template error: instance of Fn::GetAtt references undefined resource {logical_id}"
            )
        values = self._check_resource(logical_id)
        self._resource_ref(logical_id)
        try:
            return values.get_att(logical_id, attribute)
        except KeyError:
            resource_type = self.template.resources[logical_id].type
            raise TemplateError(
                f"Template error: resource {logical_id} does not support attribute type "
                f"{attribute} in Fn::GetAtt (type {resource_type})"
            ) from None

    # ------------------------------------------------------------------ string functions

    def _sub(self, argument: Any) -> str:
        text, variables = sub_arguments(argument)
        out: list[str] = []
        for piece in parse_sub(text):
            if not isinstance(piece, SubVariable):
                out.append(piece)
                continue
            if piece.name in variables:
                value = self._operand(variables[piece.name], "Fn::Sub")
            elif (pair := piece.resource_attribute) is not None:
                value = self._attribute(*pair)
            else:
                value = self._ref(piece.name)
            rendered = scalar_text(value) if value is not NO_VALUE else None
            if rendered is None:
                raise TemplateError(
                    f"Template error: variable {piece.name} in Fn::Sub expression does not "
                    f"resolve to a string (it is {_kind(value)})"
                )
            out.append(rendered)
        return "".join(out)

    def _join(self, argument: Any) -> str:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(
                "Template error: every Fn::Join object requires two parameters, (1) a string "
                "delimiter and (2) a list of strings to be joined or a function that returns a "
                "list of strings (such as Fn::GetAZs) to be joined."
            )
        delimiter = self._text(argument[0], "Fn::Join", "delimiter")
        items = self._list(argument[1], "Fn::Join", "second argument")
        texts: list[str] = []
        for item in items:
            text = scalar_text(item)
            if text is None:
                raise TemplateError(
                    f"Template error: Fn::Join can only join strings; one element is {_kind(item)}"
                )
            texts.append(text)
        return delimiter.join(texts)

    def _select(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(
                "Template error: Fn::Select requires a list argument with two elements: "
                "an integer index and a list of values"
            )
        index_text = self._text(argument[0], "Fn::Select", "index")
        index = _small_int(index_text)
        if index is None:
            raise TemplateError(
                "Template error: Fn::Select index must be a non-negative integer, "
                f"not '{index_text[:40]}'"
            )
        items = self._list(argument[1], "Fn::Select", "second argument")
        if index >= len(items):
            raise TemplateError(
                f"Template error: Fn::Select cannot select nonexistent value at index {index}"
            )
        return items[index]

    def _split(self, argument: Any) -> list[str]:
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(
                "Template error: Fn::Split requires a list argument with two elements: "
                "a delimiter and a source string"
            )
        delimiter = self._text(argument[0], "Fn::Split", "delimiter")
        source = self._text(argument[1], "Fn::Split", "source string")
        if not delimiter:
            raise TemplateError("Template error: the delimiter of Fn::Split must not be empty")
        return source.split(delimiter)

    def _length(self, argument: Any) -> int:
        return len(self._list(argument, "Fn::Length", "argument"))

    def _to_json_string(self, argument: Any) -> str:
        value = self._operand(argument, "Fn::ToJsonString")
        if not isinstance(value, dict | list):
            raise TemplateError(
                f"Template error: Fn::ToJsonString requires a mapping or a list, not {_kind(value)}"
            )
        return json.dumps(value, separators=(",", ":"))

    def _base64(self, argument: Any) -> str:
        text = self._text(argument, "Fn::Base64", "argument")
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    # ------------------------------------------------------------------ lookups

    def _find_in_map(self, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise TemplateError(
                "Template error: Fn::FindInMap requires a list of three elements: the map name, "
                "the top-level key and the second-level key (and optionally {DefaultValue: …})"
            )
        map_name = self._text(argument[0], "Fn::FindInMap", "map name")
        top = self._text(argument[1], "Fn::FindInMap", "top-level key")
        second = self._text(argument[2], "Fn::FindInMap", "second-level key")
        mapping = self.template.mappings.get(map_name)
        if mapping is not None and top in mapping and second in mapping[top]:
            found = mapping[top][second]
            return list(found) if isinstance(found, list) else found
        if len(argument) == 4:
            option = argument[3]
            if not (isinstance(option, dict) and set(option) == {"DefaultValue"}):
                raise TemplateError(
                    "Template error: the fourth element of Fn::FindInMap must be "
                    "{DefaultValue: value}"
                )
            return self._operand(option["DefaultValue"], "Fn::FindInMap")
        if mapping is None:
            raise TemplateError(
                f"Template error: Mapping named '{map_name}' is not present in the 'Mappings' "
                "section of template"
            )
        raise TemplateError(
            f"Template error: Unable to get mapping for {map_name}::{top}::{second}"
        )

    def _get_azs(self, argument: Any) -> list[str]:
        region = self._text(argument, "Fn::GetAZs", "region")
        if not region:
            pseudo = self._pseudo("AWS::Region")
            region = pseudo if isinstance(pseudo, str) else ""
        return [f"{region}{suffix}" for suffix in "abc"]

    def _cidr(self, argument: Any) -> list[str]:
        if not isinstance(argument, list) or len(argument) != 3:
            raise TemplateError(
                "Template error: Fn::Cidr requires a list of three elements: the address block, "
                "the number of subnets and the number of subnet (host) bits"
            )
        block = self._text(argument[0], "Fn::Cidr", "address block")
        count_text = self._text(argument[1], "Fn::Cidr", "count")
        bits_text = self._text(argument[2], "Fn::Cidr", "cidrBits")
        try:
            network = ipaddress.ip_network(block.strip(), strict=False)
        except ValueError:
            raise TemplateError(
                f"Template error: Fn::Cidr address block '{block}' is not a CIDR block "
                "such as 10.0.0.0/16"
            ) from None
        count = _small_int(count_text)
        if count is None or not 1 <= count <= MAX_CIDR_COUNT:
            raise TemplateError(
                f"Template error: Fn::Cidr count must be an integer from 1 to {MAX_CIDR_COUNT}, "
                f"not '{count_text[:40]}'"
            )
        bits = _small_int(bits_text)
        if bits is None or bits > network.max_prefixlen:
            raise TemplateError(
                f"Template error: Fn::Cidr cidrBits must be an integer from 0 to "
                f"{network.max_prefixlen}, not '{bits_text[:40]}'"
            )
        new_prefix = network.max_prefixlen - bits
        if new_prefix < network.prefixlen:
            raise TemplateError(
                f"Template error: Fn::Cidr cannot carve /{new_prefix} subnets out of {network}: "
                f"cidrBits {bits} is larger than the block's "
                f"{network.max_prefixlen - network.prefixlen} host bits"
            )
        available = 2 ** (new_prefix - network.prefixlen)
        if count > available:
            raise TemplateError(
                f"Template error: Fn::Cidr cannot carve {count} /{new_prefix} subnets out of "
                f"{network}; it holds {available}"
            )
        subnets = itertools.islice(network.subnets(new_prefix=new_prefix), count)
        return [str(subnet) for subnet in subnets]

    def _import_value(self, argument: Any) -> str:
        name = self._text(argument, "Fn::ImportValue", "export name")
        if self.import_value is None:
            raise TemplateError(
                f"Template error: Fn::ImportValue {name} cannot be evaluated here; exports are "
                "only known when a stack is created or updated"
            )
        value = self.import_value(name)
        if value is None:
            raise TemplateError(
                f"No export named {name} found. Create the stack that exports it first."
            )
        return value

    # ------------------------------------------------------------------ conditions

    def _condition(self, name: Any) -> bool:
        if not isinstance(name, str) or not name:
            raise TemplateError("Template error: a condition reference must name a condition")
        if self.conditions is None:
            raise TemplateError(f"Template error: condition {name} cannot be evaluated here")
        return self.conditions(name)

    def _if(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(
                "Template error: Fn::If requires a list argument with three elements: "
                "a condition name, the value if true and the value if false"
            )
        branch = argument[1] if self._condition(argument[0]) else argument[2]
        return self.render(branch)

    def condition_value(self, node: Any) -> bool:
        """The truth of a condition expression."""
        if isinstance(node, dict) and len(node) == 1 and CONDITION in node:
            return self._condition(node[CONDITION])
        call = intrinsic(node)
        if call is None:
            raise TemplateError(
                "Template error: a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
                f"{{Condition: name}}, not {_kind(node)}"
            )
        name, argument = call
        check_function_name(name)
        if name == "Fn::Equals":
            if not isinstance(argument, list) or len(argument) != 2:
                raise TemplateError(
                    "Template error: Fn::Equals requires a list argument with two elements"
                )
            left = self._operand(argument[0], name)
            right = self._operand(argument[1], name)
            return bool(_comparable(left) == _comparable(right))
        if name in ("Fn::And", "Fn::Or"):
            if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                raise TemplateError(f"Template error: {name} requires a list of 2 to 10 conditions")
            truths = [self.condition_value(operand) for operand in argument]
            return all(truths) if name == "Fn::And" else any(truths)
        if name == "Fn::Not":
            if not isinstance(argument, list) or len(argument) != 1:
                raise TemplateError("Template error: Fn::Not requires a list of one condition")
            return not self.condition_value(argument[0])
        if name in RULE_FUNCTIONS:
            return self._rule_function(name, argument)
        value = self.render(node)
        if isinstance(value, bool):
            return value
        raise TemplateError(
            f"Template error: {name} does not evaluate to true or false, so it cannot be a "
            "condition"
        )

    # ------------------------------------------------------------------ rules

    def _rule_function(self, name: str, argument: Any) -> bool:
        if not self.rules:
            raise TemplateError(f"Template error: {name} can only be used in the Rules section")
        if name in ("Fn::ValueOf", "Fn::ValueOfAll"):
            raise TemplateError(
                f"Template error: {name} reads attributes of account resources (such as a VPC's "
                "tags), which rules on this platform cannot read; constrain the parameter with "
                "AllowedValues or AllowedPattern instead"
            )
        if name == "Fn::RefAll":
            raise TemplateError(
                "Template error: Fn::RefAll returns a list; use it inside Fn::Contains, "
                "Fn::EachMemberEquals or Fn::EachMemberIn"
            )
        if not isinstance(argument, list) or len(argument) != 2:
            raise TemplateError(
                f"Template error: {name} requires a list argument with two elements"
            )
        values = [_comparable(v) for v in self._rule_list(argument[0], name)]
        if name == "Fn::Contains":
            return _comparable(self._operand(argument[1], name)) in values
        if name == "Fn::EachMemberEquals":
            expected = _comparable(self._operand(argument[1], name))
            return all(value == expected for value in values)
        allowed = [_comparable(v) for v in self._rule_list(argument[1], name)]
        return all(value in allowed for value in values)

    def _rule_list(self, node: Any, function: str) -> list[Any]:
        call = intrinsic(node)
        if call is not None and call[0] == "Fn::RefAll":
            parameter_type = self._text(call[1], "Fn::RefAll", "parameter type")
            values: list[Any] = []
            for key, declaration in self.template.parameters.items():
                if declaration.type == parameter_type and key in self.parameters:
                    value = self.parameters[key]
                    values.extend(value if isinstance(value, list) else [value])
            return values
        return self._list(node, function, "list argument")


def _small_int(text: str) -> int | None:
    """A non-negative integer of at most nine digits written in ``text``, or None."""
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit() or len(stripped) > 9:
        return None
    return int(stripped)


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    text = scalar_text(value)
    return text if text is not None else value


def _kind(value: Any) -> str:
    if value is NO_VALUE:
        return "AWS::NoValue"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return "a value"


_HANDLERS: Final[Mapping[str, Callable[[Evaluator, Any], Any]]] = MappingProxyType(
    {
        REF: Evaluator._ref,
        "Fn::GetAtt": Evaluator._get_att,
        "Fn::Sub": Evaluator._sub,
        "Fn::Join": Evaluator._join,
        "Fn::Select": Evaluator._select,
        "Fn::Split": Evaluator._split,
        "Fn::Base64": Evaluator._base64,
        "Fn::FindInMap": Evaluator._find_in_map,
        "Fn::GetAZs": Evaluator._get_azs,
        "Fn::Cidr": Evaluator._cidr,
        "Fn::ImportValue": Evaluator._import_value,
        "Fn::If": Evaluator._if,
        "Fn::Length": Evaluator._length,
        "Fn::ToJsonString": Evaluator._to_json_string,
    }
)
