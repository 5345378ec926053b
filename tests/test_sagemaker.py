"""SageMaker's Studio subset through boto3: domains, user profiles, lifecycle configurations,
presigned domain URLs and the login route they lead to."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

import aws_cli_support
import boto_support
from clusterport.services.base import Principal
from clusterport.services.sagemaker.source_network import (
    DOMAIN_TAG,
    PROFILE_TAG,
    StudioSource,
    studio_source,
)
from sagemaker_support import (
    Network,
    create_domain,
    encoded,
    execution_role_arn,
    lifecycle_config,
    make_network,
)

A = "111111111111"
B = "222222222222"


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return str(err["Code"]), str(err["Message"])


@pytest.fixture(scope="module")
def sm(server: Any) -> Any:
    return server.client("sagemaker", A)


@pytest.fixture(scope="module")
def net(server: Any) -> Network:
    return make_network(server, A, 31)


@pytest.fixture
def clock(server: Any) -> Iterator[list[dt.timedelta]]:
    """Shift the platform's clock: append to the list to move time forward."""
    shifts: list[dt.timedelta] = []
    original = server.platform.clock
    server.platform.clock = lambda: original() + sum(shifts, dt.timedelta())
    try:
        yield shifts
    finally:
        server.platform.clock = original


# ---- lifecycle configurations ---------------------------------------------------------------
def test_lifecycle_config_create_describe_list_delete(sm: Any) -> None:
    script = "#!/bin/bash\necho hello > ~/hello.txt\n"
    arn = lifecycle_config(sm, script)
    name = arn.rsplit("/", 1)[1]
    assert arn == f"arn:aws:sagemaker:us-east-1:{A}:studio-lifecycle-config/{name}"

    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName=name)
    assert described["StudioLifecycleConfigArn"] == arn
    assert described["StudioLifecycleConfigAppType"] == "JupyterServer"
    assert base64.b64decode(described["StudioLifecycleConfigContent"]).decode() == script
    assert described["CreationTime"] <= described["LastModifiedTime"]

    lab_arn = lifecycle_config(sm, "echo lab\n", app_type="JupyterLab")
    listed = sm.list_studio_lifecycle_configs(AppTypeEquals="JupyterLab", MaxResults=100)
    names = [c["StudioLifecycleConfigName"] for c in listed["StudioLifecycleConfigs"]]
    assert lab_arn.rsplit("/", 1)[1] in names and name not in names
    by_name = sm.list_studio_lifecycle_configs(NameContains=name)["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigArn"] for c in by_name] == [arn]

    with pytest.raises(ClientError) as dup:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=name,
            StudioLifecycleConfigContent=encoded("true"),
            StudioLifecycleConfigAppType="JupyterServer",
        )
    assert error_of(dup)[0] == "ResourceInUse"

    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=name)
    with pytest.raises(ClientError) as gone:
        sm.describe_studio_lifecycle_config(StudioLifecycleConfigName=name)
    code, message = error_of(gone)
    assert code == "ResourceNotFound" and message.startswith("Cannot find")
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_lifecycle_config_content_must_be_base64(sm: Any) -> None:
    with pytest.raises(ClientError) as bad:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName="not-base64",
            StudioLifecycleConfigContent="echo not encoded!",
            StudioLifecycleConfigAppType="JupyterServer",
        )
    code, message = error_of(bad)
    assert code == "ValidationException" and "base64" in message


def test_lifecycle_configs_sort_and_page(sm: Any) -> None:
    prefix = "pagesort"
    for suffix in ("c", "a", "b"):
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=f"{prefix}-{suffix}",
            StudioLifecycleConfigContent=encoded("true"),
            StudioLifecycleConfigAppType="JupyterServer",
        )
    seen: list[str] = []
    kwargs: dict[str, Any] = {"NameContains": prefix, "SortBy": "Name", "SortOrder": "Ascending"}
    while True:
        answer = sm.list_studio_lifecycle_configs(MaxResults=2, **kwargs)
        seen += [c["StudioLifecycleConfigName"] for c in answer["StudioLifecycleConfigs"]]
        if "NextToken" not in answer:
            break
        kwargs["NextToken"] = answer["NextToken"]
    assert seen == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    newest_first = sm.list_studio_lifecycle_configs(NameContains=prefix)["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigName"] for c in newest_first] == [
        f"{prefix}-b",
        f"{prefix}-a",
        f"{prefix}-c",
    ]
    token = sm.list_studio_lifecycle_configs(NameContains=prefix, MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as replayed:
        sm.list_studio_lifecycle_configs(NameContains="other", NextToken=token)
    assert error_of(replayed)[0] == "ValidationException"


# ---- domains --------------------------------------------------------------------------------
def test_domain_create_describe_list(server: Any, sm: Any, net: Network) -> None:
    lcc = lifecycle_config(sm, "echo domain\n")
    domain_id = create_domain(
        sm,
        net,
        A,
        lifecycle_arn=lcc,
        name="analytics",
        settings={
            "JupyterLabAppSettings": {
                "EmrSettings": {
                    "AssumableRoleArns": [f"arn:aws:iam::{B}:role/discovery"],
                    "ExecutionRoleArns": [f"arn:aws:iam::{B}:role/runtime"],
                }
            }
        },
    )
    assert re.fullmatch(r"d-[a-z0-9]{12}", domain_id)
    described = sm.describe_domain(DomainId=domain_id)
    assert described["DomainArn"] == f"arn:aws:sagemaker:us-east-1:{A}:domain/{domain_id}"
    assert described["DomainName"] == "analytics"
    assert described["Status"] == "InService"
    assert described["AuthMode"] == "IAM"
    assert described["Url"] == server.url
    assert re.fullmatch(r"fs-[0-9a-f]{17}", described["HomeEfsFileSystemId"])
    assert described["VpcId"] == net.vpc_id and described["SubnetIds"] == [net.subnet_id]
    settings = described["DefaultUserSettings"]
    assert settings["ExecutionRole"] == execution_role_arn(A)
    assert settings["SecurityGroups"] == [net.security_group_id]
    assert settings["JupyterServerAppSettings"]["DefaultResourceSpec"]["LifecycleConfigArn"] == lcc
    assert settings["JupyterLabAppSettings"]["EmrSettings"]["AssumableRoleArns"] == [
        f"arn:aws:iam::{B}:role/discovery"
    ]

    listed = sm.list_domains()["Domains"]
    mine = [d for d in listed if d["DomainId"] == domain_id]
    assert mine and mine[0]["DomainName"] == "analytics" and mine[0]["Url"] == server.url

    with pytest.raises(ClientError) as dup:
        create_domain(sm, net, A, name="analytics")
    code, message = error_of(dup)
    assert code == "ResourceInUse" and domain_id in message

    other = server.client("sagemaker", B)
    with pytest.raises(ClientError) as hidden:
        other.describe_domain(DomainId=domain_id)
    assert error_of(hidden)[0] == "ResourceNotFound"
    assert all(d["DomainId"] != domain_id for d in other.list_domains()["Domains"])


def test_domains_page(sm: Any, net: Network) -> None:
    for _ in range(3):
        create_domain(sm, net, A)
    every = [d["DomainId"] for d in sm.list_domains(MaxResults=100)["Domains"]]
    paged: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        answer = sm.list_domains(MaxResults=2, **kwargs)
        paged += [d["DomainId"] for d in answer["Domains"]]
        if "NextToken" not in answer:
            break
        kwargs["NextToken"] = answer["NextToken"]
    assert paged == every and len(every) >= 3


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"AuthMode": "SSO"}, "ValidationException", "AuthMode IAM"),
        ({"SubnetIds": ["subnet-0123456789abcdef0"]}, "ValidationException", "does not exist"),
        ({"VpcId": "vpc-0123456789abcdef0"}, "ValidationException", "not to VpcId"),
        (
            {"DefaultUserSettings": {"ExecutionRole": execution_role_arn(B)}},
            "AccessDeniedException",
            "iam:PassRole",
        ),
        (
            {
                "DefaultUserSettings": {
                    "ExecutionRole": execution_role_arn(A),
                    "SecurityGroups": ["sg-0123456789abcdef0"],
                }
            },
            "ValidationException",
            "does not exist",
        ),
    ],
)
def test_domain_create_refuses_bad_settings(
    sm: Any, net: Network, change: dict[str, Any], code: str, words: str
) -> None:
    params: dict[str, Any] = {
        "DomainName": "refused",
        "AuthMode": "IAM",
        "VpcId": net.vpc_id,
        "SubnetIds": [net.subnet_id],
        "DefaultUserSettings": {"ExecutionRole": execution_role_arn(A)},
        **change,
    }
    with pytest.raises(ClientError) as refused:
        sm.create_domain(**params)
    got_code, message = error_of(refused)
    assert got_code == code and words in message


def test_domain_needs_existing_lifecycle_configs_of_the_right_type(sm: Any, net: Network) -> None:
    missing = f"arn:aws:sagemaker:us-east-1:{A}:studio-lifecycle-config/never-created"
    with pytest.raises(ClientError) as unknown:
        create_domain(sm, net, A, lifecycle_arn=missing)
    code, message = error_of(unknown)
    assert code == "ResourceNotFound" and "never-created" in message

    lab_only = lifecycle_config(sm, "true", app_type="JupyterLab")
    with pytest.raises(ClientError) as wrong_type:
        create_domain(sm, net, A, lifecycle_arn=lab_only)
    code, message = error_of(wrong_type)
    assert code == "ValidationException" and "JupyterLab" in message

    elsewhere = f"arn:aws:sagemaker:us-east-1:{B}:studio-lifecycle-config/theirs"
    with pytest.raises(ClientError) as foreign:
        create_domain(sm, net, A, lifecycle_arn=elsewhere)
    assert error_of(foreign)[0] == "ValidationException"


def test_update_domain_merges_settings(sm: Any, net: Network) -> None:
    lcc = lifecycle_config(sm, "echo v1\n")
    domain_id = create_domain(sm, net, A, lifecycle_arn=lcc)
    emr = {"AssumableRoleArns": [f"arn:aws:iam::{B}:role/discovery"]}
    arn = sm.update_domain(
        DomainId=domain_id,
        DefaultUserSettings={"JupyterLabAppSettings": {"EmrSettings": emr}},
    )["DomainArn"]
    assert arn.endswith(f"domain/{domain_id}")
    settings = sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"]
    assert settings["ExecutionRole"] == execution_role_arn(A)
    assert settings["JupyterLabAppSettings"]["EmrSettings"] == emr
    assert settings["JupyterServerAppSettings"]["LifecycleConfigArns"] == [lcc]

    # While the domain names it, the configuration cannot go.
    with pytest.raises(ClientError) as used:
        sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=lcc.rsplit("/", 1)[1])
    code, message = error_of(used)
    assert code == "ResourceInUse" and domain_id in message

    sm.update_domain(
        DomainId=domain_id,
        DefaultUserSettings={
            "JupyterServerAppSettings": {"DefaultResourceSpec": {}, "LifecycleConfigArns": []}
        },
    )
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=lcc.rsplit("/", 1)[1])

    with pytest.raises(ClientError) as bad_subnet:
        sm.update_domain(DomainId=domain_id, SubnetIds=["subnet-0123456789abcdef0"])
    assert error_of(bad_subnet)[0] == "ValidationException"
    with pytest.raises(ClientError) as missing:
        sm.update_domain(DomainId="d-000000000000", AppNetworkAccessType="VpcOnly")
    assert error_of(missing)[0] == "ResourceNotFound"


def test_delete_domain_needs_no_profiles_and_can_drop_the_homes(
    server: Any, sm: Any, net: Network
) -> None:
    domain_id = create_domain(sm, net, A)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    with pytest.raises(ClientError) as busy:
        sm.delete_domain(DomainId=domain_id)
    code, message = error_of(busy)
    assert code == "ResourceInUse" and "ana" in message

    home = server.data_dir / "studio" / domain_id / "home" / "ana"
    home.mkdir(parents=True)
    (home / "notebook.ipynb").write_text("{}")
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="ana")
    sm.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    assert not (server.data_dir / "studio" / domain_id).exists()
    with pytest.raises(ClientError) as gone:
        sm.describe_domain(DomainId=domain_id)
    assert error_of(gone)[0] == "ResourceNotFound"

    kept = create_domain(sm, net, A)
    kept_home = server.data_dir / "studio" / kept / "home" / "bo"
    kept_home.mkdir(parents=True)
    sm.delete_domain(DomainId=kept)
    assert kept_home.is_dir()


# ---- user profiles --------------------------------------------------------------------------
def test_user_profiles_override_and_list(sm: Any, net: Network) -> None:
    domain_lcc = lifecycle_config(sm, "echo domain\n")
    profile_lcc = lifecycle_config(sm, "echo profile\n")
    domain_id = create_domain(sm, net, A, lifecycle_arn=domain_lcc)
    own_role = execution_role_arn(A, "AnaRole")
    arn = sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName="ana",
        UserSettings={
            "ExecutionRole": own_role,
            "JupyterServerAppSettings": {
                "DefaultResourceSpec": {"LifecycleConfigArn": profile_lcc},
                "LifecycleConfigArns": [profile_lcc],
            },
        },
    )["UserProfileArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:{A}:user-profile/{domain_id}/ana"
    sm.create_user_profile(DomainId=domain_id, UserProfileName="bo")

    ana = sm.describe_user_profile(DomainId=domain_id, UserProfileName="ana")
    assert ana["Status"] == "InService" and ana["UserProfileArn"] == arn
    assert ana["UserSettings"]["ExecutionRole"] == own_role
    bo = sm.describe_user_profile(DomainId=domain_id, UserProfileName="bo")
    assert bo["UserSettings"] == {}
    assert int(bo["HomeEfsFileSystemUid"]) == int(ana["HomeEfsFileSystemUid"]) + 1
    # The domain's defaults stay as they were; the override is the profile's own.
    defaults = sm.describe_domain(DomainId=domain_id)["DefaultUserSettings"]
    assert defaults["ExecutionRole"] == execution_role_arn(A)

    with pytest.raises(ClientError) as dup:
        sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    assert error_of(dup)[0] == "ResourceInUse"

    listed = sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]
    assert [p["UserProfileName"] for p in listed] == ["ana", "bo"]
    newest = sm.list_user_profiles(DomainIdEquals=domain_id, SortOrder="Descending")
    assert [p["UserProfileName"] for p in newest["UserProfiles"]] == ["bo", "ana"]
    only_bo = sm.list_user_profiles(DomainIdEquals=domain_id, UserProfileNameContains="b")
    assert [p["UserProfileName"] for p in only_bo["UserProfiles"]] == ["bo"]

    # The profile's configuration is in use by the profile, not by the domain.
    with pytest.raises(ClientError) as used:
        sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=profile_lcc.rsplit("/", 1)[1])
    code, message = error_of(used)
    assert code == "ResourceInUse" and "user profile ana" in message

    sm.delete_user_profile(DomainId=domain_id, UserProfileName="ana")
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=profile_lcc.rsplit("/", 1)[1])
    with pytest.raises(ClientError) as gone:
        sm.describe_user_profile(DomainId=domain_id, UserProfileName="ana")
    code, message = error_of(gone)
    assert code == "ResourceNotFound" and message.startswith("Cannot find user profile ana")
    with pytest.raises(ClientError) as no_domain:
        sm.create_user_profile(DomainId="d-000000000000", UserProfileName="x")
    assert error_of(no_domain)[0] == "ResourceNotFound"


def test_profile_security_groups_add_up_to_five_at_most(server: Any, sm: Any, net: Network) -> None:
    domain_id = create_domain(sm, net, A)
    ec2 = server.client("ec2", A)
    groups = [
        ec2.create_security_group(GroupName=f"extra-{i}", Description="x", VpcId=net.vpc_id)[
            "GroupId"
        ]
        for i in range(5)
    ]
    with pytest.raises(ClientError) as too_many:
        sm.create_user_profile(
            DomainId=domain_id, UserProfileName="many", UserSettings={"SecurityGroups": groups}
        )
    code, message = error_of(too_many)
    assert code == "ValidationException" and "at most 5" in message
    sm.create_user_profile(
        DomainId=domain_id, UserProfileName="some", UserSettings={"SecurityGroups": groups[:4]}
    )


# ---- presigned domain URLs and the login route ----------------------------------------------
def _app_file(server: Any, domain_id: str, profile: str) -> Path:
    return Path(server.data_dir) / "studio" / domain_id / "apps" / f"{profile}.json"


def _record_app(server: Any, domain_id: str, profile: str, pid: int) -> Path:
    """Record a running app as the launcher does (this test process plays the lab's pid)."""
    path = _app_file(server, domain_id, profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": "http://127.0.0.1:8899", "token": "labtoken", "pid": pid}))
    return path


def _studio_logins(server: Any, account: str) -> list[dict[str, Any]]:
    events = server.client("cloudtrail", account).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "StudioLogin"}]
    )["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in events]


def test_every_studio_login_is_in_the_audit_trail(server: Any, sm: Any, net: Network) -> None:
    domain_id = create_domain(sm, net, A)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="audited")
    url = sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="audited")[
        "AuthorizedUrl"
    ]
    assert httpx.get(url, follow_redirects=False).status_code == 409
    app = _record_app(server, domain_id, "audited", os.getpid())
    try:
        assert httpx.get(url, follow_redirects=False).status_code == 302
        assert httpx.get(url, follow_redirects=False).status_code == 403
    finally:
        app.unlink()
    mine = [e for e in _studio_logins(server, A) if e["requestParameters"]["domainId"] == domain_id]
    outcomes = [e.get("errorCode") for e in reversed(mine)]  # newest first in LookupEvents
    assert outcomes == ["AccessDenied", None, "AccessDenied"]
    for event in mine:
        assert event["eventSource"] == "sagemaker.amazonaws.com"
        assert event["sourceIPAddress"] == "127.0.0.1"
        assert event["userIdentity"]["arn"] == f"arn:aws:iam::{A}:root"
        assert event["requestParameters"]["userProfileName"] == "audited"
    assert "No JupyterLab runs" in mine[-1]["errorMessage"]


def test_presigned_url_logs_in_once(server: Any, sm: Any, net: Network) -> None:
    domain_id = create_domain(sm, net, A)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    url = sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="ana")["AuthorizedUrl"]
    assert re.fullmatch(re.escape(server.url) + r"/_studio/login/[A-Za-z0-9_-]{40,}", url)

    # No JupyterLab yet: 409 naming the command; the URL is not spent.
    not_running = httpx.get(url, follow_redirects=False)
    assert not_running.status_code == 409
    assert f"clusterport studio --domain-id {domain_id} --user-profile ana" in not_running.text

    app = _record_app(server, domain_id, "ana", os.getpid())
    try:
        with pytest.raises(ClientError) as running:
            sm.delete_user_profile(DomainId=domain_id, UserProfileName="ana")
        assert error_of(running)[0] == "ResourceInUse"

        first = httpx.get(url, follow_redirects=False)
        assert first.status_code == 302
        assert first.headers["location"] == "http://127.0.0.1:8899/lab?token=labtoken"
        assert first.headers["cache-control"] == "no-store"
        second = httpx.get(url, follow_redirects=False)
        assert second.status_code == 403 and "already used" in second.text

        landing = sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName="ana", LandingUri="studio::notebooks/intro.ipynb"
        )["AuthorizedUrl"]
        deep = httpx.get(landing, follow_redirects=False)
        assert deep.headers["location"] == (
            "http://127.0.0.1:8899/lab/tree/notebooks/intro.ipynb?token=labtoken"
        )
    finally:
        app.unlink()
    forged = httpx.get(f"{server.url}/_studio/login/not-a-token", follow_redirects=False)
    assert forged.status_code == 403 and "new URL" in forged.text


def test_presigned_url_expires(
    server: Any, sm: Any, net: Network, clock: list[dt.timedelta]
) -> None:
    domain_id = create_domain(sm, net, A)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    app = _record_app(server, domain_id, "ana", os.getpid())
    try:
        short = sm.create_presigned_domain_url(
            DomainId=domain_id,
            UserProfileName="ana",
            ExpiresInSeconds=5,
            SessionExpirationDurationInSeconds=1800,
        )["AuthorizedUrl"]
        default = sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="ana")[
            "AuthorizedUrl"
        ]
        clock.append(dt.timedelta(seconds=6))
        expired = httpx.get(short, follow_redirects=False)
        assert expired.status_code == 403 and "expired" in expired.text
        assert httpx.get(default, follow_redirects=False).status_code == 302
        clock.append(dt.timedelta(seconds=300))
        late = sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="ana")
        clock.append(dt.timedelta(seconds=301))
        assert httpx.get(late["AuthorizedUrl"], follow_redirects=False).status_code == 403
    finally:
        app.unlink()


def test_presigned_url_validation(sm: Any, net: Network) -> None:
    domain_id = create_domain(sm, net, A)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    with pytest.raises(ClientError) as unknown:
        sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="nobody")
    assert error_of(unknown)[0] == "ResourceNotFound"
    with pytest.raises(ClientError) as too_long:
        sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName="ana", ExpiresInSeconds=301
        )
    assert error_of(too_long)[0] == "ValidationException"
    with pytest.raises(ClientError) as other_app:
        sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName="ana", LandingUri="app:RStudioServerPro:"
        )
    code, message = error_of(other_app)
    assert code == "ValidationException" and "JupyterLab" in message


def test_a_dead_app_is_not_running(server: Any, sm: Any, net: Network) -> None:
    domain_id = create_domain(sm, net, A)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    app = _record_app(server, domain_id, "ana", child)
    try:
        url = sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="ana")
        assert httpx.get(url["AuthorizedUrl"], follow_redirects=False).status_code == 409
        sm.delete_user_profile(DomainId=domain_id, UserProfileName="ana")
    finally:
        app.unlink()


def test_aws_cli_creates_a_domain_and_a_login_url(
    server: Any, sm: Any, net: Network, tmp_path: Path
) -> None:
    key = server.account(A)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    aws = [str(Path(sys.executable).parent / "aws"), "--endpoint-url", server.url, "sagemaker"]

    def run(*args: str, process: bool = False) -> Any:
        """``aws sagemaker <args>``: in this process, or as an ``aws`` process."""
        if not process:
            return aws_cli_support.run(
                aws[1:] + list(args),
                access_key_id=key.access_key_id,
                secret_access_key=key.secret_access_key,
            ).json()
        done = subprocess.run(
            [*aws, *args], env=env, capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    settings = json.dumps({"ExecutionRole": execution_role_arn(A)})
    created = run(
        "create-domain",
        "--domain-name",
        "from-the-cli",
        "--auth-mode",
        "IAM",
        "--vpc-id",
        net.vpc_id,
        "--subnet-ids",
        net.subnet_id,
        "--default-user-settings",
        settings,
        process=True,  # one real ``aws`` process; the other commands run in-process
    )
    domain_id = created["DomainId"]
    run("create-user-profile", "--domain-id", domain_id, "--user-profile-name", "ana")
    url = run(
        "create-presigned-domain-url",
        "--domain-id",
        domain_id,
        "--user-profile-name",
        "ana",
        "--expires-in-seconds",
        "60",
    )["AuthorizedUrl"]
    assert url.startswith(f"{server.url}/_studio/login/")
    assert sm.describe_domain(DomainId=domain_id)["DomainName"] == "from-the-cli"


def test_session_tags_name_the_studio_source_network(server: Any, sm: Any, net: Network) -> None:
    ec2 = server.client("ec2", A)
    extra = ec2.create_security_group(
        GroupName="ana-extra", Description="Ana's own", VpcId=net.vpc_id
    )["GroupId"]
    domain_id = create_domain(sm, net, A)
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]
    profile_arn = sm.create_user_profile(
        DomainId=domain_id, UserProfileName="ana", UserSettings={"SecurityGroups": [extra]}
    )["UserProfileArn"]

    def principal(account: str, tags: dict[str, str]) -> Principal:
        return Principal(
            account_id=account,
            arn=f"arn:aws:sts::{account}:assumed-role/SomeRole/ana",
            user_id="AROAEXAMPLE:ana",
            kind="assumed-role",
            access_key_id="ASIAEXAMPLE",
            session_tags=tags,
        )

    tags = {DOMAIN_TAG: domain_arn, PROFILE_TAG: profile_arn}
    kept = server.platform.studio_sources

    def source_of(account: str, tags: dict[str, str]) -> StudioSource | None:
        with server.platform.db.session() as session:
            return studio_source(session, principal(account, tags), kept)

    # The same answer in the domain's account and after chaining into another account.
    for account in (A, B):
        source = source_of(account, tags)
        assert source is not None
        assert source.domain_id == domain_id and source.user_profile == "ana"
        assert source.account_id == A and source.vpc_id == net.vpc_id
        assert source.subnet_ids == (net.subnet_id,)
        assert source.security_group_ids == (net.security_group_id, extra)
    assert source_of(A, {}) is None
    other_domain = {**tags, DOMAIN_TAG: domain_arn.replace(domain_id, "d-000000000000")}
    assert source_of(A, other_domain) is None

    # The answer is kept, and every change of the domain or the profile is seen at once.
    assert len(kept) > 0
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"SecurityGroups": [extra]})
    source = source_of(A, tags)
    assert source is not None and source.security_group_ids == (extra,)
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="ana")
    assert source_of(A, tags) is None


def test_creating_a_domain_needs_pass_role_to_sagemaker(server: Any, net: Network) -> None:
    iam = server.client("iam", A)
    iam.create_user(UserName="studio-admin")
    iam.put_user_policy(
        UserName="studio-admin",
        PolicyName="sagemaker",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="studio-admin")["AccessKey"]
    admin = boto_support.session(
        key["AccessKeyId"],
        key["SecretAccessKey"],
        None,
        "us-east-1",
    ).client("sagemaker", endpoint_url=server.url)
    with pytest.raises(ClientError) as denied:
        create_domain(admin, net, A)
    code, message = error_of(denied)
    assert code == "AccessDeniedException" and "iam:PassRole" in message

    iam.put_user_policy(
        UserName="studio-admin",
        PolicyName="pass-to-sagemaker",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": execution_role_arn(A),
                        "Condition": {
                            "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
                        },
                    }
                ],
            }
        ),
    )
    domain_id = create_domain(admin, net, A)
    assert admin.describe_domain(DomainId=domain_id)["Status"] == "InService"
