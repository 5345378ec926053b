"""Helpers for the EC2 tests: fresh accounts, error codes, the AWS CLI, store access."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqlalchemy.orm import Session

import aws_cli_support
from aws_cli_support import Ran
from conftest import RunningServer

#: The AWS CLI of the environment running the tests.
AWS = Path(sys.executable).parent / "aws"
REGION = "us-east-1"


def fresh_account() -> str:
    """A new random 12-digit account id (accounts are created on first use)."""
    return "9" + "".join(str(secrets.randbelow(10)) for _ in range(11))


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """The (code, message) of a ClientError."""
    error = excinfo.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


@contextmanager
def store(server: RunningServer) -> Iterator[Session]:
    """A committed store session of the running server."""
    with server.platform.db.session() as session:
        yield session


def cli_env(server: RunningServer, account_id: str) -> dict[str, str]:
    """Environment for the AWS CLI signing as the root of ``account_id``."""
    key = server.account(account_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
        }
    )
    return env


def _run_cli(server: RunningServer, account_id: str, args: tuple[str, ...]) -> Ran:
    """``aws ec2 <args>`` as ``account_id``'s root, in this process."""
    key = server.account(account_id)
    return aws_cli_support.run(
        ["ec2", *args, "--endpoint-url", server.url, "--output", "json"],
        access_key_id=key.access_key_id,
        secret_access_key=key.secret_access_key,
        region=REGION,
    )


def aws(server: RunningServer, account_id: str, *args: str) -> dict[str, Any]:
    """Run ``aws ec2 <args>`` as ``account_id``'s root; the parsed JSON output.

    The AWS CLI runs in this process, through its driver's ``main`` as the ``aws`` command
    does; :func:`aws_process_error` runs the command itself.
    """
    ran = _run_cli(server, account_id, args)
    if ran.returncode != 0:
        raise AssertionError(f"aws ec2 {' '.join(args)} failed ({ran.returncode}): {ran.stderr}")
    result: dict[str, Any] = json.loads(ran.stdout) if ran.stdout.strip() else {}
    return result


def aws_error(server: RunningServer, account_id: str, *args: str) -> str:
    """Run ``aws ec2 <args>`` (in this process) expecting failure; its error output."""
    ran = _run_cli(server, account_id, args)
    assert ran.returncode != 0, f"aws ec2 {' '.join(args)} unexpectedly succeeded"
    return ran.stderr


def aws_process_error(server: RunningServer, account_id: str, *args: str) -> str:
    """Run the ``aws ec2 <args>`` command expecting failure; its error output."""
    result = subprocess.run(
        [str(AWS), "ec2", *args, "--endpoint-url", server.url, "--output", "json"],
        env=cli_env(server, account_id),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0, f"aws ec2 {' '.join(args)} unexpectedly succeeded"
    return result.stderr
