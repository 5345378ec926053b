"""Hostile template bodies: each is refused with a TemplateError, quickly, and nothing else escapes.

The timeout markers guard against hangs (a regression would otherwise stall the
suite); how fast refusals really are is not asserted here.
"""

from __future__ import annotations

import contextlib
import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterport.templates import (
    DEFAULT_MAX_BYTES,
    INLINE_BODY_MAX_BYTES,
    ParameterValidationError,
    ResourceValueTable,
    StackContext,
    TemplateError,
    load_template,
    plan,
    resolve_parameters,
)

pytestmark = pytest.mark.timeout(30)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

CONTEXT = StackContext(
    account_id="111111111111",
    region="us-east-1",
    stack_name="hostile",
    stack_id="arn:aws:cloudformation:us-east-1:111111111111:stack/hostile/"
    "0b8c2f3e-1111-2222-3333-444455556666",
)

MINIMAL = "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n"


def refused(body: str, fragment: str, **limits: int) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        load_template(body, **limits)
    assert fragment in caught.value.message, caught.value.message
    return caught.value


# --------------------------------------------------------------------------- size


def test_body_over_the_default_limit_is_refused_before_parsing() -> None:
    body = MINIMAL + "# " + "x" * DEFAULT_MAX_BYTES
    refused(body, f"Template may not exceed {DEFAULT_MAX_BYTES} bytes in size")


def test_size_counts_utf8_bytes_not_characters() -> None:
    body = MINIMAL + "Description: " + "é" * (DEFAULT_MAX_BYTES // 2) + "\n"
    assert len(body) < DEFAULT_MAX_BYTES < len(body.encode())
    refused(body, "bytes in size")


def test_the_limit_is_a_parameter() -> None:
    body = MINIMAL + "Metadata:\n  Padding: '" + "p" * INLINE_BODY_MAX_BYTES + "'\n"
    assert load_template(body).resources  # fine under the 1 MB default
    refused(body, f"may not exceed {INLINE_BODY_MAX_BYTES} bytes", max_bytes=INLINE_BODY_MAX_BYTES)


def test_empty_and_non_text_bodies() -> None:
    refused("   \n\t\n", "the template body is empty")
    refused("# only a comment\n", "the template body is empty (only comments)")
    refused("just text", "a template must be a JSON object or a YAML mapping")
    with pytest.raises(TemplateError, match="must be text"):
        load_template(b"Resources: {}")  # type: ignore[arg-type]
    refused(MINIMAL + "Description: '\ud800'\n", "not valid Unicode text")


# --------------------------------------------------------------------------- YAML bombs


BILLION_LAUGHS = """
Resources:
  A:
    Type: AWS::EC2::SecurityGroup
Metadata:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_billion_laughs_is_refused() -> None:
    error = refused(BILLION_LAUGHS, "YAML aliases are not allowed in CloudFormation templates")
    assert "(line 7, column 10)" in error.message


def test_aliases_and_merge_keys_are_refused() -> None:
    refused(MINIMAL + "Metadata:\n  a: &x {k: v}\n  b: *x\n", "YAML aliases")
    refused(MINIMAL + "Metadata:\n  a: &x {k: v}\n  b:\n    <<: *x\n", "YAML merge keys")
    refused(MINIMAL + "Metadata:\n  b:\n    <<: {k: v}\n", "YAML merge keys (<<)")


def test_anchors_without_aliases_are_harmless() -> None:
    template = load_template(MINIMAL + "Metadata:\n  a: &x {k: v}\n")
    assert template.metadata == {"a": {"k": "v"}}


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        ("[" * 200_000, None),
        ("a: " + "[" * 150 + "]" * 150, None),
        ("a:\n" + "".join(" " * i + "- \n" for i in range(1, 400)), None),
        ("{" + '"a": {' * 5000 + "}" * 5000 + "}", None),
        ("[" * 60_000 + "]" * 60_000, None),
        (MINIMAL + "Metadata: " + "[" * 30 + "]" * 30, 20),
    ],
)
def test_deep_nesting_is_refused(body: str, limit: int | None) -> None:
    limits = {} if limit is None else {"max_depth": limit}
    refused(body, "levels deep", **limits)


def test_nesting_up_to_the_limit_still_evaluates() -> None:
    """The deepest accepted values render without meeting Python's recursion limit."""
    chain: Any = "leaf"
    for _ in range(47):  # each Fn::If adds two levels (mapping and list)
        chain = {"Fn::If": ["Always", chain, {"Ref": "AWS::NoValue"}]}
    joined: Any = "x"
    for _ in range(31):  # each Fn::Join adds three levels
        joined = {"Fn::Join": ["-", [joined, "y"]]}
    nested: Any = "x"
    for _ in range(95):
        nested = [nested]
    document = {
        "Conditions": {"Always": {"Fn::Equals": ["a", "a"]}},
        "Resources": {
            "A": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"If": chain, "Join": joined, "List": nested},
            }
        },
    }
    template = load_template(json.dumps(document))
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    rendered = stack.render_properties("A", ResourceValueTable())
    assert rendered["If"] == "leaf"
    assert rendered["Join"] == "x" + "-y" * 31
    depth = 0
    value = rendered["List"]
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (value, depth) == ("x", 95)


def test_too_many_values_are_refused() -> None:
    body = MINIMAL + "Metadata:\n  x: [" + "0," * 260_000 + "0]\n"
    refused(body, "more than 250000 values")
    refused(MINIMAL + "Metadata: [1, 2, 3, 4, 5, 6]\n", "more than 10 values", max_nodes=10)


# --------------------------------------------------------------------------- keys and types


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            MINIMAL + "Metadata:\n  80: http\n",
            "mapping keys must be strings; '80' is read as an integer",
        ),
        (MINIMAL + "Metadata:\n  true: x\n", "'true' is read as a boolean"),
        (MINIMAL + "Metadata:\n  ~: x\n", "'~' is read as null"),
        (MINIMAL + "Metadata:\n  ? [a, b]\n  : x\n", "mapping keys must be strings, not mappings"),
        (MINIMAL + "Metadata:\n  k: 1\n  k: 2\n", "Duplicate key 'k' (line 6, column 3)"),
        (
            '{"Resources": {"A": {"Type": "AWS::EC2::SecurityGroup"}}, "Resources": {}}',
            "duplicate key",
        ),
        (
            '{"Resources": {"A": {"Type": "AWS::EC2::SecurityGroup", "P": NaN}}}',
            "NaN is not a number",
        ),
        (
            '{"Resources": {"A": {"Type": "AWS::EC2::SecurityGroup", "P": 1e999}}}',
            "number too large",
        ),
        (MINIMAL + "Metadata: " + "1" * 5000 + "\n", "is not a valid int"),
        ('{"Metadata": ' + "1" * 5000 + "}", "JSON not well-formed"),
        (MINIMAL + "Metadata: !!python/object:os.system x\n", "unsupported YAML tag"),
        (
            MINIMAL + "Metadata: !!binary aGVsbG8=\n",
            "unsupported YAML tag 'tag:yaml.org,2002:binary'",
        ),
        (MINIMAL + "Metadata: !!set {a, b}\n", "unsupported YAML tag"),
        (MINIMAL + "Metadata: !Foo bar\n", "unsupported YAML tag '!Foo'"),
        (MINIMAL + "Metadata: !Transform {Name: M}\n", "!Transform (Fn::Transform) runs"),
        (MINIMAL + 'Metadata: {"Fn::Transform": {Name: M}}\n', "Fn::Transform runs"),
        (MINIMAL + "Metadata: !Ref [a]\n", "!Ref takes a name"),
        (MINIMAL + "Metadata: !GetAtt nodot\n", "must be written as LogicalId.AttributeName"),
        (MINIMAL + "---\nResources: {}\n", "a template is a single YAML document"),
        ("\x00Resources: {}", "YAML not well-formed"),
    ],
)
def test_malformed_bodies_are_refused(body: str, fragment: str) -> None:
    refused(body, fragment)


# --------------------------------------------------------------------------- cycles


def test_large_resource_cycle_is_named() -> None:
    ring = "".join(
        f"  R{i}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        f"      Peer: !Ref R{(i + 1) % 400}\n"
        for i in range(400)
    )
    error = refused("Resources:\n" + ring, "Circular dependency between resources: [R0, R1, R2,")
    assert "R399]" in error.message


def test_long_resource_chain_plans_without_recursion() -> None:
    chain = "".join(
        f"  R{i}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        f"      Name: !Sub '${{R{i - 1}}}-x'\n"
        if i
        else "  R0:\n    Type: AWS::EC2::SecurityGroup\n"
        for i in range(500)
    )
    template = load_template("Resources:\n" + chain)
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    assert stack.creation_order == tuple(f"R{i}" for i in range(500))
    values = ResourceValueTable()
    for logical_id in stack.creation_order:
        stack.render_properties(logical_id, values)
        values.record(logical_id, logical_id.lower())
    assert stack.render_properties("R499", values) == {"Name": "r498-x"}


def test_condition_cycle_is_named() -> None:
    conditions = "".join(f"  C{i}: !Not [!Condition C{(i + 1) % 300}]\n" for i in range(300))
    refused(MINIMAL + "Conditions:\n" + conditions, "Circular dependency between conditions: [C0,")


def test_long_condition_chain_evaluates_without_recursion() -> None:
    conditions = "  C0: !Equals [a, a]\n" + "".join(
        f"  C{i}: !Not [!Condition C{i - 1}]\n" for i in range(1, 3000)
    )
    body = (
        "Conditions:\n" + conditions + "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n"
        "    Condition: C2999\n  B:\n    Type: AWS::EC2::SecurityGroup\n    Condition: C2998\n"
    )
    template = load_template(body)
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    assert stack.conditions["C2999"] is False
    assert stack.creation_order == ("B",)


def test_self_reference_is_a_cycle() -> None:
    refused(
        "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {X: !GetAtt A.Id}\n",
        "Circular dependency between resources: [A]",
    )


# --------------------------------------------------------------------------- intrinsics


def render(expression: str, given: dict[str, str] | None = None) -> Any:
    template = load_template(
        "Parameters:\n  P: {Type: String, Default: x}\n"
        "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n"
        f"    Properties:\n      X: {expression}\n"
    )
    stack = plan(template, resolve_parameters(template, given or {}), CONTEXT)
    return stack.render_properties("A", ResourceValueTable())["X"]


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("!Sub '${Unknown}'", "Unresolved resource dependencies [Unknown]"),
        ("!Sub '${Unknown.Attr}'", "references undefined resource Unknown"),
        ("!Sub ['${Local}', {Other: 1}]", "Unresolved resource dependencies [Local]"),
        ("!Sub '${$(rm -rf /)}'", "variable names in Fn::Sub syntax must contain only"),
        ("!Sub [1, 2]", "One or more Fn::Sub intrinsic functions don't specify expected"),
        ("!Ref ''", "every Ref object must have a single String value"),
        ("!GetAtt [A]", "every Fn::GetAtt object requires two non-empty parameters"),
        ("!If [a]", "Fn::If requires a list argument with three elements"),
    ],
)
def test_bad_intrinsics_are_refused_at_load(expression: str, fragment: str) -> None:
    refused(
        "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n"
        f"    Properties:\n      X: {expression}\n",
        fragment,
    )


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("!Cidr [10.0.0.0/8, 1000000000, 8]", "count must be an integer from 1 to 256"),
        ("!Cidr [10.0.0.0/8, '" + "9" * 5000 + "', 8]", "count must be an integer from 1 to 256"),
        ("!Cidr ['::/0', 257, 1]", "count must be an integer from 1 to 256"),
        ("!Cidr [10.0.0.0/8, 4, 99999999999999]", "cidrBits must be an integer from 0 to 32"),
        ("!Select ['" + "9" * 5000 + "', [a]]", "index must be a non-negative integer"),
        ("!Select [99999999, [a]]", "cannot select nonexistent value at index 99999999"),
        ("!FindInMap [!Ref P, a, b]", "Mapping named 'x' is not present"),
    ],
)
def test_bad_intrinsic_arguments_are_refused_when_rendering(expression: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render(expression)
    assert fragment in caught.value.message


def test_largest_cidr_request_is_computed_lazily() -> None:
    subnets = render("!Cidr ['2001:db8::/32', 256, 64]")
    assert len(subnets) == 256 and subnets[-1] == "2001:db8:0:ff::/64"


# --------------------------------------------------------------------------- parameters


def test_catastrophic_allowed_pattern_is_refused_at_load() -> None:
    for pattern in ("(a+)+$", "(x*)*y", "((ab)*)+c", "(?:[a-z]+\\.?)*$"):
        refused(
            "Parameters:\n  P:\n    Type: String\n    AllowedPattern: '"
            + pattern
            + "'\n"
            + MINIMAL,
            "nests unbounded repetition",
        )
    refused(
        "Parameters:\n  P:\n    Type: String\n    AllowedPattern: '([a-z'\n" + MINIMAL,
        "is not a valid regular expression",
    )
    # Bounded repetition of a group is fine (an IPv4 CIDR pattern).
    template = load_template(
        "Parameters:\n  P:\n    Type: String\n"
        "    AllowedPattern: '(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}'\n" + MINIMAL
    )
    assert resolve_parameters(template, {"P": "10.0.0.0/16"})["P"].value == "10.0.0.0/16"


def test_oversized_parameter_value_is_refused() -> None:
    template = load_template("Parameters:\n  P: {Type: String}\n" + MINIMAL)
    with pytest.raises(ParameterValidationError, match="must not be longer than 4096 characters"):
        resolve_parameters(template, {"P": "x" * 5000})
    with pytest.raises(ParameterValidationError, match="must be given as text"):
        resolve_parameters(template, {"P": 5})  # type: ignore[dict-item]


def test_huge_numbers_in_parameters() -> None:
    template = load_template("Parameters:\n  N: {Type: Number, MaxValue: 10}\n" + MINIMAL)
    with pytest.raises(ParameterValidationError, match="not greater than 10"):
        resolve_parameters(template, {"N": "9" * 4000})
    with pytest.raises(ParameterValidationError, match="must be a number"):
        resolve_parameters(template, {"N": "1e99999"})
    with pytest.raises(ParameterValidationError, match="must be a number"):
        resolve_parameters(template, {"N": "NaN"})


# --------------------------------------------------------------------------- fuzzing


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text_only_raises_template_error(body: str) -> None:
    with contextlib.suppress(TemplateError):
        load_template(body)


YAML_PIECES = [
    "Resources:",
    "Parameters:",
    "Conditions:",
    "Outputs:",
    "Mappings:",
    "Rules:",
    "  A:",
    "    Type: AWS::EC2::SecurityGroup",
    "    Properties:",
    "      X: ",
    "!Ref ",
    "!Sub ",
    "!GetAtt ",
    "!If ",
    "!Select ",
    "!Cidr ",
    "!FindInMap ",
    "!Join ",
    "!Equals ",
    "!Condition ",
    "&a ",
    "*a",
    "<<: ",
    "[",
    "]",
    "{",
    "}",
    ",",
    ": ",
    "- ",
    "\n",
    "  ",
    "'${A}'",
    "'${!x}'",
    "A",
    "A.Arn",
    "AWS::Region",
    "AWS::NoValue",
    "0",
    "1e3",
    "true",
    "~",
    "2010-09-09",
    "!!binary",
    "? ",
    "---",
    "#",
    '"',
]


@FUZZ
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join))
def test_yaml_like_text_only_raises_template_error(body: str) -> None:
    with contextlib.suppress(TemplateError):
        load_template(body)


NAMES = st.sampled_from(
    ["A", "P", "L", "Cond", "M", "AWS::Region", "AWS::NoValue", "Nope", "A.Arn"]
)
SCALARS = st.one_of(
    st.text(alphabet=string.ascii_letters + "${}!.:-,/ 0123456789", max_size=12),
    st.integers(min_value=-3, max_value=300),
    st.booleans(),
    st.none(),
)


def _call(name: str, argument: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return argument.map(lambda value: {name: value})


EXPRESSIONS = st.recursive(
    st.one_of(SCALARS, _call("Ref", NAMES), _call("Fn::GetAZs", st.sampled_from(["", "x"]))),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["K", "V", "Fn::Bad"]), inner, max_size=2),
        _call("Fn::Join", st.tuples(SCALARS, inner).map(list)),
        _call("Fn::Select", st.tuples(SCALARS, inner).map(list)),
        _call("Fn::Split", st.tuples(SCALARS, inner).map(list)),
        _call(
            "Fn::Sub",
            st.one_of(SCALARS, st.tuples(SCALARS, st.dictionaries(NAMES, inner)).map(list)),
        ),
        _call("Fn::If", st.tuples(st.sampled_from(["Cond", "Nope"]), inner, inner).map(list)),
        _call("Fn::FindInMap", st.lists(st.one_of(SCALARS, inner), max_size=4)),
        _call("Fn::Cidr", st.lists(st.one_of(SCALARS, inner), max_size=3)),
        _call("Fn::Base64", inner),
        _call("Fn::Length", inner),
        _call("Fn::ToJsonString", inner),
        _call("Fn::GetAtt", st.one_of(SCALARS, st.lists(st.one_of(NAMES, inner), max_size=2))),
        _call("Fn::ImportValue", inner),
        _call("Fn::Equals", st.lists(inner, max_size=2)),
        _call("Fn::Not", st.lists(inner, max_size=1)),
        _call("Fn::And", st.lists(inner, max_size=3)),
    ),
    max_leaves=12,
)


@FUZZ
@given(EXPRESSIONS, EXPRESSIONS)
def test_random_intrinsics_only_raise_template_error(value: Any, output: Any) -> None:
    document = {
        "Parameters": {
            "P": {"Type": "String", "Default": "a,b"},
            "L": {"Type": "CommaDelimitedList", "Default": "x,y"},
        },
        "Mappings": {"M": {"a": {"b": "c"}}},
        "Conditions": {"Cond": {"Fn::Equals": [{"Ref": "P"}, "a,b"]}},
        "Resources": {
            "A": {"Type": "AWS::EC2::SecurityGroup"},
            "B": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"X": value}},
        },
        "Outputs": {"O": {"Value": output}},
    }
    try:
        template = load_template(json.dumps(document))
        stack = plan(
            template, resolve_parameters(template, {}), CONTEXT, import_value=lambda n: None
        )
        values = ResourceValueTable()
        for logical_id in stack.creation_order:
            stack.render_properties(logical_id, values)
            values.record(logical_id, logical_id.lower(), {"Arn": "arn"})
        stack.render_outputs(values)
    except TemplateError:
        pass
