"""Condition operators and the evaluation of a statement's ``Condition`` block.

Semantics, as IAM documents them:

- Several operators in a block, and several keys under one operator, must all
  be true (AND); several values for one key are alternatives (OR).
- Key names are case-insensitive; values compare case-sensitively unless the
  operator says otherwise (``StringEqualsIgnoreCase``, ``Bool``, ``Null``).
- A key absent from the request makes a condition false, except for the
  negated operators (``StringNotEquals``, ``StringNotLike``,
  ``NumericNotEquals``, ``DateNotEquals``, ``NotIpAddress``, ``ArnNotEquals``,
  ``ArnNotLike``), which are then true. ``…IfExists`` makes any operator true
  for an absent key. ``Null`` tests presence: ``"true"`` wants the key absent.
- A negated operator is true when the request value matches none of the
  policy values.
- ``ForAllValues:`` is true when every request value satisfies the operator
  (and when the key is absent or empty); ``ForAnyValue:`` when at least one
  does (false when absent). Without a qualifier, a multivalued key satisfies a
  positive operator when any of its values matches.
- ``ArnEquals`` and ``ArnLike`` behave alike: each of the six ARN parts is
  matched on its own and may hold wildcards.
- A policy value that cannot be read for its operator (``"ten"`` under
  ``NumericEquals``) matches nothing. A value whose policy variable has no
  value matches nothing; under a negated operator it makes the condition false.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from types import MappingProxyType

from clusterport.iam.context import ContextValues
from clusterport.iam.matching import compile_arn, compile_glob
from clusterport.iam.variables import Segment, Template, segments_text

Predicate = Callable[[str], bool]
"""Tests one request value against one (resolved) policy value."""


class OperatorFamily(Enum):
    """The value type an operator compares."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class BaseOperator(Enum):
    """A condition operator without qualifier or ``IfExists``."""

    STRING_EQUALS = "StringEquals"
    STRING_NOT_EQUALS = "StringNotEquals"
    STRING_EQUALS_IGNORE_CASE = "StringEqualsIgnoreCase"
    STRING_NOT_EQUALS_IGNORE_CASE = "StringNotEqualsIgnoreCase"
    STRING_LIKE = "StringLike"
    STRING_NOT_LIKE = "StringNotLike"
    NUMERIC_EQUALS = "NumericEquals"
    NUMERIC_NOT_EQUALS = "NumericNotEquals"
    NUMERIC_LESS_THAN = "NumericLessThan"
    NUMERIC_LESS_THAN_EQUALS = "NumericLessThanEquals"
    NUMERIC_GREATER_THAN = "NumericGreaterThan"
    NUMERIC_GREATER_THAN_EQUALS = "NumericGreaterThanEquals"
    DATE_EQUALS = "DateEquals"
    DATE_NOT_EQUALS = "DateNotEquals"
    DATE_LESS_THAN = "DateLessThan"
    DATE_LESS_THAN_EQUALS = "DateLessThanEquals"
    DATE_GREATER_THAN = "DateGreaterThan"
    DATE_GREATER_THAN_EQUALS = "DateGreaterThanEquals"
    BOOL = "Bool"
    BINARY_EQUALS = "BinaryEquals"
    IP_ADDRESS = "IpAddress"
    NOT_IP_ADDRESS = "NotIpAddress"
    ARN_EQUALS = "ArnEquals"
    ARN_LIKE = "ArnLike"
    ARN_NOT_EQUALS = "ArnNotEquals"
    ARN_NOT_LIKE = "ArnNotLike"
    NULL = "Null"

    @property
    def family(self) -> OperatorFamily:
        """The value type this operator compares."""
        name = self.value
        if name == "NotIpAddress":
            return OperatorFamily.IP
        for family in OperatorFamily:
            if name.startswith(family.value):
                return family
        raise AssertionError(name)  # pragma: no cover - every operator has a family

    @property
    def negated(self) -> bool:
        """True for the operators that are true when nothing matches."""
        return self in _POSITIVE_OF

    @property
    def positive(self) -> BaseOperator:
        """The operator whose result a negated operator inverts (itself otherwise)."""
        return _POSITIVE_OF.get(self, self)

    @property
    def takes_variables(self) -> bool:
        """Whether policy variables are substituted in this operator's values."""
        return self.family in (OperatorFamily.STRING, OperatorFamily.ARN)


_POSITIVE_OF: Mapping[BaseOperator, BaseOperator] = MappingProxyType(
    {
        BaseOperator.STRING_NOT_EQUALS: BaseOperator.STRING_EQUALS,
        BaseOperator.STRING_NOT_EQUALS_IGNORE_CASE: BaseOperator.STRING_EQUALS_IGNORE_CASE,
        BaseOperator.STRING_NOT_LIKE: BaseOperator.STRING_LIKE,
        BaseOperator.NUMERIC_NOT_EQUALS: BaseOperator.NUMERIC_EQUALS,
        BaseOperator.DATE_NOT_EQUALS: BaseOperator.DATE_EQUALS,
        BaseOperator.NOT_IP_ADDRESS: BaseOperator.IP_ADDRESS,
        BaseOperator.ARN_NOT_EQUALS: BaseOperator.ARN_EQUALS,
        BaseOperator.ARN_NOT_LIKE: BaseOperator.ARN_LIKE,
    }
)

_BY_NAME: Mapping[str, BaseOperator] = MappingProxyType(
    {op.value.lower(): op for op in BaseOperator}
)


class SetQualifier(Enum):
    """How a multivalued request key is compared."""

    NONE = ""
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class ConditionOperator:
    """A parsed operator name such as ``ForAnyValue:StringLikeIfExists``."""

    name: str
    base: BaseOperator
    if_exists: bool = False
    qualifier: SetQualifier = SetQualifier.NONE

    @classmethod
    def parse(cls, name: str) -> ConditionOperator | None:
        """Parse an operator name; None if IAM does not know it."""
        qualifier = SetQualifier.NONE
        rest = name
        prefix, colon, remainder = name.partition(":")
        if colon:
            for candidate in (SetQualifier.FOR_ALL_VALUES, SetQualifier.FOR_ANY_VALUE):
                if prefix.lower() == candidate.value.lower():
                    qualifier = candidate
                    rest = remainder
                    break
            else:
                return None
        if_exists = False
        if rest.lower().endswith("ifexists"):
            if_exists = True
            rest = rest[: -len("IfExists")]
        base = _BY_NAME.get(rest.lower())
        if base is None or (base is BaseOperator.NULL and if_exists):
            return None
        return cls(name, base, if_exists, qualifier)


#: How many resolved values (after policy variables) a clause keeps the predicates of.
RESOLVED_MEMO_SIZE = 256


@dataclass(frozen=True)
class ConditionClause:
    """One ``operator -> key -> values`` entry of a ``Condition`` block.

    Values without policy variables are compiled to predicates once; values
    with variables are compiled once per distinct resolved value (kept in a
    bounded memo, since a caller's variables resolve the same on every call).
    """

    operator: ConditionOperator
    key: str
    values: tuple[Template, ...]
    lookup_key: str = field(init=False, repr=False, compare=False)
    _static: tuple[Predicate, ...] | None = field(init=False, repr=False, compare=False)
    _null_wanted: tuple[str, ...] | None = field(init=False, repr=False, compare=False)
    _negated: bool = field(init=False, repr=False, compare=False)
    _resolved: dict[tuple[Segment, ...], Predicate] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lookup_key", self.key.lower())
        static: tuple[Predicate, ...] | None = None
        null_wanted: tuple[str, ...] | None = None
        if self.operator.base is BaseOperator.NULL:
            static = ()  # Null tests presence only; its values are read in evaluate()
            null_wanted = tuple(v.source.lower() for v in self.values)
        elif not any(value.has_variables for value in self.values):
            static = tuple(
                _predicate(self.operator.base.positive, value.static_segments())
                for value in self.values
            )
        object.__setattr__(self, "_static", static)
        object.__setattr__(self, "_null_wanted", null_wanted)
        object.__setattr__(self, "_negated", self.operator.base.negated)
        object.__setattr__(self, "_resolved", {})

    def predicates(
        self, context: ContextValues, missing: set[str] | None = None
    ) -> tuple[Predicate | None, ...]:
        """One predicate per policy value; None where a variable has no value."""
        if self._static is not None:
            return self._static
        result: list[Predicate | None] = []
        positive = self.operator.base.positive
        memo = self._resolved
        for value in self.values:
            segments = value.resolve(context, missing)
            if segments is None:
                result.append(None)
                continue
            predicate = memo.get(segments)
            if predicate is None:
                predicate = _predicate(positive, segments)
                if len(memo) >= RESOLVED_MEMO_SIZE:
                    memo.clear()
                memo[segments] = predicate
            result.append(predicate)
        return tuple(result)

    def evaluate(self, context: ContextValues, missing: set[str] | None = None) -> bool:
        """Whether this clause holds for the request."""
        operator = self.operator
        present = context.get(self.lookup_key)
        wanted = self._null_wanted
        if wanted is not None:
            return ("true" in wanted and present is None) or (
                "false" in wanted and present is not None
            )
        negated = self._negated
        qualifier = operator.qualifier
        if present is None:
            if missing is not None:
                missing.add(self.key)
            if qualifier is SetQualifier.FOR_ALL_VALUES or operator.if_exists:
                return True
            if qualifier is SetQualifier.FOR_ANY_VALUE:
                return False
            return negated
        usable = self._static
        if usable is None:
            predicates = self.predicates(context, missing)
            if negated and None in predicates:
                return False
            usable = tuple(p for p in predicates if p is not None)
        if qualifier is SetQualifier.NONE:
            for value in present:
                for predicate in usable:
                    if predicate(value):
                        return not negated
            return negated
        if qualifier is SetQualifier.FOR_ALL_VALUES:
            return all(_matches_any(usable, v) != negated for v in present)
        return any(_matches_any(usable, v) != negated for v in present)


def _matches_any(predicates: tuple[Predicate, ...], value: str) -> bool:
    """Whether any policy value's predicate accepts the request value."""
    return any(predicate(value) for predicate in predicates)


def evaluate_conditions(
    clauses: tuple[ConditionClause, ...],
    context: ContextValues,
    missing: set[str] | None = None,
) -> bool:
    """True if every clause holds (an empty block always holds).

    With ``missing`` given, every clause is evaluated so that all absent keys
    are reported; otherwise evaluation stops at the first false clause.
    """
    if missing is None:
        for clause in clauses:  # noqa: SIM110 - a loop spares a generator on the hot path
            if not clause.evaluate(context):
                return False
        return True
    results = [clause.evaluate(context, missing) for clause in clauses]
    return all(results)


def _predicate(operator: BaseOperator, segments: tuple[Segment, ...]) -> Predicate:
    """The test of a request value against one policy value, for a positive operator.

    A policy value that cannot mean anything for the operator never matches.
    """
    text = segments_text(segments)
    family = operator.family
    if operator is BaseOperator.STRING_EQUALS:
        return text.__eq__
    if operator is BaseOperator.STRING_EQUALS_IGNORE_CASE:
        folded = text.casefold()
        return lambda value: value.casefold() == folded
    if operator is BaseOperator.STRING_LIKE:
        glob = compile_glob(segments)
        return lambda value: glob.fullmatch(value) is not None
    if family is OperatorFamily.ARN:
        regex = compile_arn(segments)
        return lambda value: regex.fullmatch(value) is not None
    if family is OperatorFamily.NUMERIC:
        return _numeric_predicate(operator, text)
    if family is OperatorFamily.DATE:
        return _date_predicate(operator, text)
    if operator is BaseOperator.BOOL:
        wanted = text.lower()
        if wanted not in ("true", "false"):
            return _never
        return lambda value: value.lower() == wanted
    if operator is BaseOperator.BINARY_EQUALS:
        expected = _binary(text)
        return lambda value: _binary(value) == expected
    if operator is BaseOperator.IP_ADDRESS:
        return _ip_predicate(text)
    raise AssertionError(operator)  # pragma: no cover - negated operators never get here


def _never(_value: str) -> bool:
    return False


def parse_number(text: str) -> Decimal | None:
    """A finite number, or None."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


_NUMERIC_TESTS: Mapping[BaseOperator, Callable[[Decimal, Decimal], bool]] = MappingProxyType(
    {
        BaseOperator.NUMERIC_EQUALS: lambda a, b: a == b,
        BaseOperator.NUMERIC_LESS_THAN: lambda a, b: a < b,
        BaseOperator.NUMERIC_LESS_THAN_EQUALS: lambda a, b: a <= b,
        BaseOperator.NUMERIC_GREATER_THAN: lambda a, b: a > b,
        BaseOperator.NUMERIC_GREATER_THAN_EQUALS: lambda a, b: a >= b,
    }
)


def _numeric_predicate(operator: BaseOperator, text: str) -> Predicate:
    expected = parse_number(text)
    test = _NUMERIC_TESTS[operator]
    if expected is None:
        return _never

    def predicate(value: str) -> bool:
        actual = parse_number(value)
        return actual is not None and test(actual, expected)

    return predicate


def parse_date(text: str) -> datetime | None:
    """An ISO 8601 date/time or a number of seconds since the epoch, in UTC; or None.

    IAM's documentation asks for "one of the W3C implementations of the ISO 8601
    date formats" or epoch time; the W3C profile's year-and-month form
    (``2024-01``) is read as the first of that month.
    """
    stripped = text.strip()
    if _YEAR_MONTH.fullmatch(stripped):
        stripped += "-01"
    if _EPOCH.fullmatch(stripped):
        try:
            return datetime.fromtimestamp(float(stripped), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")
_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")

_DATE_TESTS: Mapping[BaseOperator, Callable[[datetime, datetime], bool]] = MappingProxyType(
    {
        BaseOperator.DATE_EQUALS: lambda a, b: a == b,
        BaseOperator.DATE_LESS_THAN: lambda a, b: a < b,
        BaseOperator.DATE_LESS_THAN_EQUALS: lambda a, b: a <= b,
        BaseOperator.DATE_GREATER_THAN: lambda a, b: a > b,
        BaseOperator.DATE_GREATER_THAN_EQUALS: lambda a, b: a >= b,
    }
)


def _date_predicate(operator: BaseOperator, text: str) -> Predicate:
    expected = parse_date(text)
    test = _DATE_TESTS[operator]
    if expected is None:
        return _never

    def predicate(value: str) -> bool:
        actual = parse_date(value)
        return actual is not None and test(actual, expected)

    return predicate


def _binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()


def _ip_predicate(text: str) -> Predicate:
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return _never
    if network.version == 4:
        # Most requests come from IPv4 addresses: compare them as integers, without
        # building an address object for each request value.
        mask = int(network.netmask)
        prefix = int(network.network_address)

        def predicate_v4(value: str) -> bool:
            number = _ipv4_number(value.strip())
            if number is None:
                return _in_network(value, network)
            return (number & mask) == prefix

        return predicate_v4

    def predicate(value: str) -> bool:
        return _in_network(value, network)

    return predicate


def _in_network(value: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _ipv4_number(text: str) -> int | None:
    """A dotted-quad IPv4 address as a number; None when :mod:`ipaddress` must decide.

    Only the plain form (four decimal octets, no leading zeros, each at most
    255) is read here; anything else goes to :mod:`ipaddress`, so both agree
    on every input.
    """
    if _DOTTED_QUAD.fullmatch(text) is None:
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET, text)
    except OSError:  # an octet over 255
        return None
    return int.from_bytes(packed, "big")


_DOTTED_QUAD = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}")
