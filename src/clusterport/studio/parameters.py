"""A Service Catalog product's launch parameters and the guardrails they carry.

``DescribeProvisioningParameters`` returns each CloudFormation parameter with
its constraints (``AllowedValues``, ``AllowedPattern``, ``MinLength`` /
``MaxLength``, ``MinValue`` / ``MaxValue``, ``ConstraintDescription``) and
``IsNoEcho``. The panel builds its form from :meth:`ProvisioningParameter.to_json`
and checks input with the same rules as :meth:`ProvisioningParameter.check`,
which the manager applies again before it calls ``ProvisionProduct``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ParameterGroup", "ProvisioningParameter"]


@dataclass(frozen=True)
class ProvisioningParameter:
    """One launch parameter of a product version, with its guardrails."""

    key: str
    type: str = "String"
    default: str | None = None
    description: str = ""
    no_echo: bool = False
    label: str | None = None
    allowed_values: tuple[str, ...] = ()
    allowed_pattern: str | None = None
    constraint_description: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None

    @classmethod
    def from_aws(
        cls, data: Mapping[str, Any], labels: Mapping[str, str] | None = None
    ) -> ProvisioningParameter:
        """Build from one ``ProvisioningArtifactParameters`` entry of Service Catalog."""
        constraints = data.get("ParameterConstraints") or {}
        key = str(data["ParameterKey"])
        return cls(
            key=key,
            type=str(data.get("ParameterType") or "String"),
            default=data.get("DefaultValue"),
            description=str(data.get("Description") or ""),
            no_echo=bool(data.get("IsNoEcho")),
            label=(labels or {}).get(key),
            allowed_values=tuple(str(v) for v in constraints.get("AllowedValues") or ()),
            allowed_pattern=constraints.get("AllowedPattern") or None,
            constraint_description=constraints.get("ConstraintDescription") or None,
            min_length=_int(constraints.get("MinLength")),
            max_length=_int(constraints.get("MaxLength")),
            min_value=_float(constraints.get("MinValue")),
            max_value=_float(constraints.get("MaxValue")),
        )

    @property
    def is_number(self) -> bool:
        """Whether CloudFormation treats the value as a number."""
        return self.type == "Number"

    def check(self, value: str) -> str | None:
        """None when ``value`` satisfies every guardrail, else what is wrong and what is allowed."""
        problem = self._problem(value)
        if problem is None:
            return None
        hint = f" ({self.constraint_description})" if self.constraint_description else ""
        return f"{self.label or self.key}: {problem}{hint}"

    def _problem(self, value: str) -> str | None:
        if self.allowed_values and value not in self.allowed_values:
            return f"{value!r} is not one of {', '.join(self.allowed_values)}"
        if self.min_length is not None and len(value) < self.min_length:
            return f"must be at least {self.min_length} characters long"
        if self.max_length is not None and len(value) > self.max_length:
            return f"must be at most {self.max_length} characters long"
        if self.allowed_pattern is not None and not _full_match(self.allowed_pattern, value):
            return f"must match the pattern {self.allowed_pattern}"
        if self.is_number or self.min_value is not None or self.max_value is not None:
            try:
                number = float(value)
            except ValueError:
                return f"{value!r} is not a number"
            if self.min_value is not None and number < self.min_value:
                return f"must be at least {_show(self.min_value)}"
            if self.max_value is not None and number > self.max_value:
                return f"must be at most {_show(self.max_value)}"
        return None

    def to_json(self) -> dict[str, Any]:
        """The parameter as the panel's form builder reads it."""
        return {
            "key": self.key,
            "type": self.type,
            "default": self.default,
            "description": self.description,
            "noEcho": self.no_echo,
            "label": self.label,
            "allowedValues": list(self.allowed_values),
            "allowedPattern": self.allowed_pattern,
            "constraintDescription": self.constraint_description,
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "minValue": self.min_value,
            "maxValue": self.max_value,
        }


@dataclass(frozen=True)
class ParameterGroup:
    """A labelled group of parameters from the template's ``AWS::CloudFormation::Interface``."""

    label: str
    parameters: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The group as the panel shows it."""
        return {"label": self.label, "parameters": list(self.parameters)}


def _full_match(pattern: str, value: str) -> bool:
    # CloudFormation anchors AllowedPattern to the whole value (Java regex semantics).
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot compile is left to CloudFormation to enforce


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def _show(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)
