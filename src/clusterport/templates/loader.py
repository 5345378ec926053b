"""Parsing template bodies (JSON or YAML) into plain documents, defensively.

YAML is read as a stream of parser events and built into Python objects by an
iterative builder, so that hostile input is refused while it is being read:

* bodies over ``max_bytes`` are refused before parsing;
* YAML aliases are refused (CloudFormation does not allow them, and they are
  how "billion laughs" expansion bombs work);
* nesting deeper than ``max_depth`` and more than ``max_nodes`` nodes are
  refused as soon as they are seen (no recursion, so no stack overflow);
* mapping keys must be strings and unique;
* only the JSON data types come out: timestamps stay text, binary, sets and
  other YAML-only types are refused.

Every short-form tag (``!Ref``, ``!Sub`` …) becomes the long form
(``{"Ref": …}``, ``{"Fn::Sub": …}``).
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from clusterport.templates.errors import TemplateError
from clusterport.templates.model import Template
from clusterport.templates.structure import template_from_document

#: CloudFormation's limit for a template read from S3 (1 MB).
DEFAULT_MAX_BYTES: Final = 1_048_576
#: CloudFormation's limit for a template passed inline as TemplateBody.
INLINE_BODY_MAX_BYTES: Final = 51_200
#: Deepest nesting of mappings and lists accepted (real templates stay below 20).
DEFAULT_MAX_DEPTH: Final = 100
#: Most nodes (scalars, mappings, lists) accepted in one template.
DEFAULT_MAX_NODES: Final = 250_000

_YAML_LOADER: Final[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = (
    yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
)

_STR: Final = "tag:yaml.org,2002:str"
_INT: Final = "tag:yaml.org,2002:int"
_FLOAT: Final = "tag:yaml.org,2002:float"
_BOOL: Final = "tag:yaml.org,2002:bool"
_NULL: Final = "tag:yaml.org,2002:null"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
_TEXT_TAGS: Final = frozenset({_STR, _TIMESTAMP, "tag:yaml.org,2002:value"})
_MERGE: Final = "tag:yaml.org,2002:merge"
_MAP: Final = "tag:yaml.org,2002:map"
_SEQ: Final = "tag:yaml.org,2002:seq"

#: Short-form tags and the long-form key they stand for.
_SHORT_FORMS: Final = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!FindInMap": "Fn::FindInMap",
    "!GetAtt": "Fn::GetAtt",
    "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!Sub": "Fn::Sub",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Not": "Fn::Not",
    "!Contains": "Fn::Contains",
    "!EachMemberEquals": "Fn::EachMemberEquals",
    "!EachMemberIn": "Fn::EachMemberIn",
    "!RefAll": "Fn::RefAll",
    "!ValueOf": "Fn::ValueOf",
    "!ValueOfAll": "Fn::ValueOfAll",
}


def load_template(
    body: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Template:
    """Parse and validate a template body (JSON or YAML) into a :class:`Template`.

    Raises :class:`TemplateError` for every problem: size, syntax, hostile
    structure, unknown sections, undeclared references, cycles.
    """
    document = parse_document(body, max_bytes=max_bytes, max_depth=max_depth, max_nodes=max_nodes)
    return template_from_document(document, max_depth=max_depth)


def parse_document(
    body: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> dict[str, Any]:
    """Parse a template body into a plain document (long-form intrinsics), without validation."""
    if not isinstance(body, str):
        raise TemplateError("Template format error: the template body must be text.")
    # Every character takes at least one byte, so this refuses huge bodies before encoding.
    if len(body) > max_bytes:
        raise TemplateError(
            f"Template may not exceed {max_bytes} bytes in size; this one has at least "
            f"{len(body)} bytes. Split it into smaller stacks."
        )
    try:
        size = len(body.encode("utf-8"))
    except UnicodeError as error:
        raise TemplateError(
            "Template format error: the template body is not valid Unicode text."
        ) from error
    if size > max_bytes:
        raise TemplateError(
            f"Template may not exceed {max_bytes} bytes in size; this one has {size} bytes. "
            "Split it into smaller stacks."
        )
    if not body.strip():
        raise TemplateError("Template format error: the template body is empty.")
    if body.lstrip().startswith("{"):
        try:
            document = _parse_json(body, max_depth=max_depth, max_nodes=max_nodes)
        except _JsonSyntaxError as json_error:
            # A YAML flow mapping also starts with "{"; report the JSON error if YAML fails too.
            try:
                document = _parse_yaml(body, max_depth=max_depth, max_nodes=max_nodes)
            except TemplateError:
                raise json_error from None
    else:
        document = _parse_yaml(body, max_depth=max_depth, max_nodes=max_nodes)
    if document is None:
        raise TemplateError("Template format error: the template body is empty (only comments).")
    if not isinstance(document, dict):
        raise TemplateError(
            "Template format error: a template must be a JSON object or a YAML mapping "
            "of sections (AWSTemplateFormatVersion, Parameters, Resources, Outputs, …)."
        )
    return document


# --------------------------------------------------------------------------- JSON


class _JsonSyntaxError(TemplateError):
    """The body is not JSON at all (it may still be YAML in flow style)."""


def _refuse_constant(name: str) -> Any:
    raise TemplateError(f"Template format error: JSON not well-formed. ({name} is not a number)")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TemplateError(
                f"Template format error: JSON not well-formed. (duplicate key '{key}')"
            )
        result[key] = value
    return result


def _parse_json(body: str, *, max_depth: int, max_nodes: int) -> Any:
    try:
        document = json.loads(
            body, object_pairs_hook=_unique_pairs, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as error:
        raise _JsonSyntaxError(
            f"Template format error: JSON not well-formed. (line {error.lineno}, "
            f"column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as error:  # e.g. an integer literal with thousands of digits
        raise TemplateError(f"Template format error: JSON not well-formed. ({error})") from None
    nodes = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise _too_many_nodes(max_nodes)
        if depth > max_depth:
            raise _too_deep(max_depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise TemplateError("Template format error: JSON not well-formed. (number too large)")
    return document


# --------------------------------------------------------------------------- YAML


def _too_deep(max_depth: int) -> TemplateError:
    return TemplateError(
        f"Template format error: the template nests mappings and lists more than "
        f"{max_depth} levels deep. Flatten the structure."
    )


def _too_many_nodes(max_nodes: int) -> TemplateError:
    return TemplateError(
        f"Template format error: the template has more than {max_nodes} values. "
        "Split it into smaller stacks."
    )


def _where(event: Any) -> str:
    mark = event.start_mark
    if mark is None:
        return ""
    return f" (line {mark.line + 1}, column {mark.column + 1})"


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("container", "event", "key", "tag")

    def __init__(self, container: dict[str, Any] | list[Any], tag: str | None, event: Any) -> None:
        self.container = container
        self.tag = tag
        self.event = event
        self.key: str | None = None


class _Builder:
    """Builds plain Python objects from YAML parser events, enforcing the limits."""

    def __init__(self, loader: Any, *, max_depth: int, max_nodes: int) -> None:
        self.loader = loader
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.documents = 0
        self.root: Any = None

    def run(self) -> Any:
        loader = self.loader
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, ScalarEvent):
                self._count(event)
                self._attach(self._scalar(event), event, is_scalar=True)
            elif isinstance(event, MappingStartEvent | SequenceStartEvent):
                self._count(event)
                if len(self.stack) + 1 > self.max_depth:
                    raise _too_deep(self.max_depth)
                self._refuse_container_key(event)
                container: dict[str, Any] | list[Any] = (
                    {} if isinstance(event, MappingStartEvent) else []
                )
                self.stack.append(_Frame(container, event.tag, event))
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                frame = self.stack.pop()
                value = self._tagged(frame.tag, frame.container, frame.event)
                self._attach(value, frame.event, is_scalar=False)
            elif isinstance(event, AliasEvent):
                raise TemplateError(
                    "Template error: YAML aliases are not allowed in CloudFormation templates"
                    f"{_where(event)}. Write the value out where it is used."
                )
            elif isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise TemplateError(
                        "Template format error: a template is a single YAML document; "
                        f"remove the second '---' document{_where(event)}."
                    )
        return self.root

    def _count(self, event: Any) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _too_many_nodes(self.max_nodes)

    def _refuse_container_key(self, event: Any) -> None:
        if self.stack:
            top = self.stack[-1]
            if isinstance(top.container, dict) and top.key is None:
                raise TemplateError(
                    "Template format error: mapping keys must be strings, not mappings or "
                    f"lists{_where(event)}."
                )

    def _attach(self, value: Any, event: Any, *, is_scalar: bool) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
            return
        if top.key is None:
            top.key = self._key(value, event, is_scalar=is_scalar, mapping=top.container)
            return
        top.container[top.key] = value
        top.key = None

    def _key(self, value: Any, event: Any, *, is_scalar: bool, mapping: dict[str, Any]) -> str:
        if (
            is_scalar
            and isinstance(event, ScalarEvent)
            and event.tag is None
            and event.implicit[0]
            and event.value == "<<"
        ):
            raise TemplateError(
                "Template format error: YAML merge keys (<<) are not allowed in "
                f"CloudFormation templates{_where(event)}. Write the keys out."
            )
        if not isinstance(value, str):
            shown = event.value if isinstance(event, ScalarEvent) else type(value).__name__
            raise TemplateError(
                f"Template format error: mapping keys must be strings; '{shown}' is read as "
                f"{_type_name(value)}{_where(event)}. Quote it: '\"{shown}\"'."
            )
        if value in mapping:
            raise TemplateError(
                f"Template format error: YAML not well-formed. Duplicate key '{value}'"
                f"{_where(event)}."
            )
        return value

    def _scalar(self, event: Any) -> Any:
        tag = event.tag
        value: str = event.value
        if tag is None or tag == "!":
            if tag is None and event.implicit[0]:
                tag = self.loader.resolve(ScalarNode, value, (True, False))
            else:
                return value
        if tag in _TEXT_TAGS:
            return value
        if tag == _MERGE:
            return value
        if tag in (_INT, _FLOAT, _BOOL, _NULL):
            return self._typed_scalar(tag, value, event)
        return self._tagged(tag, value, event)

    def _typed_scalar(self, tag: str, value: str, event: Any) -> Any:
        node = ScalarNode(tag, value)
        try:
            if tag == _INT:
                return self.loader.construct_yaml_int(node)
            if tag == _FLOAT:
                number = self.loader.construct_yaml_float(node)
                # .inf and .nan have no JSON form; CloudFormation treats them as text.
                return number if math.isfinite(number) else value
            if tag == _BOOL:
                return self.loader.construct_yaml_bool(node)
            return None
        except (ValueError, KeyError, yaml.YAMLError) as error:
            raise TemplateError(
                f"Template format error: '{value[:40]}' is not a valid {tag.rsplit(':', 1)[-1]}"
                f"{_where(event)} ({error})."
            ) from None

    def _tagged(self, tag: str | None, value: Any, event: Any) -> Any:
        if tag is None or tag in (_MAP, _SEQ, "!"):
            if tag == _MAP and not isinstance(value, dict):
                raise TemplateError(
                    f"Template format error: !!map on a non-mapping{_where(event)}."
                )
            if tag == _SEQ and not isinstance(value, list):
                raise TemplateError(f"Template format error: !!seq on a non-list{_where(event)}.")
            return value
        if tag == _STR and isinstance(value, str):
            return value
        if tag == "!Transform":
            raise TemplateError(
                "Template format error: !Transform (Fn::Transform) runs CloudFormation macros, "
                f"which this platform does not host{_where(event)}; expand the macro and "
                "submit the processed template."
            )
        long_form = _SHORT_FORMS.get(tag)
        if long_form is None:
            raise TemplateError(
                f"Template format error: unsupported YAML tag '{tag}'{_where(event)}. "
                "Short forms such as !Ref, !Sub, !GetAtt, !If and !FindInMap are supported."
            )
        if long_form in ("Ref", "Condition") and not isinstance(value, str):
            raise TemplateError(
                f"Template error: {tag} takes a name, not a mapping or list{_where(event)}."
            )
        if long_form == "Fn::GetAtt" and isinstance(value, str):
            logical_id, dot, attribute = value.partition(".")
            if not dot or not logical_id or not attribute:
                raise TemplateError(
                    f"Template error: !GetAtt '{value}' must be written as "
                    f"LogicalId.AttributeName{_where(event)}."
                )
            return {long_form: [logical_id, attribute]}
        return {long_form: value}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return type(value).__name__


def _parse_yaml(body: str, *, max_depth: int, max_nodes: int) -> Any:
    loader = _YAML_LOADER(body)
    try:
        return _Builder(loader, max_depth=max_depth, max_nodes=max_nodes).run()
    except yaml.MarkedYAMLError as error:
        if error.problem and "nesting depth" in error.problem:
            raise _too_deep(max_depth) from None
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = f": {error.problem}" if error.problem else ""
        raise TemplateError(
            f"Template format error: YAML not well-formed.{where}{problem}"
        ) from None
    except yaml.YAMLError as error:
        raise TemplateError(f"Template format error: YAML not well-formed. ({error})") from None
    except UnicodeError:
        raise TemplateError(
            "Template format error: the template body is not valid Unicode text."
        ) from None
    finally:
        loader.dispose()
