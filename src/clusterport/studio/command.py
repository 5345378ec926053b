"""The ``%sm_analytics`` command line: its grammar, its help text and the cell the panel inserts.

Kept free of IPython and boto3 so the panel's manager and the magic share it.

::

    %sm_analytics emr connect --cluster-id j-… --auth-type {None,Kerberos,Basic_Access}
        [--language {python,scala}] [--assumable-role-arn ARN] [--emr-execution-role-arn ARN]
        [--secret ID] [--verify-certificate {True,False,PATH}] [--no-override-krb5-conf] [--livy]
    %sm_analytics emr help
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from typing import NoReturn

__all__ = [
    "AUTH_TYPES",
    "LANGUAGES",
    "CommandError",
    "ConnectRequest",
    "HelpRequest",
    "connect_line",
    "parse_command",
    "usage",
]

AUTH_TYPES = ("None", "Kerberos", "Basic_Access")
LANGUAGES = ("python", "scala")


class CommandError(ValueError):
    """The command line does not follow the ``%sm_analytics`` grammar; the message says how."""


@dataclass(frozen=True)
class ConnectRequest:
    """A parsed ``emr connect`` command."""

    cluster_id: str
    auth_type: str
    language: str
    assumable_role_arn: str | None = None
    emr_execution_role_arn: str | None = None
    secret: str | None = None
    verify_certificate: bool | str = True
    override_krb5_conf: bool = True
    livy: bool = False


@dataclass(frozen=True)
class HelpRequest:
    """A parsed ``emr help`` command."""

    service: str = "emr"


def connect_line(cluster_id: str, assumable_role_arn: str | None = None) -> str:
    """The exact cell the Clusters panel inserts to connect a notebook to ``cluster_id``."""
    line = (
        "%sm_analytics emr connect --verify-certificate False "
        f"--cluster-id {cluster_id} --auth-type None --language python"
    )
    if assumable_role_arn:
        line += f" --assumable-role-arn {assumable_role_arn}"
    return line


class _Parser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`CommandError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message}\n\n{usage()}")


def _parser() -> _Parser:
    parser = _Parser(prog="%sm_analytics", add_help=False)
    parser.add_argument("command", nargs="*")
    parser.add_argument("--cluster-id")
    parser.add_argument("--auth-type")
    parser.add_argument("--language")
    parser.add_argument("--assumable-role-arn")
    parser.add_argument("--emr-execution-role-arn")
    parser.add_argument("--secret")
    parser.add_argument("--verify-certificate", default="True")
    parser.add_argument("--no-override-krb5-conf", action="store_true")
    parser.add_argument("--livy", action="store_true")
    parser.add_argument("--application-id")  # emr-serverless, refused with an explanation
    return parser


def usage() -> str:
    """The help text ``%sm_analytics emr help`` prints."""
    return """\
Usage:
  %sm_analytics emr connect --cluster-id CLUSTER_ID --auth-type {None,Kerberos,Basic_Access}
                            --language {python,scala} [--assumable-role-arn ARN]
                            [--emr-execution-role-arn ARN] [--secret SECRET_ID]
                            [--verify-certificate {True,False,PATH}] [--no-override-krb5-conf]
                            [--livy]
  %sm_analytics emr help

Connects this notebook to an EMR cluster.

  --cluster-id              the cluster to connect to (j-...); required
  --auth-type               how to authenticate to the cluster: None, Kerberos or Basic_Access;
                            required (clusterport's clusters use None)
  --language                python or scala; required in an IPython kernel
  --assumable-role-arn      a role of the cluster's account to assume first (cross-account);
                            every EMR call then uses its credentials
  --emr-execution-role-arn  the runtime role the session runs as
  --secret                  the Secrets Manager secret with Basic_Access credentials
  --verify-certificate      verify the endpoint's TLS certificate: True, False or a CA bundle
  --no-override-krb5-conf   keep the local krb5.conf (Kerberos only)
  --livy                    connect through the cluster's Livy endpoint with sparkmagic
                            instead of an EMR Spark Connect session (implied by --language scala)

By default the magic starts an EMR session (StartSession + GetSessionEndpoint) and binds a
Spark Connect session to `spark` in the notebook.
"""


def parse_command(line: str) -> ConnectRequest | HelpRequest:
    """Parse the text after ``%sm_analytics``; raises :class:`CommandError` naming the fix."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"Cannot split the command line: {exc}.\n\n{usage()}") from exc
    args = _parser().parse_args(words)
    command = [c.lower() for c in args.command]
    if not command:
        raise CommandError(f"Missing command: use `emr connect` or `emr help`.\n\n{usage()}")
    if command[0] != "emr":
        if command[0] == "emr-serverless":
            raise CommandError(
                "emr-serverless is not supported by clusterport; connect to an EMR cluster "
                "with `emr connect --cluster-id j-...`."
            )
        raise CommandError(f"Unknown service {command[0]!r}: the supported service is emr.")
    if command[1:] == ["help"]:
        return HelpRequest()
    if command[1:] != ["connect"]:
        operation = " ".join(command[1:]) or "(none)"
        raise CommandError(
            f"Unknown operation {operation!r} for emr: use `emr connect` or `emr help`."
        )
    if not args.cluster_id:
        raise CommandError(f"--cluster-id is required for `emr connect`.\n\n{usage()}")
    if args.auth_type is None:
        raise CommandError(
            f"--auth-type is required for `emr connect` (None, Kerberos or Basic_Access)."
            f"\n\n{usage()}"
        )
    auth_type = _canonical(args.auth_type, AUTH_TYPES, "--auth-type")
    if args.language is None:
        raise CommandError(
            "--language is required in an IPython kernel: add `--language python` "
            "(or `--language scala`)."
        )
    language = _canonical(args.language, LANGUAGES, "--language")
    return ConnectRequest(
        cluster_id=args.cluster_id,
        auth_type=auth_type,
        language=language,
        assumable_role_arn=args.assumable_role_arn or None,
        emr_execution_role_arn=args.emr_execution_role_arn or None,
        secret=args.secret or None,
        verify_certificate=_verify(args.verify_certificate),
        override_krb5_conf=not args.no_override_krb5_conf,
        livy=bool(args.livy) or language == "scala",
    )


def _canonical(value: str, choices: tuple[str, ...], flag: str) -> str:
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise CommandError(f"{flag} {value!r} is not supported; use one of {', '.join(choices)}.")


def _verify(value: str) -> bool | str:
    if value.lower() == "true":
        return True
    if value.lower() == "false":
        return False
    return value
