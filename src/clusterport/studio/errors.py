"""Errors of the notebook side, shaped so the panel and the magic can show them.

The notebook side talks to AWS (or clusterport) only through boto3, so every
failure starts as a botocore exception. :class:`StudioError` keeps the AWS
error code and message untouched (AccessDenied's explanation of which policy
is missing, the network analyzer's explanation of which route or security
group rule is missing) and adds the HTTP status the Jupyter handlers answer
with.

::

    StudioError                 code, message, status
    └── ConfigurationError      the cross-account role file or the settings are unusable
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

__all__ = ["ConfigurationError", "StudioError", "from_boto"]


class StudioError(Exception):
    """A failure with an AWS-style error code, a message to show and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def to_json(self) -> dict[str, str]:
        """The body the Jupyter handlers send: ``{"code", "message"}``."""
        return {"code": self.code, "message": self.message}


class ConfigurationError(StudioError):
    """The Studio configuration (role file, EMR settings) cannot be used."""

    def __init__(self, message: str) -> None:
        super().__init__("ConfigurationError", message, 500)


def from_boto(error: ClientError | BotoCoreError) -> StudioError:
    """Turn a botocore exception into a :class:`StudioError`, keeping code and message."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code") or "ClientError")
        message = str(details.get("Message") or error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
        if status < 400 or status > 599:
            status = 400
        return StudioError(code, message, status)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return StudioError(
            "NoCredentials",
            f"{error}. Set AWS credentials for this server (environment variables, "
            "an AWS profile or the credentials the Studio launcher provides).",
            401,
        )
    if isinstance(error, NoRegionError):
        return StudioError(
            "NoRegion",
            "No AWS region is configured: set AWS_DEFAULT_REGION or `region` in the AWS profile.",
            500,
        )
    if isinstance(error, EndpointConnectionError):
        return StudioError(
            "EndpointConnectionError",
            f"{error}. Check AWS_ENDPOINT_URL / the profile's endpoint_url and that the "
            "service is running and reachable.",
            502,
        )
    return StudioError(type(error).__name__, str(error), 502)
