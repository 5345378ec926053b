"""IAM's errors, with the codes and statuses its clients expect.

::

    NoSuchEntity           404  the user, role, policy … does not exist
    EntityAlreadyExists    409  the name is taken (names are case-insensitive)
    DeleteConflict         409  something is still attached, in use or versioned
    LimitExceeded          409  a quota (versions, attachments, tags, sizes) is full
    MalformedPolicyDocument 400 a policy document IAM would refuse (the engine's reason)
    InvalidInput           400  a value is syntactically fine but not acceptable
    PolicyNotAttachable    400  the ARN names no attachable managed policy
    ValidationError        400  a parameter breaks a rule of the API
"""

from __future__ import annotations

from clusterport.errors import (
    ConflictError,
    LimitExceededError,
    NotFoundError,
    ValidationError,
)
from clusterport.iam import MalformedPolicyError, PolicySizeError


def no_such_entity(message: str) -> NotFoundError:
    """IAM's ``NoSuchEntity`` (404)."""
    return NotFoundError(message, code="NoSuchEntity", status=404)


def already_exists(message: str) -> ConflictError:
    """IAM's ``EntityAlreadyExists`` (409)."""
    return ConflictError(message, code="EntityAlreadyExists", status=409)


def delete_conflict(message: str) -> ConflictError:
    """IAM's ``DeleteConflict`` (409)."""
    return ConflictError(message, code="DeleteConflict", status=409)


def limit_exceeded(message: str) -> LimitExceededError:
    """IAM's ``LimitExceeded`` (409)."""
    return LimitExceededError(message, code="LimitExceeded", status=409)


def invalid_input(message: str) -> ValidationError:
    """IAM's ``InvalidInput`` (400)."""
    return ValidationError(message, code="InvalidInput", status=400)


def validation(message: str) -> ValidationError:
    """IAM's and STS's ``ValidationError`` (400)."""
    return ValidationError(message, code="ValidationError", status=400)


def not_attachable(message: str) -> ValidationError:
    """IAM's ``PolicyNotAttachable`` (400)."""
    return ValidationError(message, code="PolicyNotAttachable", status=400)


def malformed(error: MalformedPolicyError, what: str) -> ValidationError | LimitExceededError:
    """The error IAM answers for a refused document: size problems are ``LimitExceeded``."""
    message = f"{error.reason} ({what})"
    if error.hint:
        message += f" {error.hint}"
    if isinstance(error, PolicySizeError):
        return limit_exceeded(message)
    return ValidationError(message, code="MalformedPolicyDocument", status=400)
