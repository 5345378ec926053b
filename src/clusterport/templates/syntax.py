"""Names and small syntax helpers shared by every part of the engine.

Intrinsic functions are recognised in their long form only (``{"Fn::Sub": …}``,
``{"Ref": …}``); the YAML loader turns every short form into the long form
before anything else sees the document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final

from clusterport.templates.errors import TemplateError

REF: Final = "Ref"
CONDITION: Final = "Condition"

#: Intrinsic functions usable in Resources, Outputs and Metadata.
VALUE_FUNCTIONS: Final = frozenset(
    {
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Length",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
    }
)

#: The transform whose functions (Fn::Length, Fn::ToJsonString, Fn::FindInMap's
#: DefaultValue) the engine evaluates itself; every other transform is refused.
LANGUAGE_EXTENSIONS: Final = "AWS::LanguageExtensions"

#: Condition functions (Conditions, Rules, and the condition argument of Fn::If).
CONDITION_FUNCTIONS: Final = frozenset({"Fn::And", "Fn::Equals", "Fn::Not", "Fn::Or"})

#: Functions that only the Rules section may use.
RULE_FUNCTIONS: Final = frozenset(
    {
        "Fn::Contains",
        "Fn::EachMemberEquals",
        "Fn::EachMemberIn",
        "Fn::RefAll",
        "Fn::ValueOf",
        "Fn::ValueOfAll",
    }
)

SUPPORTED_FUNCTIONS: Final = VALUE_FUNCTIONS | CONDITION_FUNCTIONS | RULE_FUNCTIONS | {REF}

#: Functions CloudFormation knows that this engine refuses, with the reason.
REFUSED_FUNCTIONS: Final = {
    "Fn::Transform": (
        "Fn::Transform runs CloudFormation macros, which this platform does not host; "
        "expand the macro and submit the processed template"
    ),
    "Fn::ForEach": (
        "Fn::ForEach (from the AWS::LanguageExtensions transform) is not supported by this "
        "platform; write the resources out one by one"
    ),
}

NO_VALUE_NAME: Final = "AWS::NoValue"

PSEUDO_PARAMETERS: Final = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        NO_VALUE_NAME,
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)

_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
_SUB_VARIABLE = re.compile(r"[A-Za-z0-9_.:]+")
#: A ``${…}`` placeholder of an Fn::Sub string.
SUB_PLACEHOLDER: Final = re.compile(r"\$\{([^}]*)\}")


def intrinsic(node: Any) -> tuple[str, Any] | None:
    """``(function name, argument)`` when ``node`` is an intrinsic function call, else None.

    An intrinsic is a mapping with exactly one key that is ``Ref`` or starts with ``Fn::``.
    """
    if isinstance(node, dict) and len(node) == 1:
        ((key, value),) = node.items()
        if key == REF or (isinstance(key, str) and key.startswith("Fn::")):
            return key, value
    return None


def check_function_name(name: str) -> None:
    """Raise unless ``name`` is an intrinsic function the engine evaluates."""
    if name in SUPPORTED_FUNCTIONS:
        return
    if name in REFUSED_FUNCTIONS:
        raise TemplateError(f"Template format error: {REFUSED_FUNCTIONS[name]}.")
    supported = ", ".join(sorted(VALUE_FUNCTIONS | CONDITION_FUNCTIONS | {REF}))
    raise TemplateError(
        f"Template format error: Encountered unsupported function: {name} "
        f"Supported functions are: [{supported}]"
    )


def is_logical_id(name: str) -> bool:
    """True when ``name`` is a valid logical ID (ASCII letters and digits only)."""
    return _LOGICAL_ID.fullmatch(name) is not None and len(name) <= 255


@dataclass(frozen=True)
class SubVariable:
    """A ``${Name}`` or ``${Resource.Attribute}`` placeholder of an Fn::Sub string."""

    name: str

    @property
    def resource_attribute(self) -> tuple[str, str] | None:
        """``(logical_id, attribute)`` for a ``${Resource.Attribute}`` placeholder."""
        if "." not in self.name:
            return None
        logical_id, attribute = self.name.split(".", 1)
        return logical_id, attribute


def parse_sub(text: str) -> list[str | SubVariable]:
    """Split an Fn::Sub string into literal text and variables.

    ``${!Literal}`` stands for the literal text ``${Literal}``; a ``${`` without a
    closing brace is literal text, as in CloudFormation.
    """
    pieces: list[str | SubVariable] = []
    position = 0
    for match in SUB_PLACEHOLDER.finditer(text):
        if match.start() > position:
            pieces.append(text[position : match.start()])
        body = match.group(1)
        if body.startswith("!"):
            pieces.append("${" + body[1:] + "}")
        elif _SUB_VARIABLE.fullmatch(body) is None:
            raise TemplateError(
                "Template error: variable names in Fn::Sub syntax must contain only "
                "alphanumeric characters, underscores, periods, and colons "
                f"(found '${{{body}}}'; write '${{!{body}}}' for literal text)"
            )
        else:
            pieces.append(SubVariable(body))
        position = match.end()
    if position < len(text):
        pieces.append(text[position:])
    return pieces


def sub_arguments(argument: Any) -> tuple[str, dict[str, Any]]:
    """The template string and the variable map of an Fn::Sub argument (string or list form)."""
    if isinstance(argument, str):
        return argument, {}
    if (
        isinstance(argument, list)
        and len(argument) == 2
        and isinstance(argument[0], str)
        and isinstance(argument[1], dict)
    ):
        return argument[0], argument[1]
    raise TemplateError(
        "Template error: One or more Fn::Sub intrinsic functions don't specify expected "
        "arguments. Specify a string as first argument, and an optional second argument "
        "to specify a mapping of values to replace in the string"
    )


def getatt_arguments(argument: Any) -> tuple[str, Any]:
    """``(logical_id, attribute)`` of an Fn::GetAtt argument (``"A.B"`` or ``[A, B]``).

    The attribute may itself be an intrinsic (``{"Ref": "AttributeParameter"}``).
    """
    if isinstance(argument, str) and "." in argument:
        logical_id, attribute = argument.split(".", 1)
        if logical_id and attribute:
            return logical_id, attribute
    if (
        isinstance(argument, list)
        and len(argument) == 2
        and isinstance(argument[0], str)
        and argument[0]
        and ((isinstance(argument[1], str) and argument[1]) or intrinsic(argument[1]) is not None)
    ):
        return argument[0], argument[1]
    raise TemplateError(
        "Template error: every Fn::GetAtt object requires two non-empty parameters, "
        "the resource name and the resource attribute"
    )


def scalar_text(value: Any) -> str | None:
    """The CloudFormation text of a scalar (``true``, ``42``, ``1.5``), or None for non-scalars."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return None


def type_matches(resource_type: str, patterns: Collection[str]) -> bool:
    """True when ``resource_type`` equals a pattern or starts with a pattern ending in ``*``.

    ``AWS::EC2::*`` matches every EC2 type, ``Custom::*`` every custom resource.
    """
    if resource_type in patterns:
        return True
    return any(p.endswith("*") and resource_type.startswith(p[:-1]) for p in patterns)


def walk_depth(node: Any) -> Iterator[tuple[Any, int]]:
    """Every node of a document with its nesting depth, iteratively (no recursion)."""
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        yield current, depth
        if isinstance(current, dict):
            stack.extend((child, depth + 1) for child in current.values())
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in current)
