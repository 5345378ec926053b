"""Errors of the Livy-compatible endpoint, each with the HTTP status Livy would answer.

Livy reports failures as ``{"msg": "..."}`` with a 4xx status; the server turns
every :class:`LivyError` into exactly that, and nothing else is allowed to
become a response::

    LivyError                     status, msg
    ├── BadRequestError           400  malformed JSON, wrong types, unsupported kind
    ├── ForbiddenError            403  the request did not come through the platform
    ├── NotFoundError             404  unknown session or statement id
    ├── ConflictError             409  the session cannot take this request in its state
    ├── PayloadTooLargeError      413  body or statement code over the configured limit
    └── TooManySessionsError      429  the session limit of this endpoint is reached
"""

from __future__ import annotations


class LivyError(Exception):
    """A request failure with an HTTP status and a message that says how to fix it."""

    status: int = 400

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


class BadRequestError(LivyError):
    """The request body or parameters are malformed or not supported."""

    status = 400


class ForbiddenError(LivyError):
    """The request lacks the endpoint's access key: it did not come through the platform."""

    status = 403


class NotFoundError(LivyError):
    """The session or statement id does not exist (any more)."""

    status = 404


class ConflictError(LivyError):
    """The session's state forbids the request (e.g. a statement for a dead session)."""

    status = 409


class PayloadTooLargeError(LivyError):
    """The request body or the statement code is larger than allowed."""

    status = 413


class TooManySessionsError(LivyError):
    """The endpoint already runs as many sessions as it may."""

    status = 429
