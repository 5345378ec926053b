"""Wildcard matching of actions, resources and ARNs.

- Actions (``elasticmapreduce:Describe*``) match case-insensitively; ``*``
  matches any run of characters and ``?`` exactly one.
- Resources match case-sensitively over the whole ARN; a ``*`` may span
  colons and slashes (``arn:aws:s3:::bucket/*`` covers every key).
- The ``Arn*`` condition operators compare the six colon-separated parts of
  an ARN one by one: wildcards in the first five parts stay inside their part;
  the last part (the resource) may contain colons itself.

Characters that came from ``${*}``/``${?}`` or from a policy variable are
literal and never act as wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from clusterport.iam.context import ContextValues
from clusterport.iam.variables import Segment, Template

_WILDCARD_SPLIT = re.compile(r"([*?])")
ARN_PARTS = 6
#: How many resolved entries (after policy variables) a matcher keeps compiled.
RESOLVED_MEMO_SIZE = 256


class MatchResult(Enum):
    """Outcome of matching a value against a list of patterns."""

    MATCH = "match"
    NO_MATCH = "no-match"
    UNRESOLVED = "unresolved"
    """No pattern matched and at least one had a variable without a value."""


def glob_pattern(segments: Iterable[Segment]) -> str:
    """Regular-expression source for wildcard segments (``*`` and ``?`` in text)."""
    pieces: list[str] = []
    for text, literal in segments:
        if literal:
            pieces.append(re.escape(text))
            continue
        for token in _WILDCARD_SPLIT.split(text):
            if token == "*":
                pieces.append(".*")
            elif token == "?":
                pieces.append(".")
            elif token:
                pieces.append(re.escape(token))
    return "".join(pieces)


def compile_glob(segments: Iterable[Segment], *, ignore_case: bool = False) -> re.Pattern[str]:
    """A compiled whole-string wildcard matcher (use ``fullmatch``)."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(glob_pattern(segments), flags)


def arn_pattern(segments: Iterable[Segment]) -> str:
    """Regular-expression source matching an ARN part by part (the ``Arn*`` operators).

    A pattern with fewer than five colons cannot be split into ARN parts and
    is matched as a plain wildcard string.
    """
    chars: list[tuple[str, bool]] = [(c, literal) for text, literal in segments for c in text]
    if sum(1 for c, _ in chars if c == ":") < ARN_PARTS - 1:
        return glob_pattern(segments)
    pieces: list[str] = []
    colons = 0
    for char, literal in chars:
        in_last_part = colons >= ARN_PARTS - 1
        if char == ":":
            colons += 1
            pieces.append(":")
        elif not literal and char == "*":
            pieces.append(".*" if in_last_part else "[^:]*")
        elif not literal and char == "?":
            pieces.append("." if in_last_part else "[^:]")
        else:
            pieces.append(re.escape(char))
    return "".join(pieces)


def compile_arn(segments: Iterable[Segment]) -> re.Pattern[str]:
    """A compiled ARN matcher (use ``fullmatch``)."""
    return re.compile(arn_pattern(segments), re.DOTALL)


class ActionMatcher:
    """The ``Action``/``NotAction`` list of a statement, compiled once."""

    __slots__ = ("_any", "_regex")

    def __init__(self, actions: Iterable[str]) -> None:
        listed = tuple(actions)
        patterns = [glob_pattern([(action, False)]) for action in listed]
        self._any = "*" in listed
        self._regex = re.compile(
            "|".join(f"(?:{p})" for p in patterns) or "(?!)", re.IGNORECASE | re.DOTALL
        )

    def matches(self, action: str) -> bool:
        """True if any listed action pattern covers ``action``."""
        return self._any or self._regex.fullmatch(action) is not None


class ResourceMatcher:
    """The ``Resource``/``NotResource`` list of a statement.

    Entries without variables are compiled into one expression up front; the
    others are resolved against each request's context and compiled once per
    resolved value (a bounded memo).
    """

    __slots__ = ("_any", "_compiled", "_dynamic", "_static")

    def __init__(self, templates: Iterable[Template]) -> None:
        self._compiled: dict[tuple[Segment, ...], re.Pattern[str]] = {}
        static: list[str] = []
        dynamic: list[Template] = []
        self._any: bool = False
        for template in templates:
            if template.has_variables:
                dynamic.append(template)
            else:
                if template.source == "*":
                    self._any = True
                static.append(glob_pattern(template.static_segments()))
        self._static = (
            re.compile("|".join(f"(?:{p})" for p in static), re.DOTALL) if static else None
        )
        self._dynamic = tuple(dynamic)

    @property
    def needs_context(self) -> bool:
        """True when an entry has policy variables (matching needs the request context)."""
        return bool(self._dynamic)

    @property
    def covers_everything(self) -> bool:
        """True when an entry is ``*``: every resource matches, whatever the request."""
        return self._any

    def match(
        self, resource: str, context: ContextValues, missing: set[str] | None = None
    ) -> MatchResult:
        """Whether any entry covers ``resource`` for this request."""
        if self._any:
            return MatchResult.MATCH
        if self._static is not None and self._static.fullmatch(resource) is not None:
            return MatchResult.MATCH
        unresolved = False
        for template in self._dynamic:
            segments = template.resolve(context, missing)
            if segments is None:
                unresolved = True
                continue
            regex = self._compiled.get(segments)
            if regex is None:
                # A caller's variables resolve alike on every call: compile once per value.
                regex = compile_glob(segments)
                if len(self._compiled) >= RESOLVED_MEMO_SIZE:
                    self._compiled.clear()
                self._compiled[segments] = regex
            if regex.fullmatch(resource) is not None:
                return MatchResult.MATCH
        return MatchResult.UNRESOLVED if unresolved else MatchResult.NO_MATCH
