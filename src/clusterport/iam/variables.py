"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${*}``, defaults.

A value written in a policy (a ``Resource`` entry or a condition value) is
parsed once into a :class:`Template`: a sequence of written text, literal
characters and variables. At evaluation time the template is resolved
against the request context into segments; each segment remembers whether
its characters may act as wildcards (written text) or must match themselves
(``${*}``, ``${?}``, ``${$}`` and everything a variable expands to).

Rules, as IAM documents them:

- Variables are recognised only in policies of version ``2012-10-17``; in
  older policies ``${...}`` is plain text.
- Key names are case-insensitive; a default (``${aws:username, 'nobody'}``) is
  case-sensitive and a doubled quote inside it stands for one quote.
- A key that is absent or multivalued resolves to the default when there is
  one; otherwise the value cannot be resolved and never matches.
- Substitution happens once: a default that looks like a variable stays text.
- Anything that does not parse as a variable is left as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from clusterport.iam.context import ContextValues

SPECIAL_CHARACTERS = frozenset({"*", "?", "$"})
"""Characters that ``${c}`` writes literally."""


class PartKind(Enum):
    """What a piece of a written value is."""

    TEXT = "text"
    LITERAL = "literal"
    VARIABLE = "variable"


@dataclass(frozen=True, slots=True)
class TemplatePart:
    """One piece of a written value.

    ``text`` holds the characters for TEXT and LITERAL parts and the
    lower-cased context key for VARIABLE parts.
    """

    kind: PartKind
    text: str
    default: str | None = None


Segment = tuple[str, bool]
"""A resolved piece of a value: its characters, and True if they are literal."""


@dataclass(frozen=True, slots=True)
class Template:
    """A value from a policy, parsed for variables."""

    source: str
    parts: tuple[TemplatePart, ...]

    @property
    def has_variables(self) -> bool:
        """True if resolving needs the request context."""
        return any(part.kind is PartKind.VARIABLE for part in self.parts)

    def resolve(
        self, context: ContextValues, missing: set[str] | None = None
    ) -> tuple[Segment, ...] | None:
        """The value's segments for this request, or None if a variable has no value.

        Keys that were looked up and not found are added to ``missing``.
        """
        segments: list[Segment] = []
        for part in self.parts:
            if part.kind is PartKind.TEXT:
                segments.append((part.text, False))
            elif part.kind is PartKind.LITERAL:
                segments.append((part.text, True))
            else:
                values = context.get(part.text)
                if values is not None and len(values) == 1:
                    segments.append((values[0], True))
                elif part.default is not None:
                    segments.append((part.default, True))
                else:
                    if missing is not None and values is None:
                        missing.add(part.text)
                    return None
        return tuple(segments)

    def static_segments(self) -> tuple[Segment, ...]:
        """The segments of a template without variables (no context needed)."""
        resolved = self.resolve({})
        if resolved is None:  # pragma: no cover - guarded by has_variables
            raise ValueError(f"{self.source!r} has variables; resolve it against a context")
        return resolved


def segments_text(segments: tuple[Segment, ...]) -> str:
    """The plain characters of resolved segments, wildcards not interpreted."""
    return "".join(text for text, _ in segments)


def parse_template(source: str, *, variables: bool) -> Template:
    """Parse a written value; with ``variables=False`` it is one piece of text."""
    if not variables or "${" not in source:
        return Template(source, (TemplatePart(PartKind.TEXT, source),) if source else ())
    parts: list[TemplatePart] = []
    text: list[str] = []
    i = 0
    length = len(source)
    while i < length:
        if source.startswith("${", i):
            end = _closing_brace(source, i + 2)
            part = _parse_variable(source[i + 2 : end]) if end >= 0 else None
            if part is not None:
                if text:
                    parts.append(TemplatePart(PartKind.TEXT, "".join(text)))
                    text = []
                parts.append(part)
                i = end + 1
                continue
            text.append("${")
            i += 2
            continue
        text.append(source[i])
        i += 1
    if text:
        parts.append(TemplatePart(PartKind.TEXT, "".join(text)))
    return Template(source, _merge_text(parts))


def _merge_text(parts: list[TemplatePart]) -> tuple[TemplatePart, ...]:
    merged: list[TemplatePart] = []
    for part in parts:
        if merged and part.kind is PartKind.TEXT and merged[-1].kind is PartKind.TEXT:
            merged[-1] = TemplatePart(PartKind.TEXT, merged[-1].text + part.text)
        else:
            merged.append(part)
    return tuple(merged)


def _closing_brace(source: str, start: int) -> int:
    """Index of the ``}`` closing a variable opened before ``start``, or -1."""
    in_quote = False
    i = start
    while i < len(source):
        char = source[i]
        if in_quote:
            if char == "'":
                if source.startswith("''", i):
                    i += 2
                    continue
                in_quote = False
        elif char == "'":
            in_quote = True
        elif char == "}":
            return i
        elif char == "{" or (char == "$" and source.startswith("${", i)):
            return -1
        i += 1
    return -1


def _parse_variable(inner: str) -> TemplatePart | None:
    body = inner.strip()
    if body in SPECIAL_CHARACTERS:
        return TemplatePart(PartKind.LITERAL, body)
    default: str | None = None
    if "," in body:
        key, _, rest = body.partition(",")
        key = key.strip()
        rest = rest.strip()
        if len(rest) < 2 or rest[0] != "'" or rest[-1] != "'":
            return None
        quoted = rest[1:-1]
        if "'" in quoted.replace("''", ""):
            return None
        default = quoted.replace("''", "'")
    else:
        key = body
    if not key or any(c.isspace() or c in "{}$'," for c in key):
        return None
    return TemplatePart(PartKind.VARIABLE, key.lower(), default)
