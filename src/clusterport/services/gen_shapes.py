"""TypedDicts of every served operation's input and output, generated from botocore's models.

For each served service this writes ``services/<service>/shapes_generated.py``
holding a ``TypedDict`` per structure reachable from the input and the output
of the operations its provider serves (nested structures too), read from the
same patched models the gateway serves (:class:`ServiceModels`). Providers
type their methods with them: an operation's method takes its input class and
returns its output class.

How botocore's types map:

- structures are ``TypedDict`` classes with ``total=False``; the members an
  input shape requires are ``Required[...]`` (the gateway has checked them);
  an output's members are all optional, as the serializers skip missing ones;
- lists are ``list[X]``, maps ``dict[str, X]``, documents ``Any``;
- a string with an enum is a ``Literal`` alias on the input side (the gateway
  has validated it) and ``str`` on the output side;
- timestamps are ``datetime`` on both sides: the parser makes them so, and the
  providers answer with the aware datetimes they store (the serializers would
  take epoch seconds too, but nothing needs them); blobs are ``bytes`` in
  inputs and ``bytes | str`` in outputs, as the serializers take either;
- a structure reachable from both sides is generated twice: under its model
  name for inputs and with the suffix ``Out`` for outputs.

Run ``python -m clusterport.services.gen_shapes`` after adding an operation or
a service, or after botocore changes; ``tests/test_generated_shapes.py`` fails
while the committed modules differ from what this writes.
"""

from __future__ import annotations

import argparse
import inspect
import json
import keyword
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import botocore
from botocore import xform_name
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from clusterport.services.base import Provider
from clusterport.services.registry import PROVIDER_CLASSES
from clusterport.services.service_models import ServiceInfo, ServiceModels

COMMAND = "python -m clusterport.services.gen_shapes"
MODULE_NAME = "shapes_generated"
LINE_LENGTH = 100
OUTPUT_SUFFIX = "Out"
#: The class an operation without an output shape returns (every served one has an input).
NO_OUTPUT = "NoOutput"
_RESERVED = frozenset({"Any", "Literal", "Required", "TypedDict", "dt", NO_OUTPUT})

#: Marks a class named in an annotation, quoted where it is a forward reference.
_REF = "\x00"
_REFERENCE = re.compile(f"{_REF}([A-Za-z0-9_]+){_REF}")

INPUT = "input"
OUTPUT = "output"


def served_operations(cls: type[Provider], info: ServiceInfo) -> list[OperationModel]:
    """The model's operations ``cls`` serves (an ``async`` method each), sorted by name."""
    return [
        info.model.operation_model(name)
        for name in sorted(info.model.operation_names)
        if inspect.iscoroutinefunction(getattr(cls, xform_name(name), None))
    ]


@dataclass
class _Module:
    """What one service's module holds while it is rendered."""

    service: str
    #: (structure name, side) → the operations whose input or output it is.
    roots: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    structures: dict[tuple[str, str], StructureShape] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    uses: set[str] = field(default_factory=set)

    def walk(self, shape: Shape, side: str) -> None:
        if isinstance(shape, StructureShape):
            key = (shape.name, side)
            if key in self.structures:
                return
            self.structures[key] = shape
            for member in shape.members.values():
                self.walk(member, side)
        elif isinstance(shape, ListShape):
            self.walk(shape.member, side)
        elif isinstance(shape, MapShape):
            self.walk(shape.value, side)
        elif side == INPUT and shape.type_name == "string" and shape.enum:
            self.enums[shape.name] = sorted(set(shape.enum))

    def class_name(self, name: str, side: str) -> str:
        if side == OUTPUT and (name, INPUT) in self.structures:
            return name + OUTPUT_SUFFIX
        return name

    def annotation(self, shape: Shape, side: str) -> str:
        if isinstance(shape, StructureShape):
            if shape.metadata.get("document"):
                self.uses.add("Any")
                return "Any"
            return f"{_REF}{self.class_name(shape.name, side)}{_REF}"
        if isinstance(shape, ListShape):
            return f"list[{self.annotation(shape.member, side)}]"
        if isinstance(shape, MapShape):
            return f"dict[str, {self.annotation(shape.value, side)}]"
        kind = shape.type_name
        if kind == "string":
            if side == INPUT and shape.enum:
                self.uses.add("Literal")
                return str(shape.name)
            return "str"
        if kind in ("integer", "long"):
            return "int"
        if kind in ("float", "double"):
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "timestamp":
            self.uses.add("dt")
            return "dt.datetime"
        if kind == "blob":
            return "bytes" if side == INPUT else "bytes | str"
        raise ValueError(f"{self.service}: shape {shape.name} has an unknown type {kind}")


def _docstring(text: str) -> list[str]:
    line = f'    """{text}"""'
    if len(line) <= LINE_LENGTH:
        return [line]
    return ['    """', *(f"    {part}" for part in _wrap(text, LINE_LENGTH - 4)), '    """']


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _literal(name: str, values: Iterable[str]) -> list[str]:
    quoted = [json.dumps(v) for v in values]  # a JSON string is a Python string literal
    single = f"{name} = Literal[{', '.join(quoted)}]"
    if len(single) <= LINE_LENGTH:
        return [single]
    return [f"{name} = Literal[", *(f"    {q}," for q in quoted), "]"]


def _resolve(line: str, defined: set[str]) -> str:
    """``line`` with its class references bare where defined above, quoted where not."""

    def name(match: re.Match[str]) -> str:
        found = match.group(1)
        return found if found in defined else f'"{found}"'

    return _REFERENCE.sub(name, line)


def _checked(line: str) -> str:
    if len(line) <= LINE_LENGTH:
        return line
    raise ValueError(f"this line is too long for ruff's format: {line.strip()}")


def _describe(module: _Module, name: str, side: str) -> str:
    operations = module.roots.get((name, side))
    if operations:
        return f"The {side} of {', '.join(operations)}."
    where = "inputs" if side == INPUT else "outputs"
    return f"botocore's {name} structure, as {where} carry it."


def render_service(info: ServiceInfo, operations: list[OperationModel]) -> str:
    """The module of one service's shapes, as text."""
    module = _Module(info.name)
    for op in operations:
        if op.input_shape is None:
            raise ValueError(f"{info.name} {op.name} has no input shape: give it an empty one")
        for side, shape in ((INPUT, op.input_shape), (OUTPUT, op.output_shape)):
            if isinstance(shape, StructureShape):
                module.roots.setdefault((shape.name, side), []).append(op.name)
                module.walk(shape, side)
    classes: list[tuple[str, list[str]]] = []
    for (name, side), shape in module.structures.items():
        if shape.metadata.get("document"):
            continue
        cls = module.class_name(name, side)
        members: list[str] = []
        required = set(shape.required_members) if side == INPUT else set()
        for member_name, member in shape.members.items():
            annotation = module.annotation(member, side)
            if member_name in required:
                module.uses.add("Required")
                annotation = f"Required[{annotation}]"
            if not member_name.isidentifier() or keyword.iskeyword(member_name):
                raise ValueError(f"{info.name}: member {name}.{member_name} is no identifier")
            members.append(f"    {member_name}: {annotation}")
        body = [
            f"class {cls}(TypedDict, total=False):",
            *_docstring(_describe(module, name, side)),
        ]
        if members:
            body += ["", *members]
        classes.append((cls, body))
    names = [cls for cls, _ in classes] + list(module.enums)
    if len(names) != len(set(names)) or _RESERVED & set(names):
        raise ValueError(f"{info.name}: two generated names collide, or one with the imports")
    typing_names = sorted({"TypedDict"} | (module.uses & {"Any", "Literal", "Required"}))
    lines = [
        f'"""Typed input and output shapes of the {info.name} operations clusterport serves.',
        "",
        f"Generated from botocore {botocore.__version__}'s model (with the model patches) by",
        f"``{COMMAND}``: do not edit by hand.",
        '"""',
        "",
    ]
    if "dt" in module.uses:
        lines.append("import datetime as dt")
    lines.append(f"from typing import {', '.join(typing_names)}")
    for enum in sorted(module.enums):
        lines += ["", *_literal(enum, module.enums[enum])]
    if any(op.output_shape is None for op in operations):
        text = "The output of an operation whose model has none: the provider returns {}."
        lines += ["", "", f"class {NO_OUTPUT}(TypedDict, total=False):", *_docstring(text)]
    defined: set[str] = set()
    for cls, body in sorted(classes):
        lines += ["", "", *(_checked(_resolve(line, defined)) for line in body)]
        defined.add(cls)
    return "\n".join(lines) + "\n"


def generate(models: ServiceModels | None = None) -> dict[str, str]:
    """Every served service's module text, keyed by its path under ``services/``."""
    models = models or ServiceModels(tuple(cls.service for cls in PROVIDER_CLASSES))
    out: dict[str, str] = {}
    for cls in sorted(PROVIDER_CLASSES, key=lambda c: c.service):
        info = models.get(cls.service)
        package = cls.__module__.split(".")[-2]
        out[f"{package}/{MODULE_NAME}.py"] = render_service(info, served_operations(cls, info))
    return out


def write(root: Path) -> list[Path]:
    """Write every module under ``root`` (the ``services`` package's folder); the paths."""
    written: list[Path] = []
    for relative, text in generate().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--into",
        type=Path,
        default=Path(__file__).parent,
        help="the folder to write <service>/shapes_generated.py under (default: this package's)",
    )
    args = parser.parse_args(argv)
    for path in write(args.into):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
