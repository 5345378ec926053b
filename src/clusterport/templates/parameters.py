"""Parameter types, guardrails (constraints) and resolution of the values a caller gives.

CloudFormation parameter values are always text; the type is a validator.
``Number`` values stay text when referenced, list types (``CommaDelimitedList``,
``List<…>``) become lists of text. ``AWS::EC2::…`` types are checked against
the account's real resources through a :class:`ResourceIdChecker` that the
caller passes in; this module does no I/O itself.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol

from clusterport.templates.context import StackContext
from clusterport.templates.errors import ParameterValidationError, TemplateError
from clusterport.templates.model import ParameterDeclaration, Template
from clusterport.templates.rules import check_rules
from clusterport.templates.syntax import scalar_text

#: Parameter types that name an existing resource, with the prefix of their IDs (None: any text).
AWS_SPECIFIC_TYPES: Final = MappingProxyType(
    {
        "AWS::EC2::AvailabilityZone::Name": None,
        "AWS::EC2::Image::Id": "ami-",
        "AWS::EC2::Instance::Id": "i-",
        "AWS::EC2::KeyPair::KeyName": None,
        "AWS::EC2::SecurityGroup::GroupName": None,
        "AWS::EC2::SecurityGroup::Id": "sg-",
        "AWS::EC2::Subnet::Id": "subnet-",
        "AWS::EC2::Volume::Id": "vol-",
        "AWS::EC2::VPC::Id": "vpc-",
        "AWS::Route53::HostedZone::Id": None,
    }
)

_KIND_NAMES: Final = MappingProxyType(
    {
        "AWS::EC2::AvailabilityZone::Name": "an Availability Zone name",
        "AWS::EC2::Image::Id": "an image ID",
        "AWS::EC2::Instance::Id": "an instance ID",
        "AWS::EC2::KeyPair::KeyName": "a key pair name",
        "AWS::EC2::SecurityGroup::GroupName": "a security group name",
        "AWS::EC2::SecurityGroup::Id": "a security group ID",
        "AWS::EC2::Subnet::Id": "a subnet ID",
        "AWS::EC2::Volume::Id": "a volume ID",
        "AWS::EC2::VPC::Id": "a VPC ID",
        "AWS::Route53::HostedZone::Id": "a hosted zone ID",
    }
)

#: Every parameter type the engine accepts.
PARAMETER_TYPES: Final = frozenset(
    {"String", "Number", "List<Number>", "CommaDelimitedList"}
    | set(AWS_SPECIFIC_TYPES)
    | {f"List<{t}>" for t in AWS_SPECIFIC_TYPES}
)

#: CloudFormation's limit on one parameter value.
MAX_VALUE_LENGTH: Final = 4096

NO_ECHO_MASK: Final = "****"

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")


class ResourceIdChecker(Protocol):
    """Tells whether a value names an existing resource of the caller's account and region.

    Called as ``checker(parameter_type, value)``, e.g.
    ``checker("AWS::EC2::VPC::Id", "vpc-0abc…")``; for list types it is called once per item
    with the item type.
    """

    def __call__(self, parameter_type: str, value: str, /) -> bool:
        """True when ``value`` names an existing resource of ``parameter_type``."""
        ...


@dataclass(frozen=True)
class ResolvedParameter:
    """The value a stack uses for one parameter."""

    key: str
    type: str
    value: str
    no_echo: bool
    source: Literal["given", "previous", "default"]
    items: tuple[str, ...] | None = None

    @property
    def ref_value(self) -> str | list[str]:
        """What ``Ref`` to the parameter returns: text, or a list of text for list types."""
        return list(self.items) if self.items is not None else self.value

    @property
    def display_value(self) -> str:
        """The value as DescribeStacks shows it: ``****`` for NoEcho parameters."""
        return NO_ECHO_MASK if self.no_echo else self.value


@dataclass(frozen=True)
class ResolvedParameters:
    """All parameter values of a stack, in template order."""

    parameters: tuple[ResolvedParameter, ...] = ()

    def __getitem__(self, key: str) -> ResolvedParameter:
        for parameter in self.parameters:
            if parameter.key == key:
                return parameter
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(parameter.key == key for parameter in self.parameters)

    def ref_values(self) -> dict[str, str | list[str]]:
        """Parameter name → the value ``Ref`` returns."""
        return {p.key: p.ref_value for p in self.parameters}

    def raw_values(self) -> dict[str, str]:
        """Parameter name → the text value (store these to honour UsePreviousValue later)."""
        return {p.key: p.value for p in self.parameters}

    def described(self) -> list[tuple[str, str]]:
        """``(key, value)`` pairs for describe output, NoEcho values masked as ``****``."""
        return [(p.key, p.display_value) for p in self.parameters]


@dataclass(frozen=True)
class ParameterInfo:
    """What GetTemplateSummary, ValidateTemplate and DescribeProvisioningParameters show."""

    key: str
    type: str
    default: str | None
    description: str | None
    no_echo: bool
    #: AllowedValues (list), AllowedPattern, MinLength, MaxLength, MinValue, MaxValue,
    #: ConstraintDescription (text), only those the template declares.
    constraints: Mapping[str, str | list[str]] = field(default_factory=dict)
    label: str | None = None
    group: str | None = None


def describe_parameters(template: Template) -> list[ParameterInfo]:
    """The template's parameters with constraints, labels and groups, in template order."""
    infos: list[ParameterInfo] = []
    for key, declaration in template.parameters.items():
        constraints: dict[str, str | list[str]] = {}
        if declaration.allowed_values is not None:
            constraints["AllowedValues"] = list(declaration.allowed_values)
        if declaration.allowed_pattern is not None:
            constraints["AllowedPattern"] = declaration.allowed_pattern
        if declaration.min_length is not None:
            constraints["MinLength"] = str(declaration.min_length)
        if declaration.max_length is not None:
            constraints["MaxLength"] = str(declaration.max_length)
        if declaration.min_value is not None:
            constraints["MinValue"] = declaration.min_value[1]
        if declaration.max_value is not None:
            constraints["MaxValue"] = declaration.max_value[1]
        if declaration.constraint_description is not None:
            constraints["ConstraintDescription"] = declaration.constraint_description
        infos.append(
            ParameterInfo(
                key=key,
                type=declaration.type,
                default=declaration.default,
                description=declaration.description,
                no_echo=declaration.no_echo,
                constraints=constraints,
                label=template.interface.labels.get(key),
                group=template.interface.group_of(key),
            )
        )
    return infos


def resolve_parameters(
    template: Template,
    given: Mapping[str, str],
    *,
    use_previous: Mapping[str, str] | None = None,
    resource_ids: ResourceIdChecker | None = None,
    context: StackContext | None = None,
) -> ResolvedParameters:
    """Check the caller's values against the template and fill in defaults.

    ``given`` holds the values passed with the request; ``use_previous`` the
    previous values of the parameters the caller marked UsePreviousValue.
    ``resource_ids`` checks ``AWS::EC2::…`` values against the account's
    resources (without it only their form is checked). ``context`` supplies
    pseudo parameters to the template's Rules. Raises
    :class:`ParameterValidationError` naming the parameter and the constraint.
    """
    previous = dict(use_previous or {})
    unknown = [k for k in [*given, *previous] if k not in template.parameters]
    if unknown:
        names = list(dict.fromkeys(unknown))
        raise ParameterValidationError(
            f"Parameters: [{', '.join(names)}] do not exist in the template",
            parameters=names,
        )
    both = [k for k in given if k in previous]
    if both:
        raise ParameterValidationError(
            f"Invalid input for parameter key {both[0]}. Cannot specify usePreviousValue as "
            "true and non empty value for a parameter",
            parameters=both,
        )
    chosen: dict[str, tuple[str, Literal["given", "previous", "default"]]] = {}
    missing: list[str] = []
    for key, declaration in template.parameters.items():
        if key in given:
            chosen[key] = (given[key], "given")
        elif key in previous:
            chosen[key] = (previous[key], "previous")
        elif declaration.default is not None:
            chosen[key] = (declaration.default, "default")
        else:
            missing.append(key)
    if missing:
        raise ParameterValidationError(
            f"Parameters: [{', '.join(missing)}] must have values", parameters=missing
        )
    resolved: list[ResolvedParameter] = []
    for key, declaration in template.parameters.items():
        value, source = chosen[key]
        if not isinstance(value, str):
            raise ParameterValidationError(
                f"Parameter '{key}' must be given as text, not {type(value).__name__}",
                parameters=[key],
                constraint="Type",
            )
        items = check_value(declaration, value, resource_ids=resource_ids, check_ids=True)
        resolved.append(
            ResolvedParameter(
                key=key,
                type=declaration.type,
                value=value,
                no_echo=declaration.no_echo,
                source=source,
                items=items,
            )
        )
    result = ResolvedParameters(tuple(resolved))
    if template.rules:
        check_rules(template, result.ref_values(), context)
    return result


def check_value(
    declaration: ParameterDeclaration,
    value: str,
    *,
    resource_ids: ResourceIdChecker | None = None,
    check_ids: bool = True,
) -> tuple[str, ...] | None:
    """Validate one value against the declaration's type and constraints.

    Returns the list items for list types (None otherwise). ``check_ids=False``
    skips the form and existence checks of ``AWS::EC2::…`` types (used for defaults).
    """
    key = declaration.logical_id
    if len(value) > MAX_VALUE_LENGTH:
        raise _violation(
            declaration,
            "MaxLength",
            f"Parameter '{key}' value must not be longer than {MAX_VALUE_LENGTH} characters",
            f"It has {len(value)}.",
        )
    if declaration.is_list:
        items = _split_list(declaration, value)
        for item in items:
            _check_item(declaration, item, value, resource_ids=resource_ids, check_ids=check_ids)
        return items
    _check_item(declaration, value, value, resource_ids=resource_ids, check_ids=check_ids)
    return None


def _split_list(declaration: ParameterDeclaration, value: str) -> tuple[str, ...]:
    if value.strip() == "" and declaration.item_type in AWS_SPECIFIC_TYPES:
        return ()
    return tuple(item.strip() for item in value.split(","))


def _shown(declaration: ParameterDeclaration, value: str) -> str:
    if declaration.no_echo:
        return "the value (hidden: NoEcho)"
    return f"'{value}'" if len(value) <= 200 else f"'{value[:200]}…'"


def _violation(
    declaration: ParameterDeclaration, constraint: str, message: str, detail: str
) -> ParameterValidationError:
    key = declaration.logical_id
    if declaration.constraint_description:
        message = (
            f"Parameter '{key}' failed to satisfy constraint: {declaration.constraint_description}"
        )
    message = message.rstrip(".") + "."
    return ParameterValidationError(
        f"{message} {detail}".strip(), parameters=[key], constraint=constraint
    )


def parse_number(text: str) -> Decimal | None:
    """The number written in ``text`` (CloudFormation's Number syntax), or None."""
    if _NUMBER.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _check_item(
    declaration: ParameterDeclaration,
    item: str,
    whole: str,
    *,
    resource_ids: ResourceIdChecker | None,
    check_ids: bool,
) -> None:
    key = declaration.logical_id
    item_type = declaration.item_type
    shown = _shown(declaration, item)
    number: Decimal | None = None
    if item_type == "Number":
        number = parse_number(item)
        if number is None:
            raise _violation(
                declaration, "Type", f"Parameter '{key}' must be a number", f"{shown} is not."
            )
    if declaration.allowed_values is not None and not _allowed(
        item, number, declaration.allowed_values
    ):
        allowed = ", ".join(declaration.allowed_values)
        raise _violation(
            declaration,
            "AllowedValues",
            f"Parameter '{key}' must be one of AllowedValues",
            f"{shown[0].upper()}{shown[1:]} is not one of: {allowed}.",
        )
    pattern = declaration.allowed_pattern
    if pattern is not None and item_type != "Number" and re.fullmatch(pattern, item) is None:
        raise _violation(
            declaration,
            "AllowedPattern",
            f"Parameter '{key}' must match pattern {pattern}",
            f"{shown[0].upper()}{shown[1:]} does not.",
        )
    if item_type != "Number":
        _check_length(declaration, item, shown)
    if number is not None:
        _check_range(declaration, number, item)
    if check_ids and item_type in AWS_SPECIFIC_TYPES:
        _check_resource_id(declaration, item_type, item, resource_ids)


def _allowed(item: str, number: Decimal | None, allowed: Iterable[str]) -> bool:
    if item in allowed:
        return True
    if number is None:
        return False
    return any(parse_number(a) == number for a in allowed)


def _check_length(declaration: ParameterDeclaration, item: str, shown: str) -> None:
    key = declaration.logical_id
    if declaration.min_length is not None and len(item) < declaration.min_length:
        raise _violation(
            declaration,
            "MinLength",
            f"Parameter '{key}' must contain at least {declaration.min_length} characters",
            f"{shown[0].upper()}{shown[1:]} has {len(item)}{_length_range(declaration)}.",
        )
    if declaration.max_length is not None and len(item) > declaration.max_length:
        raise _violation(
            declaration,
            "MaxLength",
            f"Parameter '{key}' must contain at most {declaration.max_length} characters",
            f"{shown[0].upper()}{shown[1:]} has {len(item)}{_length_range(declaration)}.",
        )


def _length_range(declaration: ParameterDeclaration) -> str:
    if declaration.min_length is not None and declaration.max_length is not None:
        return f"; allowed: {declaration.min_length} to {declaration.max_length} characters"
    return ""


def _check_range(declaration: ParameterDeclaration, number: Decimal, item: str) -> None:
    key = declaration.logical_id
    low, high = declaration.min_value, declaration.max_value
    shown = "The value (hidden: NoEcho)" if declaration.no_echo else f"Value {item}"
    if low is not None and high is not None:
        span = f"outside the allowed range {low[1]} to {high[1]}"
    else:
        span = ""
    if low is not None and number < low[0]:
        raise _violation(
            declaration,
            "MinValue",
            f"Parameter '{key}' must be a number not less than {low[1]}",
            f"{shown} is {span or 'below the minimum ' + low[1]}.",
        )
    if high is not None and number > high[0]:
        raise _violation(
            declaration,
            "MaxValue",
            f"Parameter '{key}' must be a number not greater than {high[1]}",
            f"{shown} is {span or 'above the maximum ' + high[1]}.",
        )


def _check_resource_id(
    declaration: ParameterDeclaration,
    item_type: str,
    item: str,
    resource_ids: ResourceIdChecker | None,
) -> None:
    key = declaration.logical_id
    prefix = AWS_SPECIFIC_TYPES[item_type]
    kind = _KIND_NAMES[item_type]
    not_found = (
        f"Parameter validation failed: parameter value {item} for parameter name {key} "
        "does not exist"
    )
    if not item or (prefix is not None and not item.startswith(prefix)):
        expected = f" starting with '{prefix}'" if prefix else ""
        raise ParameterValidationError(
            f"{not_found}. Parameter '{key}' has type {declaration.type} and needs {kind}"
            f"{expected}.",
            parameters=[key],
            constraint="Type",
        )
    if resource_ids is not None and not resource_ids(item_type, item):
        raise ParameterValidationError(
            f"{not_found}. Pass {kind} that exists in this account and region.",
            parameters=[key],
            constraint="Type",
        )


# --------------------------------------------------------------------------- declarations


def declaration_from_document(key: str, spec: Mapping[str, Any]) -> ParameterDeclaration:
    """Build and check one parameter declaration (its constraints and default)."""
    allowed_keys = {
        "Type",
        "Default",
        "Description",
        "AllowedValues",
        "AllowedPattern",
        "MinLength",
        "MaxLength",
        "MinValue",
        "MaxValue",
        "NoEcho",
        "ConstraintDescription",
    }
    for attribute in spec:
        if attribute not in allowed_keys:
            raise TemplateError(
                f"Template format error: Invalid template parameter property '{attribute}'"
            )
    if "Type" not in spec:
        raise TemplateError(
            "Template format error: Every Parameters object must contain a Type member."
        )
    parameter_type = spec["Type"]
    if not isinstance(parameter_type, str):
        raise TemplateError(f"Template format error: Type of parameter '{key}' must be text.")
    if parameter_type.startswith("AWS::SSM::Parameter::"):
        raise TemplateError(
            f"Template format error: Parameter '{key}' has type {parameter_type}, which reads "
            "AWS Systems Manager Parameter Store; this platform has no Parameter Store. "
            "Declare the parameter as String and pass the value itself."
        )
    if parameter_type not in PARAMETER_TYPES:
        raise TemplateError(f"Template format error: Unrecognized parameter type: {parameter_type}")

    def text(attribute: str) -> str | None:
        value = spec.get(attribute)
        if value is None:
            return None
        if isinstance(value, list | dict):
            raise TemplateError(
                f"Template format error: {attribute} of parameter '{key}' must be a single value."
            )
        return _text(value)

    def length(attribute: str) -> int | None:
        value = text(attribute)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 9):
            raise TemplateError(
                f"Template format error: {attribute} of parameter '{key}' must be a "
                f"non-negative integer, not '{value}'."
            )
        return int(value)

    def bound(attribute: str) -> tuple[Decimal, str] | None:
        value = text(attribute)
        if value is None:
            return None
        number = parse_number(value)
        if number is None:
            raise TemplateError(
                f"Template format error: {attribute} of parameter '{key}' must be a number, "
                f"not '{value}'."
            )
        return number, value

    allowed_values: tuple[str, ...] | None = None
    if "AllowedValues" in spec:
        raw = spec["AllowedValues"]
        if not isinstance(raw, list) or any(isinstance(v, list | dict) or v is None for v in raw):
            raise TemplateError(
                f"Template format error: AllowedValues of parameter '{key}' must be a list of "
                "values."
            )
        allowed_values = tuple(_text(v) for v in raw)
    pattern = text("AllowedPattern")
    if pattern is not None:
        check_pattern(key, pattern)
    no_echo_text = text("NoEcho")
    if no_echo_text is not None and no_echo_text.lower() not in ("true", "false"):
        raise TemplateError(
            f"Template format error: NoEcho of parameter '{key}' must be true or false."
        )
    declaration = ParameterDeclaration(
        logical_id=key,
        type=parameter_type,
        default=text("Default"),
        description=text("Description"),
        allowed_values=allowed_values,
        allowed_pattern=pattern,
        min_length=length("MinLength"),
        max_length=length("MaxLength"),
        min_value=bound("MinValue"),
        max_value=bound("MaxValue"),
        no_echo=no_echo_text is not None and no_echo_text.lower() == "true",
        constraint_description=text("ConstraintDescription"),
    )
    if declaration.default is not None:
        # CloudFormation refuses a template whose default breaks its own constraints.
        try:
            check_value(declaration, declaration.default, check_ids=False)
        except ParameterValidationError as error:
            raise TemplateError(
                f"Template format error: the Default of parameter '{key}' breaks its "
                f"constraints: {error.message}"
            ) from None
    return declaration


def _text(value: Any) -> str:
    text = scalar_text(value)
    return text if text is not None else str(value)


def check_pattern(key: str, pattern: str) -> None:
    """Refuse an AllowedPattern that does not compile or can take exponential time.

    Python's regular expressions have no timeout, so a pattern that nests
    unbounded repetition (``(a+)+``) could hang the server on a crafted value.
    """
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        raise TemplateError(
            f"Template format error: AllowedPattern of parameter '{key}' is not a valid "
            f"regular expression ({error})."
        ) from None
    parser: Any = importlib.import_module("re._parser")
    try:
        parsed = parser.parse(pattern)
    except (re.error, RecursionError) as error:  # pragma: no cover - compile accepted it
        raise TemplateError(
            f"Template format error: AllowedPattern of parameter '{key}' is not valid ({error})."
        ) from None
    if _nested_unbounded(list(parsed), parser.MAXREPEAT, inside_unbounded=False):
        raise TemplateError(
            f"Template format error: AllowedPattern of parameter '{key}' nests unbounded "
            "repetition (like (a+)+), which can take exponential time to match. Rewrite it "
            "without a + or * inside a repeated group."
        )


def _nested_unbounded(items: list[Any], maxrepeat: Any, *, inside_unbounded: bool) -> bool:
    for op, argument in items:
        name = str(op)
        children: list[list[Any]] = []
        unbounded_here = False
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            _low, high, sub = argument
            unbounded_here = high == maxrepeat
            if unbounded_here and inside_unbounded and name != "POSSESSIVE_REPEAT":
                return True
            children = [list(sub)]
        elif name == "SUBPATTERN":
            children = [list(argument[-1])]
        elif name == "BRANCH":
            children = [list(branch) for branch in argument[1]]
        elif name in ("ASSERT", "ASSERT_NOT"):
            children = [list(argument[1])]
        elif name == "ATOMIC_GROUP":
            children = [list(argument)]
        for child in children:
            if _nested_unbounded(
                child, maxrepeat, inside_unbounded=inside_unbounded or unbounded_here
            ):
                return True
    return False
