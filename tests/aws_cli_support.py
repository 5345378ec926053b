"""The AWS CLI run in the test process, through its driver as the ``aws`` command runs it.

An ``aws`` process imports awscli and parses the models it needs again: seconds of CPU
per command. :func:`run` builds the same driver (``CLIDriver`` with the CLI's plugins)
on a data loader shared by the process, signing with the given key, and reads no AWS
config or credentials file. Each command gets a fresh driver and session (a driver keeps
state between commands); a module that drives the CLI still runs one real ``aws``
process.
"""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

import botocore.session
from awscli import EnvironmentVariables  # type: ignore[import-untyped]
from awscli.clidriver import (  # type: ignore[import-untyped]
    CLIDriver,
    _set_user_agent_for_session,
)
from awscli.plugin import load_plugins  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Ran:
    """What an ``aws`` command returned and printed."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The JSON it printed (None when it printed nothing); its error when it failed."""
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout) if self.stdout.strip() else None


def _session(region: str) -> botocore.session.Session:
    """A botocore session as the ``aws`` command makes it, reading no AWS config file."""
    session = botocore.session.Session(EnvironmentVariables)
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    session.set_config_variable("region", region)
    return session


@functools.cache
def _loader() -> Any:
    """The CLI's data loader (botocore's and the CLI's models), shared by its drivers.

    It only reads the installed JSON files, so one per test process answers every
    driver alike.
    """
    return _session("us-east-1").get_component("data_loader")


def run(
    args: Sequence[str],
    *,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    region: str = "us-east-1",
) -> Ran:
    """``aws <args>`` signed with this key, in this process."""
    session = _session(region)
    session.register_component("data_loader", _loader())
    session.set_credentials(access_key_id, secret_access_key, session_token)
    # As awscli.clidriver.create_clidriver: the CLI's own customizations are plugins.
    _set_user_agent_for_session(session)
    load_plugins({}, event_hooks=session.get_component("event_emitter"))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = CLIDriver(session=session).main(list(args))
    return Ran(int(status), out.getvalue(), err.getvalue())
