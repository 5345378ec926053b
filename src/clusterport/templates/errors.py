"""Errors of the template engine.

::

    TemplateError                       the template is malformed, refers to something it does
    │                                   not declare, or cannot be evaluated
    ├── ParameterValidationError        a parameter value is missing, unknown or breaks a
    │                                   constraint (names the parameter and the constraint)
    └── UnsupportedResourceTypesError   the template declares resource types the platform
                                        does not run (names each type and logical ID)

The messages follow CloudFormation's wording where it has one, so that a user
who searches for the message finds CloudFormation's documentation. The service
layer turns them into ``ValidationError`` responses.
"""

from __future__ import annotations

from collections.abc import Sequence


class TemplateError(Exception):
    """The template is malformed, refers to something undeclared, or cannot be evaluated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParameterValidationError(TemplateError):
    """A parameter value is missing, unknown, or violates one of its constraints."""

    def __init__(
        self,
        message: str,
        *,
        parameters: Sequence[str] = (),
        constraint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.parameters: tuple[str, ...] = tuple(parameters)
        self.constraint = constraint


class UnsupportedResourceTypesError(TemplateError):
    """The template declares resource types that the platform cannot create."""

    def __init__(self, message: str, *, resources: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        #: ``(logical_id, resource_type)`` of every unsupported resource, in template order.
        self.resources: tuple[tuple[str, str], ...] = tuple(resources)
