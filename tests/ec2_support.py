"""Helpers for the EC2 tests: fresh accounts, error codes, the AWS CLI, store access."""

from __future__ import annotations

import functools
import io
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from awscli import EnvironmentVariables  # type: ignore[import-untyped]
from awscli.clidriver import (  # type: ignore[import-untyped]
    CLIDriver,
    _set_user_agent_for_session,
)
from awscli.plugin import load_plugins  # type: ignore[import-untyped]
from botocore.exceptions import ClientError
from sqlalchemy.orm import Session

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


def _aws_cli_session() -> botocore.session.Session:
    """A botocore session as the ``aws`` command makes it, reading no AWS config file."""
    session = botocore.session.Session(EnvironmentVariables)
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    session.set_config_variable("region", REGION)
    return session


@functools.cache
def _cli_loader() -> Any:
    """The AWS CLI's data loader (botocore's and the CLI's models), shared by its drivers.

    Loading the EC2 model is most of an ``aws ec2`` command's time; the loader only reads
    the installed JSON files, so one per test process answers every driver alike.
    """
    return _aws_cli_session().get_component("data_loader")


def _cli(access_key_id: str, secret_access_key: str) -> Any:
    """A fresh AWS CLI driver (what the ``aws`` command runs), signing with this key."""
    session = _aws_cli_session()
    session.register_component("data_loader", _cli_loader())
    session.set_credentials(access_key_id, secret_access_key)
    # As awscli.clidriver.create_clidriver: the CLI's own customizations are plugins.
    _set_user_agent_for_session(session)
    load_plugins({}, event_hooks=session.get_component("event_emitter"))
    return CLIDriver(session=session)


def _run_cli(server: RunningServer, account_id: str, args: tuple[str, ...]) -> tuple[int, str, str]:
    """``aws ec2 <args>`` as ``account_id``'s root, in this process: (status, stdout, stderr)."""
    key = server.account(account_id)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = _cli(key.access_key_id, key.secret_access_key).main(
            ["ec2", *args, "--endpoint-url", server.url, "--output", "json"]
        )
    return int(status), out.getvalue(), err.getvalue()


def aws(server: RunningServer, account_id: str, *args: str) -> dict[str, Any]:
    """Run ``aws ec2 <args>`` as ``account_id``'s root; the parsed JSON output.

    The AWS CLI runs in this process, through its driver's ``main`` as the ``aws`` command
    does; :func:`aws_process_error` runs the command itself.
    """
    status, out, err = _run_cli(server, account_id, args)
    if status != 0:
        raise AssertionError(f"aws ec2 {' '.join(args)} failed ({status}): {err}")
    result: dict[str, Any] = json.loads(out) if out.strip() else {}
    return result


def aws_error(server: RunningServer, account_id: str, *args: str) -> str:
    """Run ``aws ec2 <args>`` (in this process) expecting failure; its error output."""
    status, _, err = _run_cli(server, account_id, args)
    assert status != 0, f"aws ec2 {' '.join(args)} unexpectedly succeeded"
    return err


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
