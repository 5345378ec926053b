"""SageMaker's Studio subset: domains, user profiles, Studio lifecycle configurations and
presigned domain URLs.

A domain is a network (a VPC and subnets of the account), default user
settings (execution role, security groups, the lifecycle configurations each
app runs) and a shared home file system: ``<data dir>/studio/<domain id>/home/``,
one folder per user profile, used by the ``clusterport studio`` launcher. A
user profile's ``UserSettings`` override the domain's defaults (security groups
add up); ``DescribeUserProfile`` shows the profile's own settings, as SageMaker
does. A presigned domain URL is a one-time, expiring login to the profile's
running JupyterLab (see :mod:`.login` and the gateway's login route).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import shutil
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

from sqlalchemy.orm import Session

from clusterport.errors import ConflictError
from clusterport.services.authorization import authorize
from clusterport.services.base import Provider, RequestContext, ResourceArns
from clusterport.services.ec2 import network_api
from clusterport.services.sagemaker import apps, login, names
from clusterport.services.sagemaker import shapes_generated as shapes
from clusterport.services.sagemaker.pagination import page
from clusterport.services.sagemaker.records import (
    DOMAIN,
    LIFECYCLE_CONFIG,
    USER_PROFILE,
    SageMakerRecords,
    in_use,
    invalid,
)
from clusterport.services.sagemaker.user_settings import lifecycle_references, merge_settings
from clusterport.store.resources import ResourceRow

IN_SERVICE = "InService"
#: SageMaker lets a user run with at most five security groups (domain's and profile's together).
MAX_SECURITY_GROUPS = 5
#: HomeEfsFileSystemUid of a domain's first profile; each next profile gets the next number.
FIRST_UID = 200001
DEFAULT_URL_EXPIRY = 300
DEFAULT_SESSION_SECONDS = 43200


def _profile_arns(ctx: RequestContext, p: Mapping[str, Any]) -> list[str]:
    return [names.user_profile_arn(ctx, p["DomainId"], p["UserProfileName"])]


def _domain_arns(ctx: RequestContext, p: Mapping[str, Any]) -> list[str]:
    return [names.domain_arn(ctx, p["DomainId"])]


def _lifecycle_arns(ctx: RequestContext, p: Mapping[str, Any]) -> list[str]:
    return [names.lifecycle_config_arn(ctx, p["StudioLifecycleConfigName"])]


class SageMakerProvider(Provider):
    """The SageMaker API (Studio domains, user profiles, lifecycle configurations)."""

    service = "sagemaker"
    iam_prefix = "sagemaker"
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = {
        "CreateDomain": lambda ctx, p: [names.domain_arn(ctx, "*")],
        "DescribeDomain": _domain_arns,
        "UpdateDomain": _domain_arns,
        "DeleteDomain": _domain_arns,
        "CreateUserProfile": _profile_arns,
        "DescribeUserProfile": _profile_arns,
        "DeleteUserProfile": _profile_arns,
        "CreatePresignedDomainUrl": _profile_arns,
        "CreateStudioLifecycleConfig": _lifecycle_arns,
        "DescribeStudioLifecycleConfig": _lifecycle_arns,
        "DeleteStudioLifecycleConfig": _lifecycle_arns,
    }
    no_resource_operations: ClassVar[frozenset[str]] = frozenset(
        {"ListDomains", "ListUserProfiles", "ListStudioLifecycleConfigs"}
    )

    def _records(self, ctx: RequestContext, session: Session) -> SageMakerRecords:
        return SageMakerRecords(session, ctx.account_id, self.region_key(ctx))

    # ---- domains ---------------------------------------------------------------------
    async def create_domain(
        self, ctx: RequestContext, params: shapes.CreateDomainRequest
    ) -> shapes.CreateDomainResponse:
        """``DefaultUserSettings.ExecutionRole`` is optional, as on AWS (apps of a profile without
        a role do not start until one is set). The domain gets a boundary security group in its
        VPC.
        """
        if params["AuthMode"] != "IAM":
            raise invalid(
                f"AuthMode {params['AuthMode']} needs IAM Identity Center, which this platform "
                "does not provide; create the domain with AuthMode IAM."
            )
        vpc_id, subnet_ids = params.get("VpcId"), list(params.get("SubnetIds") or [])
        if not vpc_id or not subnet_ids:
            raise invalid(
                "CreateDomain needs VpcId and SubnetIds: the network the domain's apps run in "
                "(see DescribeVpcs and DescribeSubnets)."
            )
        # ExecutionRole is optional, as on AWS: a profile without one cannot start apps
        # until UpdateDomain/UpdateUserProfile gives it a role (the launcher says so).
        settings = dict(params["DefaultUserSettings"])
        domain_id = names.new_domain_id()
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            taken = rec.store.find(
                DOMAIN, account_id=ctx.account_id, region=rec.region, name=params["DomainName"]
            )
            if taken:
                raise in_use(
                    f"A domain named {params['DomainName']} already exists in this account and "
                    f"region ({taken[0].resource_id}); choose another DomainName."
                )
            self._check_network(ctx, session, vpc_id, subnet_ids)
            self._check_user_settings(ctx, rec, settings, vpc_id, "DefaultUserSettings")
            boundary = network_api.create_security_group(
                session,
                ctx.account_id,
                rec.region,
                vpc_id,
                f"security-group-for-domain-boundary-{domain_id}",
                f"[DO NOT DELETE] Security Group for the boundary of domain {domain_id}",
                ctx.now,
                tags={"ManagedByAmazonSageMakerResource": names.domain_arn(ctx, domain_id)},
            )
            data: dict[str, Any] = {
                "SecurityGroupIdForDomainBoundary": boundary.group_id,
                "AuthMode": "IAM",
                "DefaultUserSettings": settings,
                "DomainSettings": dict(params.get("DomainSettings") or {}),
                "DefaultSpaceSettings": dict(params.get("DefaultSpaceSettings") or {}),
                "AppNetworkAccessType": params.get("AppNetworkAccessType", "PublicInternetOnly"),
                "AppSecurityGroupManagement": params.get("AppSecurityGroupManagement"),
                "TagPropagation": params.get("TagPropagation", "DISABLED"),
                "HomeEfsFileSystemId": names.new_file_system_id(),
                "HomeEfsFileSystemKmsKeyId": params.get("HomeEfsFileSystemKmsKeyId"),
                "KmsKeyId": params.get("KmsKeyId"),
                "VpcId": vpc_id,
                "SubnetIds": subnet_ids,
                "Tags": list(params.get("Tags") or []),
                "NextUid": FIRST_UID,
            }
            rec.store.add(
                account_id=ctx.account_id,
                region=rec.region,
                kind=DOMAIN,
                resource_id=domain_id,
                name=params["DomainName"],
                state=IN_SERVICE,
                data=data,
                now=ctx.now,
            )
        return {
            "DomainArn": names.domain_arn(ctx, domain_id),
            "DomainId": domain_id,
            "Url": self._url(ctx),
        }

    async def describe_domain(
        self, ctx: RequestContext, params: shapes.DescribeDomainRequest
    ) -> shapes.DescribeDomainResponse:
        """Includes ``SecurityGroupIdForDomainBoundary``, a security group of the domain's VPC."""
        with ctx.platform.db.session() as session:
            row = self._records(ctx, session).domain(params["DomainId"])
            return cast(shapes.DescribeDomainResponse, self._domain(ctx, row))

    async def list_domains(
        self, ctx: RequestContext, params: shapes.ListDomainsRequest
    ) -> shapes.ListDomainsResponse:
        with ctx.platform.db.session() as session:
            rows = self._records(ctx, session).domains()
            chunk, token = page(rows, params, "ListDomains")
            items = [
                {
                    key: value
                    for key, value in self._domain(ctx, row).items()
                    if key
                    in (
                        "DomainArn",
                        "DomainId",
                        "DomainName",
                        "Status",
                        "CreationTime",
                        "LastModifiedTime",
                        "Url",
                    )
                }
                for row in chunk
            ]
        return cast(shapes.ListDomainsResponse, _with_token({"Domains": items}, token))

    async def update_domain(
        self, ctx: RequestContext, params: shapes.UpdateDomainRequest
    ) -> shapes.UpdateDomainResponse:
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            row = rec.domain(params["DomainId"])
            data = dict(row.data)
            vpc_id = params.get("VpcId") or data["VpcId"]
            subnets = list(params.get("SubnetIds") or data["SubnetIds"])
            if vpc_id != data["VpcId"] and not params.get("SubnetIds"):
                raise invalid(
                    f"Moving domain {row.resource_id} to VPC {vpc_id} needs SubnetIds of that VPC."
                )
            if vpc_id != data["VpcId"] or subnets != data["SubnetIds"]:
                self._check_network(ctx, session, vpc_id, subnets)
            if "DefaultUserSettings" in params:
                settings = merge_settings(
                    data["DefaultUserSettings"], params["DefaultUserSettings"]
                )
                self._check_user_settings(ctx, rec, settings, vpc_id, "DefaultUserSettings")
                data["DefaultUserSettings"] = settings
            if vpc_id != data["VpcId"]:
                for profile in rec.profiles(row.resource_id):
                    self._check_security_groups(
                        ctx,
                        session,
                        profile.data.get("UserSettings") or {},
                        vpc_id,
                        f"UserSettings of profile {profile.name}",
                    )
            if "DomainSettingsForUpdate" in params:
                update = {
                    ("RStudioServerProDomainSettings" if k.startswith("RStudio") else k): v
                    for k, v in params["DomainSettingsForUpdate"].items()
                }
                data["DomainSettings"] = merge_settings(data.get("DomainSettings") or {}, update)
            if "DefaultSpaceSettings" in params:
                data["DefaultSpaceSettings"] = merge_settings(
                    data.get("DefaultSpaceSettings") or {}, params["DefaultSpaceSettings"]
                )
            for key in ("AppSecurityGroupManagement", "AppNetworkAccessType", "TagPropagation"):
                if key in params:
                    data[key] = params[key]
            data["VpcId"], data["SubnetIds"] = vpc_id, subnets
            rec.store.update(row, data, ctx.now, state=IN_SERVICE)
        return {"DomainArn": names.domain_arn(ctx, params["DomainId"])}

    async def delete_domain(
        self, ctx: RequestContext, params: shapes.DeleteDomainRequest
    ) -> shapes.NoOutput:
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            row = rec.domain(params["DomainId"])
            profiles = [p.name or "" for p in rec.profiles(row.resource_id)]
            if profiles:
                raise in_use(
                    f"Domain {row.resource_id} still has user profiles ({', '.join(profiles)}); "
                    "delete them with DeleteUserProfile first."
                )
            rec.store.delete(row)
            boundary = row.data.get("SecurityGroupIdForDomainBoundary")
            if boundary:
                # AWS leaves a domain's groups behind when something still uses them.
                with contextlib.suppress(ConflictError):
                    network_api.delete_security_group(
                        session, ctx.account_id, rec.region, str(boundary)
                    )
        retention = (params.get("RetentionPolicy") or {}).get("HomeEfsFileSystem", "Retain")
        if retention == "Delete":
            shutil.rmtree(apps.domain_dir(ctx.platform.data_dir, params["DomainId"]), True)
        return {}

    # ---- user profiles ---------------------------------------------------------------
    async def create_user_profile(
        self, ctx: RequestContext, params: shapes.CreateUserProfileRequest
    ) -> shapes.CreateUserProfileResponse:
        domain_id, name = params["DomainId"], params["UserProfileName"]
        for sso in ("SingleSignOnUserIdentifier", "SingleSignOnUserValue"):
            if params.get(sso):
                raise invalid(f"{sso} applies to IAM Identity Center domains only; omit it.")
        settings = dict(params.get("UserSettings") or {})
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            domain = rec.domain(domain_id)
            if rec.find_profile(domain_id, name) is not None:
                raise in_use(
                    f"User profile {name} already exists in domain {domain_id}; pick another "
                    "UserProfileName or use the existing profile."
                )
            self._check_user_settings(ctx, rec, settings, domain.data["VpcId"], "UserSettings")
            self._check_group_total(domain.data["DefaultUserSettings"], settings)
            uid = int(domain.data.get("NextUid", FIRST_UID))
            rec.store.update(domain, {**domain.data, "NextUid": uid + 1}, domain.updated_at)
            rec.store.add(
                account_id=ctx.account_id,
                region=rec.region,
                kind=USER_PROFILE,
                resource_id=f"{domain_id}/{name}",
                name=name,
                parent_id=domain_id,
                state=IN_SERVICE,
                now=ctx.now,
                data={
                    "UserSettings": settings,
                    "HomeEfsFileSystemUid": str(uid),
                    "Tags": list(params.get("Tags") or []),
                },
            )
        return {"UserProfileArn": names.user_profile_arn(ctx, domain_id, name)}

    async def describe_user_profile(
        self, ctx: RequestContext, params: shapes.DescribeUserProfileRequest
    ) -> shapes.DescribeUserProfileResponse:
        with ctx.platform.db.session() as session:
            row = self._records(ctx, session).profile(params["DomainId"], params["UserProfileName"])
            return {
                "DomainId": str(row.parent_id),
                "UserProfileArn": names.user_profile_arn(ctx, str(row.parent_id), str(row.name)),
                "UserProfileName": str(row.name),
                "HomeEfsFileSystemUid": row.data["HomeEfsFileSystemUid"],
                "Status": str(row.state),
                "CreationTime": row.created_at,
                "LastModifiedTime": row.updated_at,
                "UserSettings": cast(shapes.UserSettingsOut, row.data.get("UserSettings") or {}),
            }

    async def list_user_profiles(
        self, ctx: RequestContext, params: shapes.ListUserProfilesRequest
    ) -> shapes.ListUserProfilesResponse:
        contains = params.get("UserProfileNameContains")
        with ctx.platform.db.session() as session:
            rows = [
                row
                for row in self._records(ctx, session).profiles(params.get("DomainIdEquals"))
                if not contains or contains in (row.name or "")
            ]
            rows = _sorted(rows, params, "CreationTime", "Ascending")
            scope = "ListUserProfiles|" + "|".join(
                str(params.get(k, ""))
                for k in ("DomainIdEquals", "UserProfileNameContains", "SortBy", "SortOrder")
            )
            chunk, token = page(rows, params, scope)
            items = [
                {
                    "DomainId": row.parent_id,
                    "UserProfileName": row.name,
                    "Status": row.state,
                    "CreationTime": row.created_at,
                    "LastModifiedTime": row.updated_at,
                }
                for row in chunk
            ]
        return cast(shapes.ListUserProfilesResponse, _with_token({"UserProfiles": items}, token))

    async def delete_user_profile(
        self, ctx: RequestContext, params: shapes.DeleteUserProfileRequest
    ) -> shapes.NoOutput:
        domain_id, name = params["DomainId"], params["UserProfileName"]
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            row = rec.profile(domain_id, name)
            app = apps.running_app(ctx.platform.data_dir, domain_id, name)
            if app is not None:
                raise in_use(
                    f"User profile {name} of domain {domain_id} has a running JupyterLab "
                    f"(process {app.pid}); stop its 'clusterport studio' launcher (Ctrl-C or "
                    "SIGTERM) and delete the profile again."
                )
            rec.store.delete(row)
        return {}

    # ---- Studio lifecycle configurations ---------------------------------------------
    async def create_studio_lifecycle_config(
        self, ctx: RequestContext, params: shapes.CreateStudioLifecycleConfigRequest
    ) -> shapes.CreateStudioLifecycleConfigResponse:
        name = params["StudioLifecycleConfigName"]
        content = params["StudioLifecycleConfigContent"]
        try:
            base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid(
                "StudioLifecycleConfigContent must be the script encoded in base64 "
                f"(e.g. base64 -w0 script.sh): {exc}."
            ) from exc
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            if rec.find_lifecycle_config(name) is not None:
                raise in_use(
                    f"Studio lifecycle config {name} already exists; pick another name, or "
                    "delete the old one first (configurations cannot be changed)."
                )
            rec.store.add(
                account_id=ctx.account_id,
                region=rec.region,
                kind=LIFECYCLE_CONFIG,
                resource_id=name,
                name=name,
                now=ctx.now,
                data={
                    "StudioLifecycleConfigContent": content,
                    "StudioLifecycleConfigAppType": params["StudioLifecycleConfigAppType"],
                    "Tags": list(params.get("Tags") or []),
                },
            )
        return {"StudioLifecycleConfigArn": names.lifecycle_config_arn(ctx, name)}

    async def describe_studio_lifecycle_config(
        self, ctx: RequestContext, params: shapes.DescribeStudioLifecycleConfigRequest
    ) -> shapes.DescribeStudioLifecycleConfigResponse:
        with ctx.platform.db.session() as session:
            row = self._records(ctx, session).lifecycle_config(params["StudioLifecycleConfigName"])
            described = {
                **self._lifecycle(ctx, row),
                **{"StudioLifecycleConfigContent": row.data["StudioLifecycleConfigContent"]},
            }
            return cast(shapes.DescribeStudioLifecycleConfigResponse, described)

    async def list_studio_lifecycle_configs(
        self, ctx: RequestContext, params: shapes.ListStudioLifecycleConfigsRequest
    ) -> shapes.ListStudioLifecycleConfigsResponse:
        checks: list[Callable[[ResourceRow], bool]] = []
        filters: Mapping[str, Any] = params
        if params.get("NameContains"):
            checks.append(lambda r: params["NameContains"] in r.resource_id)
        if params.get("AppTypeEquals"):
            checks.append(
                lambda r: r.data["StudioLifecycleConfigAppType"] == params["AppTypeEquals"]
            )
        for key, attr, before in (
            ("CreationTimeBefore", "created_at", True),
            ("CreationTimeAfter", "created_at", False),
            ("ModifiedTimeBefore", "updated_at", True),
            ("ModifiedTimeAfter", "updated_at", False),
        ):
            moment = filters.get(key)
            if moment is not None:
                checks.append(_time_check(attr, moment, before))
        with ctx.platform.db.session() as session:
            rows = [
                row
                for row in self._records(ctx, session).lifecycle_configs()
                if all(check(row) for check in checks)
            ]
            rows = _sorted(rows, params, "CreationTime", "Descending")
            scope = "ListStudioLifecycleConfigs|" + "|".join(
                str(params.get(k, ""))
                for k in (
                    "NameContains",
                    "AppTypeEquals",
                    "CreationTimeBefore",
                    "CreationTimeAfter",
                    "ModifiedTimeBefore",
                    "ModifiedTimeAfter",
                    "SortBy",
                    "SortOrder",
                )
            )
            chunk, token = page(rows, params, scope)
            items = [self._lifecycle(ctx, row) for row in chunk]
        listed = _with_token({"StudioLifecycleConfigs": items}, token)
        return cast(shapes.ListStudioLifecycleConfigsResponse, listed)

    async def delete_studio_lifecycle_config(
        self, ctx: RequestContext, params: shapes.DeleteStudioLifecycleConfigRequest
    ) -> shapes.NoOutput:
        name = params["StudioLifecycleConfigName"]
        arn = names.lifecycle_config_arn(ctx, name)
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            row = rec.lifecycle_config(name)
            users = [
                f"domain {domain.resource_id}"
                for domain in rec.domains()
                if _references(domain.data.get("DefaultUserSettings"), arn)
            ] + [
                f"user profile {profile.name} of domain {profile.parent_id}"
                for profile in rec.profiles()
                if _references(profile.data.get("UserSettings"), arn)
            ]
            if users:
                raise in_use(
                    f"Studio lifecycle config {name} is in use by {', '.join(users)}; detach it "
                    "(UpdateDomain / a new profile without it, with LifecycleConfigArns and "
                    "DefaultResourceSpec.LifecycleConfigArn no longer naming it) first."
                )
            rec.store.delete(row)
        return {}

    # ---- presigned domain URLs -------------------------------------------------------
    async def create_presigned_domain_url(
        self, ctx: RequestContext, params: shapes.CreatePresignedDomainUrlRequest
    ) -> shapes.CreatePresignedDomainUrlResponse:
        if params.get("SpaceName"):
            raise invalid(
                "Shared spaces are not supported here; omit SpaceName to open the user "
                "profile's own JupyterLab."
            )
        landing = login.landing_path(params.get("LandingUri"))
        domain_id, name = params["DomainId"], params["UserProfileName"]
        with ctx.platform.db.session() as session:
            rec = self._records(ctx, session)
            rec.profile(domain_id, name)
            token = login.issue(
                session,
                account_id=ctx.account_id,
                region=rec.region,
                domain_id=domain_id,
                user_profile=name,
                now=ctx.now,
                expires_in=int(params.get("ExpiresInSeconds") or DEFAULT_URL_EXPIRY),
                session_expires_in=int(
                    params.get("SessionExpirationDurationInSeconds") or DEFAULT_SESSION_SECONDS
                ),
                landing=landing,
                issued_to=(ctx.principal.arn, ctx.principal.user_id),
            )
        return {"AuthorizedUrl": f"{self._url(ctx)}/_studio/login/{token}"}

    # ---- helpers ---------------------------------------------------------------------
    def _url(self, ctx: RequestContext) -> str:
        return ctx.platform.settings.public_url.rstrip("/")

    def _domain(self, ctx: RequestContext, row: ResourceRow) -> dict[str, Any]:
        data = row.data
        described = {
            "DomainArn": names.domain_arn(ctx, row.resource_id),
            "DomainId": row.resource_id,
            "DomainName": row.name,
            "Status": row.state,
            "CreationTime": row.created_at,
            "LastModifiedTime": row.updated_at,
            "Url": self._url(ctx),
            **{
                key: data.get(key)
                for key in (
                    "HomeEfsFileSystemId",
                    "AuthMode",
                    "DefaultUserSettings",
                    "DomainSettings",
                    "DefaultSpaceSettings",
                    "AppNetworkAccessType",
                    "AppSecurityGroupManagement",
                    "TagPropagation",
                    "HomeEfsFileSystemKmsKeyId",
                    "KmsKeyId",
                    "VpcId",
                    "SubnetIds",
                    "SecurityGroupIdForDomainBoundary",
                )
            },
        }
        return {key: value for key, value in described.items() if value not in (None, {})}

    def _lifecycle(self, ctx: RequestContext, row: ResourceRow) -> dict[str, Any]:
        return {
            "StudioLifecycleConfigArn": names.lifecycle_config_arn(ctx, row.resource_id),
            "StudioLifecycleConfigName": row.resource_id,
            "CreationTime": row.created_at,
            "LastModifiedTime": row.updated_at,
            "StudioLifecycleConfigAppType": row.data["StudioLifecycleConfigAppType"],
        }

    def _check_network(
        self, ctx: RequestContext, session: Session, vpc_id: str, subnet_ids: list[str]
    ) -> None:
        region = self.region_key(ctx)
        for subnet_id in subnet_ids:
            subnet = network_api.get_subnet(session, ctx.account_id, region, subnet_id)
            if subnet is None:
                raise invalid(
                    f"Subnet {subnet_id} does not exist in account {ctx.account_id} ({region}); "
                    "pass subnets listed by DescribeSubnets."
                )
            if subnet.vpc_id != vpc_id:
                raise invalid(
                    f"Subnet {subnet_id} belongs to {subnet.vpc_id}, not to VpcId {vpc_id}; "
                    "pass subnets of the domain's VPC."
                )

    def _check_user_settings(
        self,
        ctx: RequestContext,
        rec: SageMakerRecords,
        settings: Mapping[str, Any],
        vpc_id: str,
        where: str,
    ) -> None:
        role = settings.get("ExecutionRole")
        if role:
            authorize(
                ctx, "iam:PassRole", [role], {"iam:PassedToService": "sagemaker.amazonaws.com"}
            )
        self._check_security_groups(ctx, rec.session, settings, vpc_id, where)
        for ref in lifecycle_references(settings):
            parsed = names.lifecycle_config_name(ref.arn)
            label = f"{where}.{ref.settings}.{ref.field}"
            if parsed is None or parsed[:2] != (rec.region, rec.account_id):
                raise invalid(
                    f"{label}: {ref.arn} is not a Studio lifecycle config ARN of this account "
                    f"and region (arn:aws:sagemaker:{rec.region}:{rec.account_id}:"
                    "studio-lifecycle-config/NAME)."
                )
            found = rec.lifecycle_config(parsed[2])
            app_type = found.data["StudioLifecycleConfigAppType"]
            if app_type != ref.app_type:
                raise invalid(
                    f"{label}: Studio lifecycle config {parsed[2]} is for {app_type} apps, but "
                    f"{ref.settings} takes {ref.app_type} configurations; attach it under "
                    f"{app_type}AppSettings instead."
                )

    def _check_security_groups(
        self,
        ctx: RequestContext,
        session: Session,
        settings: Mapping[str, Any],
        vpc_id: str,
        where: str,
    ) -> None:
        region = self.region_key(ctx)
        for group_id in settings.get("SecurityGroups") or []:
            group = network_api.get_security_group(session, ctx.account_id, region, group_id)
            if group is None:
                raise invalid(
                    f"{where}.SecurityGroups: {group_id} does not exist in account "
                    f"{ctx.account_id} ({region}); pass groups listed by DescribeSecurityGroups."
                )
            if group.vpc_id != vpc_id:
                raise invalid(
                    f"{where}.SecurityGroups: {group_id} belongs to {group.vpc_id}, not to the "
                    f"domain's VPC {vpc_id}."
                )

    def _check_group_total(self, defaults: Mapping[str, Any], settings: Mapping[str, Any]) -> None:
        groups = set(defaults.get("SecurityGroups") or []) | set(
            settings.get("SecurityGroups") or []
        )
        if len(groups) > MAX_SECURITY_GROUPS:
            raise invalid(
                f"The domain's and the profile's SecurityGroups add up to {len(groups)} groups; "
                f"a user may have at most {MAX_SECURITY_GROUPS}. Drop some from UserSettings."
            )


def _references(settings: Mapping[str, Any] | None, arn: str) -> bool:
    return any(ref.arn == arn for ref in lifecycle_references(settings))


def _with_token(result: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        result["NextToken"] = token
    return result


def _sorted(
    rows: list[ResourceRow], params: Mapping[str, Any], default_key: str, default_order: str
) -> list[ResourceRow]:
    sort_by = params.get("SortBy") or default_key
    descending = (params.get("SortOrder") or default_order) == "Descending"

    def key(row: ResourceRow) -> tuple[Any, int]:
        if sort_by == "Name":
            return (row.name or row.resource_id, row.pk)
        if sort_by == "LastModifiedTime":
            return (row.updated_at, row.pk)
        return (row.created_at, row.pk)

    return sorted(rows, key=key, reverse=descending)


def _time_check(attr: str, when: dt.datetime, before: bool) -> Callable[[ResourceRow], bool]:
    def check(row: ResourceRow) -> bool:
        value: dt.datetime = getattr(row, attr)
        return value < when if before else value > when

    return check
