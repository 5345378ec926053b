"""The cross-account configuration of a Studio user: which role to assume per EMR account.

Two sources, as in SageMaker Studio:

- the role file that a ``JupyterServer`` lifecycle configuration writes into the
  user's home before the server starts,
  ``~/.cross-account-configuration-DO_NOT_DELETE/emr-discovery-iam-role-arns-DO_NOT_DELETE.json``,
  a flat object ``{"<account id>": "<role ARN>"}`` (with the companion file of
  runtime roles, ``{"emr-execution-role-arns": {"<account id>": ["<role ARN>", ...]}}``);
- ``EmrSettings`` of the user profile or domain (``AssumableRoleArns``,
  ``ExecutionRoleArns``).

The files are read once, when the Jupyter server starts; the result is kept
as an immutable :class:`CrossAccountConfiguration`. A malformed file never
stops the server: the problem is recorded in ``errors`` (shown as a banner by
the panel) and the usable entries are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "EXECUTION_ROLE_FILE",
    "MAX_ASSUMABLE_ACCOUNTS",
    "ROLE_FILE",
    "CrossAccountConfiguration",
    "account_of_role",
]

ROLE_FILE = Path(".cross-account-configuration-DO_NOT_DELETE") / (
    "emr-discovery-iam-role-arns-DO_NOT_DELETE.json"
)
EXECUTION_ROLE_FILE = Path(".sagemaker-analytics-configuration-DO_NOT_DELETE") / (
    "emr-configurations-DO_NOT_DELETE.json"
)
# The SageMaker API takes at most five EmrSettings.AssumableRoleArns; the role file the
# lifecycle configuration writes has no such limit (one entry per EMR account).
MAX_ASSUMABLE_ACCOUNTS = 5

_ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::(\d{12}):role/?[a-zA-Z_0-9+=,.@\-_/]+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def account_of_role(role_arn: str) -> str | None:
    """The account ID in an IAM role ARN, or None when it is not a role ARN."""
    match = _ROLE_ARN.match(role_arn)
    return match.group(1) if match else None


@dataclass(frozen=True)
class CrossAccountConfiguration:
    """Assumable roles (one per EMR account) and runtime roles, as read at server start."""

    assumable_roles: Mapping[str, str] = field(default_factory=dict)
    execution_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    role_file: str = ""

    @classmethod
    def load(
        cls, home: Path, emr_settings: Mapping[str, Any] | None = None
    ) -> CrossAccountConfiguration:
        """Read the role files under ``home`` once and merge ``EmrSettings``.

        The role file's entries come first; an ``AssumableRoleArns`` entry adds
        its account when the file does not name it.
        """
        errors: list[str] = []
        roles: dict[str, str] = {}
        role_path = home / ROLE_FILE
        raw = _read_json(role_path, errors)
        if raw is not None:
            if isinstance(raw, dict):
                for account, arn in raw.items():
                    _add_role(roles, account, arn, f"{role_path}", errors)
            else:
                errors.append(
                    f"{role_path} must hold a JSON object mapping an account ID to a role ARN, "
                    f'e.g. {{"222222222222": "arn:aws:iam::222222222222:role/NAME"}}; '
                    f"found {type(raw).__name__}. Fix the Studio lifecycle configuration "
                    "that writes it and restart the server."
                )
        settings = emr_settings or {}
        listed = _strings(settings.get("AssumableRoleArns"), "AssumableRoleArns", errors)
        if len(listed) > MAX_ASSUMABLE_ACCOUNTS:
            errors.append(
                f"EmrSettings.AssumableRoleArns holds at most {MAX_ASSUMABLE_ACCOUNTS} roles; "
                f"ignoring {', '.join(listed[MAX_ASSUMABLE_ACCOUNTS:])}. Name more accounts in "
                "the role file instead."
            )
            listed = listed[:MAX_ASSUMABLE_ACCOUNTS]
        for arn in listed:
            account = account_of_role(arn)
            if account is None:
                errors.append(
                    f"EmrSettings.AssumableRoleArns: {arn!r} is not an IAM role ARN "
                    "(arn:aws:iam::<12 digits>:role/NAME)."
                )
            elif account not in roles:
                _add_role(roles, account, arn, "EmrSettings.AssumableRoleArns", errors)

        execution: dict[str, list[str]] = {}
        exec_path = home / EXECUTION_ROLE_FILE
        raw_exec = _read_json(exec_path, errors)
        if raw_exec is not None:
            by_account = (
                raw_exec.get("emr-execution-role-arns") if isinstance(raw_exec, dict) else None
            )
            if not isinstance(by_account, dict):
                errors.append(
                    f'{exec_path} must hold {{"emr-execution-role-arns": {{"<account id>": '
                    '["<role ARN>", ...]}}; fix the lifecycle configuration that writes it.'
                )
            else:
                for account, arns in by_account.items():
                    for arn in _strings(arns, f"{exec_path} [{account}]", errors):
                        _add_execution_role(execution, arn, errors, str(exec_path))
        for arn in _strings(settings.get("ExecutionRoleArns"), "ExecutionRoleArns", errors):
            _add_execution_role(execution, arn, errors, "EmrSettings.ExecutionRoleArns")
        return cls(
            assumable_roles=dict(roles),
            execution_roles={a: tuple(v) for a, v in execution.items()},
            errors=tuple(errors),
            role_file=str(role_path),
        )

    def to_json(self) -> dict[str, Any]:
        """The configuration as the panel's ``GET config`` shows it."""
        return {
            "roleFile": self.role_file,
            "assumableRoles": dict(self.assumable_roles),
            "executionRoles": {a: list(v) for a, v in self.execution_roles.items()},
            "errors": list(self.errors),
        }


def _read_json(path: Path, errors: list[str]) -> Any:
    """The parsed file, or None when absent or unreadable (the reason goes to ``errors``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        errors.append(f"Cannot read {path}: {exc.strerror}. Check its permissions.")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "its roles are ignored. Fix the Studio lifecycle configuration that writes it "
            "and restart the server (a later edit of the file is not read)."
        )
        return None


def _strings(value: Any, where: str, errors: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return list(value)
    errors.append(f"{where} must be a list of role ARNs.")
    return []


def _add_role(roles: dict[str, str], account: Any, arn: Any, where: str, errors: list[str]) -> None:
    if not isinstance(account, str) or not _ACCOUNT_ID.match(account):
        errors.append(f"{where}: {account!r} is not a 12-digit AWS account ID; entry ignored.")
        return
    if not isinstance(arn, str) or account_of_role(arn) is None:
        errors.append(
            f"{where}: the value for account {account} must be an IAM role ARN "
            f"(arn:aws:iam::{account}:role/NAME), not {arn!r}; entry ignored."
        )
        return
    if account_of_role(arn) != account:
        errors.append(
            f"{where}: role {arn} belongs to account {account_of_role(arn)}, not {account}; "
            "entry ignored."
        )
        return
    roles[account] = arn


def _add_execution_role(
    execution: dict[str, list[str]], arn: str, errors: list[str], where: str
) -> None:
    account = account_of_role(arn)
    if account is None:
        errors.append(f"{where}: {arn!r} is not an IAM role ARN; entry ignored.")
        return
    listed = execution.setdefault(account, [])
    if arn not in listed:
        listed.append(arn)
