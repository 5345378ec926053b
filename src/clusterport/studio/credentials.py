"""A Studio user's AWS credentials: the execution role, assumed for them and kept fresh.

The launcher (``clusterport studio``) writes a :class:`CredentialSource` (the
admin's base credentials and the ``AssumeRole`` request) to a 0600 file under
the data dir, outside the user's home, and points the user's AWS config at::

    credential_process = python -m clusterport.studio.credentials --source <file>

botocore runs that command whenever it needs credentials and again before they
expire, so every boto3 client of JupyterLab, its kernels and lifecycle scripts
acts as the execution role without anyone refreshing anything. The session
carries the user profile as its source identity and the domain and profile ARNs
as transitive session tags (``sagemaker:domain-arn``,
``sagemaker:user-profile-arn``), so a role chained from it into another account
still tells which Studio domain and profile (and so which network) it comes from.

Talks to STS through boto3 only; works against AWS as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

__all__ = [
    "DOMAIN_TAG",
    "PROFILE_TAG",
    "CredentialError",
    "CredentialSource",
    "assume_execution_role",
    "main",
    "process_output",
    "session_name_for",
]

DOMAIN_TAG = "sagemaker:domain-arn"
PROFILE_TAG = "sagemaker:user-profile-arn"
#: One hour, STS's default; botocore refreshes 15 minutes before the end.
DEFAULT_DURATION = 3600


class CredentialError(Exception):
    """The execution role could not be assumed; the message says what to fix."""


def session_name_for(profile: str) -> str:
    """A ``RoleSessionName``/``SourceIdentity`` for a profile (STS wants 2 to 64 characters)."""
    name = profile if len(profile) >= 2 else f"{profile}-studio"
    return name[:64]


@dataclass(frozen=True)
class CredentialSource:
    """Everything needed to assume a Studio user's execution role, as stored on disk."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    region: str
    endpoint_url: str | None
    role_arn: str
    session_name: str
    source_identity: str
    domain_arn: str
    user_profile_arn: str
    duration_seconds: int = DEFAULT_DURATION

    def tags(self) -> list[dict[str, str]]:
        return [
            {"Key": DOMAIN_TAG, "Value": self.domain_arn},
            {"Key": PROFILE_TAG, "Value": self.user_profile_arn},
        ]

    def save(self, path: Path) -> None:
        """Write the file readable by its owner only (it holds the admin's secret key)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        temporary = path.with_name(f".{path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> CredentialSource:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(**raw)
        except FileNotFoundError as exc:
            raise CredentialError(
                f"{path} is missing; start the user's Studio again with 'clusterport studio' "
                "(it writes this file)."
            ) from exc
        except (OSError, ValueError, TypeError) as exc:
            raise CredentialError(
                f"{path} is unreadable or damaged ({exc}); start the user's Studio again with "
                "'clusterport studio' to rewrite it."
            ) from exc


def assume_execution_role(source: CredentialSource) -> Mapping[str, Any]:
    """``sts:AssumeRole`` into the execution role; returns STS's ``Credentials``."""
    sts = boto3.Session(
        aws_access_key_id=source.access_key_id,
        aws_secret_access_key=source.secret_access_key,
        aws_session_token=source.session_token,
        region_name=source.region,
    ).client("sts", endpoint_url=source.endpoint_url)
    keys = [DOMAIN_TAG, PROFILE_TAG]
    try:
        answer = sts.assume_role(
            RoleArn=source.role_arn,
            RoleSessionName=source.session_name,
            SourceIdentity=source.source_identity,
            Tags=source.tags(),
            TransitiveTagKeys=keys,
            DurationSeconds=source.duration_seconds,
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CredentialError(
            f"Cannot assume the execution role {source.role_arn}: {error.get('Code')}: "
            f"{error.get('Message')} The role's trust policy must let the domain's account "
            "(or sagemaker.amazonaws.com) call sts:AssumeRole, sts:TagSession and "
            "sts:SetSourceIdentity."
        ) from exc
    except BotoCoreError as exc:
        raise CredentialError(
            f"Cannot reach STS to assume {source.role_arn}: {exc}. Check that the platform "
            f"runs at {source.endpoint_url or 'the default AWS endpoint'}."
        ) from exc
    credentials: Mapping[str, Any] = answer["Credentials"]
    return credentials


def process_output(credentials: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON a ``credential_process`` prints (version 1)."""
    expiration = credentials["Expiration"]
    if isinstance(expiration, dt.datetime):
        expiration = expiration.astimezone(dt.UTC).isoformat()
    return {
        "Version": 1,
        "AccessKeyId": credentials["AccessKeyId"],
        "SecretAccessKey": credentials["SecretAccessKey"],
        "SessionToken": credentials["SessionToken"],
        "Expiration": expiration,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print fresh execution-role credentials for botocore's ``credential_process``."""
    parser = argparse.ArgumentParser(
        prog="python -m clusterport.studio.credentials",
        description="Print a Studio user's execution-role credentials (credential_process).",
    )
    parser.add_argument("--source", type=Path, required=True, help="the launcher's source file")
    args = parser.parse_args(argv)
    try:
        credentials = assume_execution_role(CredentialSource.load(args.source))
    except CredentialError as exc:
        print(f"clusterport studio credentials: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(process_output(credentials)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
