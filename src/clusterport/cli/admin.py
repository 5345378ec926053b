"""``clusterport admin``: accounts and their root keys, with or without a running server.

``clusterport admin pool`` shows the warm pool of the server running on the
data dir (``clusterport server --warm-pool``), as the server last wrote it.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
from pathlib import Path

from clusterport.cli.common import add_data_dir, running_server_url
from clusterport.engines.pool import members_of, read_status
from clusterport.errors import ServiceError
from clusterport.platform import DEFAULT_REGION, Platform, Settings
from clusterport.services import identity


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("admin", help="create accounts and root credentials")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create-account", help="create an account and its root key")
    add_data_dir(create)
    create.add_argument("--account-id", required=True, help="12 digits, e.g. 111111111111")
    create.add_argument("--name", required=True, help="a name for the account")
    _profile_options(create)
    create.set_defaults(run=run_create_account)

    root_key = actions.add_parser("create-root-key", help="another root key for an account")
    add_data_dir(root_key)
    root_key.add_argument("--account-id", required=True)
    _profile_options(root_key)
    root_key.set_defaults(run=run_create_root_key)

    listing = actions.add_parser("list-accounts", help="list the accounts")
    add_data_dir(listing)
    listing.set_defaults(run=run_list_accounts)

    pool = actions.add_parser(
        "pool", help="show the warm pool: its size, shape, memory and each member's state"
    )
    add_data_dir(pool)
    pool.set_defaults(run=run_pool)


def _profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--write-profile",
        metavar="NAME",
        help="also write an AWS CLI/boto3 profile NAME with these keys and the endpoint",
    )
    parser.add_argument(
        "--endpoint-url",
        help="the endpoint the profile points at (default: the running server's URL)",
    )
    parser.add_argument("--region", default=DEFAULT_REGION)


def _platform(args: argparse.Namespace) -> Platform:
    return Platform(Settings(data_dir=args.data_dir, database_url=args.database_url))


def _issue(args: argparse.Namespace, create: bool) -> int:
    platform = _platform(args)
    try:
        with platform.db.session() as session:
            if create:
                key = identity.create_account(
                    session, platform.secrets, args.account_id, args.name, platform.now()
                )
            else:
                key = identity.create_root_key(
                    session, platform.secrets, args.account_id, platform.now()
                )
    except ServiceError as exc:
        print(f"clusterport admin: {exc.message}", file=sys.stderr)
        return 1
    finally:
        platform.close()
    print(
        json.dumps(
            {
                "AccountId": key.account_id,
                "AccessKeyId": key.access_key_id,
                "SecretAccessKey": key.secret_access_key,
            }
        )
    )
    if args.write_profile:
        endpoint = args.endpoint_url or running_server_url(args.data_dir)
        if endpoint is None:
            print(
                "clusterport admin: no --endpoint-url given and no server is running on "
                f"{args.data_dir}; start 'clusterport server' or pass --endpoint-url.",
                file=sys.stderr,
            )
            return 1
        write_profile(args.write_profile, key, endpoint, args.region)
        print(f"wrote AWS profile '{args.write_profile}' -> {endpoint}", file=sys.stderr)
    return 0


def run_create_account(args: argparse.Namespace) -> int:
    return _issue(args, create=True)


def run_create_root_key(args: argparse.Namespace) -> int:
    return _issue(args, create=False)


def run_list_accounts(args: argparse.Namespace) -> int:
    platform = _platform(args)
    try:
        with platform.db.session() as session:
            rows = [
                {"AccountId": a.account_id, "Name": a.name, "Created": a.created_at.isoformat()}
                for a in identity.list_accounts(session)
            ]
    finally:
        platform.close()
    print(json.dumps({"Accounts": rows}, indent=2))
    return 0


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_pool(args: argparse.Namespace) -> int:
    """Print the warm pool of the server on the data dir (JSON), as it last said it."""
    status = read_status(args.data_dir)
    if status is None or not _alive(status.get("ServerPid")):
        print(
            json.dumps(
                {"Size": 0, "Shape": "", "MemberMemoryMiB": 0, "MemoryMiB": 0, "Members": []},
                indent=2,
            )
        )
        print(
            f"clusterport admin: no server with a warm pool runs on {args.data_dir}; start "
            "one with 'clusterport server --warm-pool N'.",
            file=sys.stderr,
        )
        return 0
    shown = {
        "Size": status.get("Size", 0),
        "Shape": status.get("Shape", ""),
        "MemberMemoryMiB": status.get("MemberMemoryMiB", 0),
        "MemoryMiB": status.get("MemoryMiB", 0),
        "Members": [{"Id": m.get("Id"), "State": m.get("State")} for m in members_of(status)],
        "UpdatedAt": status.get("UpdatedAt"),
    }
    print(json.dumps(shown, indent=2))
    return 0


def aws_files() -> tuple[Path, Path]:
    """The AWS config and credentials files, honouring AWS_CONFIG_FILE and friends."""
    home = Path.home() / ".aws"
    config = Path(os.environ.get("AWS_CONFIG_FILE", home / "config"))
    credentials = Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", home / "credentials"))
    return config, credentials


def write_profile(name: str, key: identity.IssuedKey, endpoint: str, region: str) -> None:
    """Write (or replace) profile ``name`` in the AWS config and credentials files."""
    config_path, credentials_path = aws_files()
    section = "default" if name == "default" else f"profile {name}"
    _update_ini(config_path, section, {"region": region, "endpoint_url": endpoint})
    _update_ini(
        credentials_path,
        name,
        {"aws_access_key_id": key.access_key_id, "aws_secret_access_key": key.secret_access_key},
    )


def _update_ini(path: Path, section: str, values: dict[str, str]) -> None:
    parser = configparser.RawConfigParser()
    if path.exists():
        parser.read(path)
    if parser.has_section(section):
        parser.remove_section(section)
    parser.add_section(section)
    for k, v in values.items():
        parser.set(section, k, v)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        parser.write(handle)
    os.chmod(path, 0o600)
