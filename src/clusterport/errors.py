"""The one error hierarchy of clusterport.

Every failure a client can see is a :class:`ServiceError`: it carries the AWS
error code, the HTTP status and a message that is safe to show (it names what
is wrong and how to fix it, never internals). The gateway serializes it in the
protocol's own error format; nothing else reaches the wire.

::

    ServiceError               code, status, message, sender_fault
    ├── ValidationError        400 ValidationException / ValidationError / InvalidParameterValue
    ├── AccessDeniedError      403 AccessDenied / AccessDeniedException
    ├── AuthenticationError    403 SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken …
    ├── NotFoundError          400/404 NoSuchEntity, ResourceNotFoundException, …NotFound
    ├── ConflictError          400/409 (EntityAlreadyExists, ResourceInUseException …)
    ├── LimitExceededError     400 LimitExceededException / LimitExceeded
    └── InternalError          500 InternalFailure (a bug; logged, message generic)

Core packages (``iam``, ``network``, ``templates``) raise their own plain
exceptions or return verdicts; the service layer turns them into these.
"""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """An error with an AWS error code, an HTTP status and a safe message."""

    code: str = "InternalFailure"
    status: int = 500
    sender_fault: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: Members of the error's shape beyond the message (EMR's ``ErrorCode`` …).
        self.fields: dict[str, str] = dict(fields or {})
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.status}, {self.message!r})"


class ValidationError(ServiceError):
    """The request's parameters are malformed or break a constraint."""

    code = "ValidationException"
    status = 400
    sender_fault = True


class AccessDeniedError(ServiceError):
    """The caller is authenticated but not authorized."""

    code = "AccessDenied"
    status = 403
    sender_fault = True


class AuthenticationError(ServiceError):
    """The caller could not be authenticated (signature, key, token, clock)."""

    code = "InvalidClientTokenId"
    status = 403
    sender_fault = True


class NotFoundError(ServiceError):
    """A named resource does not exist (or is not visible to the caller)."""

    code = "ResourceNotFoundException"
    status = 400
    sender_fault = True


class ConflictError(ServiceError):
    """The resource exists already or is in a state that forbids the call."""

    code = "ResourceInUseException"
    status = 400
    sender_fault = True


class LimitExceededError(ServiceError):
    """A quota of the account or of the host is full."""

    code = "LimitExceededException"
    status = 400
    sender_fault = True


class InternalError(ServiceError):
    """A bug on our side; the message stays generic, details go to the log."""

    code = "InternalFailure"
    status = 500
    sender_fault = False

    def __init__(self, message: str = "An internal error occurred; see the server log.") -> None:
        super().__init__(message)
