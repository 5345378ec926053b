"""The IAM API: users, access keys, roles, policies, boundaries, instance profiles, simulation.

IAM is global: its rows carry no region and its ARNs none either. Each
operation is authorized against the ARN of the entity it touches (with the
entity's real path when it exists), and gives the gateway's check the
condition keys IAM defines for it: ``aws:RequestTag/…`` and ``aws:TagKeys``
when tagging, ``iam:PolicyARN`` when attaching, ``iam:PermissionsBoundary``
when setting a boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, cast

from clusterport.services.authorization import request_tag_context
from clusterport.services.base import Provider, RequestContext
from clusterport.services.iam import (
    access_keys,
    account,
    attachments,
    documents,
    instance_profiles,
    managed_policies,
    names,
    roles,
    simulation,
    users,
)
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.errors import validation
from clusterport.services.iam.paging import page
from clusterport.services.iam.records import IamRecords
from clusterport.store.identity import Account

Result = dict[str, Any]

#: Which parameter names the entity an operation acts on, by entity kind.
_USER_OPS = frozenset(
    {
        "CreateUser", "GetUser", "DeleteUser", "UpdateUser", "TagUser", "UntagUser",
        "ListUserTags", "PutUserPolicy", "GetUserPolicy", "ListUserPolicies", "DeleteUserPolicy",
        "AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies",
        "PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary", "CreateAccessKey",
        "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey",
    }
)  # fmt: skip
_ROLE_OPS = frozenset(
    {
        "CreateRole", "GetRole", "UpdateRole", "UpdateRoleDescription", "UpdateAssumeRolePolicy",
        "DeleteRole", "TagRole", "UntagRole", "ListRoleTags", "PutRolePolicy", "GetRolePolicy",
        "ListRolePolicies", "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy",
        "ListAttachedRolePolicies", "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary",
        "ListInstanceProfilesForRole",
    }
)  # fmt: skip
_PROFILE_OPS = frozenset(
    {
        "CreateInstanceProfile", "GetInstanceProfile", "DeleteInstanceProfile",
        "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile", "TagInstanceProfile",
        "UntagInstanceProfile", "ListInstanceProfileTags",
    }
)  # fmt: skip
_POLICY_OPS = frozenset(
    {
        "GetPolicy", "GetPolicyVersion", "CreatePolicyVersion", "ListPolicyVersions",
        "DeletePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicy", "TagPolicy",
        "UntagPolicy", "ListPolicyTags", "ListEntitiesForPolicy",
    }
)  # fmt: skip


#: Operations the Service Authorization Reference lists without resource types.
_NO_RESOURCE_OPS = frozenset(
    {
        "ListUsers", "ListRoles", "ListPolicies", "ListInstanceProfiles", "ListAccountAliases",
        "CreateAccountAlias", "DeleteAccountAlias", "GetAccountAuthorizationDetails",
        "SimulateCustomPolicy",
    }
)  # fmt: skip
_OTHER_OPS = frozenset({"CreatePolicy", "SimulatePrincipalPolicy"})


class IamProvider(Provider):
    """The IAM API."""

    service = "iam"
    iam_prefix = "iam"
    global_service = True
    no_resource_operations: ClassVar[frozenset[str]] = _NO_RESOURCE_OPS

    # ---- authorization -------------------------------------------------------------------
    @classmethod
    def declares_resources(cls, operation: str) -> bool:
        return operation in (
            _USER_OPS | _ROLE_OPS | _PROFILE_OPS | _POLICY_OPS | _OTHER_OPS
        ) or super().declares_resources(operation)

    def resources_for(
        self, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> list[str]:
        acct = ctx.account_id
        if operation in _USER_OPS:
            name = params.get("UserName")
            if not name:
                return [ctx.principal.arn] if ctx.principal.kind in ("user", "root") else ["*"]
            return [self._entity_arn(ctx, names.USER, name, params.get("Path"))]
        if operation in _ROLE_OPS:
            return [self._entity_arn(ctx, names.ROLE, params["RoleName"], params.get("Path"))]
        if operation in _PROFILE_OPS:
            name = params["InstanceProfileName"]
            return [self._entity_arn(ctx, names.INSTANCE_PROFILE, name, params.get("Path"))]
        if operation in _POLICY_OPS:
            return [params["PolicyArn"]]
        if operation == "CreatePolicy":
            path = params.get("Path") or "/"
            return [names.entity_arn(acct, names.POLICY, params["PolicyName"], path)]
        if operation == "SimulatePrincipalPolicy":
            return [params["PolicySourceArn"]]
        return super().resources_for(ctx, operation, params)

    def _entity_arn(self, ctx: RequestContext, kind: str, name: str, path: str | None) -> str:
        if path is not None:
            return names.entity_arn(ctx.account_id, kind, name, path)
        with ctx.platform.db.session() as session:
            row = IamRecords(session, ctx.account_id).find(kind, name)
            return (
                str(row.data["Arn"])
                if row is not None
                else names.entity_arn(ctx.account_id, kind, name)
            )

    def context_keys_for(
        self, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> Mapping[str, str | Sequence[str]]:
        keys: dict[str, str | Sequence[str]] = {}
        keys.update(request_tag_context(params.get("Tags")))
        if params.get("TagKeys"):
            keys["aws:TagKeys"] = list(params["TagKeys"])
        if operation.startswith(("Attach", "Detach")) and params.get("PolicyArn"):
            keys["iam:PolicyARN"] = params["PolicyArn"]
        if params.get("PermissionsBoundary"):
            keys["iam:PermissionsBoundary"] = params["PermissionsBoundary"]
        return keys

    @contextmanager
    def _records(self, ctx: RequestContext) -> Iterator[IamRecords]:
        with ctx.platform.db.session() as session:
            yield IamRecords(session, ctx.account_id)

    # ---- users ---------------------------------------------------------------------------
    async def create_user(
        self, ctx: RequestContext, params: shapes.CreateUserRequest
    ) -> shapes.CreateUserResponse:
        with self._records(ctx) as rec:
            return {"User": users.output(users.create(rec, params, ctx.now))}

    async def get_user(
        self, ctx: RequestContext, params: shapes.GetUserRequest
    ) -> shapes.GetUserResponse:
        with self._records(ctx) as rec:
            name = params.get("UserName")
            if not name:
                principal = ctx.principal
                if principal.kind == "root":
                    created = rec.session.get(Account, ctx.account_id)
                    return {
                        "User": {
                            "UserId": ctx.account_id,
                            "Arn": principal.arn,
                            "CreateDate": created.created_at if created else ctx.now,
                        }
                    }
                if principal.kind != "user" or not principal.name:
                    raise validation(
                        "Must specify userName when calling with non-User credentials: a role "
                        "session is no user. Pass UserName."
                    )
                name = principal.name
            return {"User": users.output(rec.require(names.USER, name))}

    async def list_users(
        self, ctx: RequestContext, params: shapes.ListUsersRequest
    ) -> shapes.ListUsersResponse:
        prefix = params.get("PathPrefix") or "/"
        with self._records(ctx) as rec:
            rows = [r for r in rec.all(names.USER) if r.data["Path"].startswith(prefix)]
            chunk, more = page(rows, params, f"ListUsers:{prefix}")
            return {"Users": [users.output(r, full=False) for r in chunk], **more}

    async def update_user(
        self, ctx: RequestContext, params: shapes.UpdateUserRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            users.update(rec, rec.require(names.USER, params["UserName"]), params, ctx.now)
        return {}

    async def delete_user(
        self, ctx: RequestContext, params: shapes.DeleteUserRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            users.delete(rec, rec.require(names.USER, params["UserName"]))
        return {}

    async def tag_user(self, ctx: RequestContext, params: shapes.TagUserRequest) -> shapes.NoOutput:
        return self._tag(ctx, names.USER, params["UserName"], params["Tags"])

    async def untag_user(
        self, ctx: RequestContext, params: shapes.UntagUserRequest
    ) -> shapes.NoOutput:
        return self._untag(ctx, names.USER, params["UserName"], params["TagKeys"])

    async def list_user_tags(
        self, ctx: RequestContext, params: shapes.ListUserTagsRequest
    ) -> shapes.ListUserTagsResponse:
        return self._list_tags(ctx, names.USER, params["UserName"], params)

    # ---- access keys ---------------------------------------------------------------------
    async def create_access_key(
        self, ctx: RequestContext, params: shapes.CreateAccessKeyRequest
    ) -> shapes.CreateAccessKeyResponse:
        with self._records(ctx) as rec:
            owner = access_keys.owner(rec, ctx.principal, params.get("UserName"))
            key = access_keys.create(rec, ctx.platform.secrets, owner, ctx.now)
        return {"AccessKey": key}

    async def list_access_keys(
        self, ctx: RequestContext, params: shapes.ListAccessKeysRequest
    ) -> shapes.ListAccessKeysResponse:
        with self._records(ctx) as rec:
            owner = access_keys.owner(rec, ctx.principal, params.get("UserName"))
            chunk, more = page(access_keys.listed(rec, owner), params, f"ListAccessKeys:{owner}")
        return {"AccessKeyMetadata": chunk, **more}

    async def update_access_key(
        self, ctx: RequestContext, params: shapes.UpdateAccessKeyRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            owner = access_keys.owner(rec, ctx.principal, params.get("UserName"))
            access_keys.set_status(rec, owner, params["AccessKeyId"], params["Status"])
        return {}

    async def delete_access_key(
        self, ctx: RequestContext, params: shapes.DeleteAccessKeyRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            owner = access_keys.owner(rec, ctx.principal, params.get("UserName"))
            access_keys.delete(rec, owner, params["AccessKeyId"])
        return {}

    # ---- roles ---------------------------------------------------------------------------
    async def create_role(
        self, ctx: RequestContext, params: shapes.CreateRoleRequest
    ) -> shapes.CreateRoleResponse:
        """An empty ``Description`` is kept as ``""``; the trust policy may name STS's actions
        only (others are ``MalformedPolicyDocument`` with IAM's wording) and may be of
        version 2008-10-17.
        """
        with self._records(ctx) as rec:
            return {"Role": roles.output(roles.create(rec, params, ctx.now))}

    async def get_role(
        self, ctx: RequestContext, params: shapes.GetRoleRequest
    ) -> shapes.GetRoleResponse:
        with self._records(ctx) as rec:
            return {"Role": roles.output(rec.require(names.ROLE, params["RoleName"]))}

    async def list_roles(
        self, ctx: RequestContext, params: shapes.ListRolesRequest
    ) -> shapes.ListRolesResponse:
        prefix = params.get("PathPrefix") or "/"
        with self._records(ctx) as rec:
            rows = [r for r in rec.all(names.ROLE) if r.data["Path"].startswith(prefix)]
            chunk, more = page(rows, params, f"ListRoles:{prefix}")
            return {"Roles": [roles.output(r, full=False) for r in chunk], **more}

    async def update_role(
        self, ctx: RequestContext, params: shapes.UpdateRoleRequest
    ) -> shapes.UpdateRoleResponse:
        """Members not given are left as they are (a missing ``Description`` keeps the current one;
        ``""`` empties it).
        """
        with self._records(ctx) as rec:
            roles.update(rec, rec.require(names.ROLE, params["RoleName"]), params, ctx.now)
        return {}

    async def update_role_description(
        self, ctx: RequestContext, params: shapes.UpdateRoleDescriptionRequest
    ) -> shapes.UpdateRoleDescriptionResponse:
        with self._records(ctx) as rec:
            row = rec.require(names.ROLE, params["RoleName"])
            roles.update(rec, row, {"Description": params["Description"]}, ctx.now)
            return {"Role": roles.output(row)}

    async def update_assume_role_policy(
        self, ctx: RequestContext, params: shapes.UpdateAssumeRolePolicyRequest
    ) -> shapes.NoOutput:
        """Validated as CreateRole's trust policy (unknown ``sts:`` actions refused with IAM's
        message).
        """
        with self._records(ctx) as rec:
            row = rec.require(names.ROLE, params["RoleName"])
            roles.update_trust(rec, row, params["PolicyDocument"], ctx.now)
        return {}

    async def delete_role(
        self, ctx: RequestContext, params: shapes.DeleteRoleRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            roles.delete(rec, rec.require(names.ROLE, params["RoleName"]))
        return {}

    async def tag_role(self, ctx: RequestContext, params: shapes.TagRoleRequest) -> shapes.NoOutput:
        """Keys and values are checked against IAM's pattern ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]`` and
        lengths (128/256) with IAM's message, as on every IAM tagging path (users, policies,
        instance profiles).
        """
        return self._tag(ctx, names.ROLE, params["RoleName"], params["Tags"])

    async def untag_role(
        self, ctx: RequestContext, params: shapes.UntagRoleRequest
    ) -> shapes.NoOutput:
        return self._untag(ctx, names.ROLE, params["RoleName"], params["TagKeys"])

    async def list_role_tags(
        self, ctx: RequestContext, params: shapes.ListRoleTagsRequest
    ) -> shapes.ListRoleTagsResponse:
        return self._list_tags(ctx, names.ROLE, params["RoleName"], params)

    async def list_instance_profiles_for_role(
        self, ctx: RequestContext, params: shapes.ListInstanceProfilesForRoleRequest
    ) -> shapes.ListInstanceProfilesForRoleResponse:
        with self._records(ctx) as rec:
            role = rec.require(names.ROLE, params["RoleName"])
            rows = roles.instance_profiles_of(rec, role.data["Name"])
            chunk, more = page(rows, params, f"ListInstanceProfilesForRole:{role.resource_id}")
            return {"InstanceProfiles": [instance_profiles.output(rec, r) for r in chunk], **more}

    # ---- inline policies -----------------------------------------------------------------
    async def put_role_policy(
        self, ctx: RequestContext, params: shapes.PutRolePolicyRequest
    ) -> shapes.NoOutput:
        return self._put_inline(ctx, names.ROLE, params["RoleName"], params)

    async def get_role_policy(
        self, ctx: RequestContext, params: shapes.GetRolePolicyRequest
    ) -> shapes.GetRolePolicyResponse:
        found = self._get_inline(ctx, names.ROLE, params["RoleName"], params["PolicyName"])
        return cast(shapes.GetRolePolicyResponse, found)

    async def list_role_policies(
        self, ctx: RequestContext, params: shapes.ListRolePoliciesRequest
    ) -> shapes.ListRolePoliciesResponse:
        return self._list_inline(ctx, names.ROLE, params["RoleName"], params)

    async def delete_role_policy(
        self, ctx: RequestContext, params: shapes.DeleteRolePolicyRequest
    ) -> shapes.NoOutput:
        return self._delete_inline(ctx, names.ROLE, params["RoleName"], params["PolicyName"])

    async def put_user_policy(
        self, ctx: RequestContext, params: shapes.PutUserPolicyRequest
    ) -> shapes.NoOutput:
        return self._put_inline(ctx, names.USER, params["UserName"], params)

    async def get_user_policy(
        self, ctx: RequestContext, params: shapes.GetUserPolicyRequest
    ) -> shapes.GetUserPolicyResponse:
        found = self._get_inline(ctx, names.USER, params["UserName"], params["PolicyName"])
        return cast(shapes.GetUserPolicyResponse, found)

    async def list_user_policies(
        self, ctx: RequestContext, params: shapes.ListUserPoliciesRequest
    ) -> shapes.ListUserPoliciesResponse:
        return self._list_inline(ctx, names.USER, params["UserName"], params)

    async def delete_user_policy(
        self, ctx: RequestContext, params: shapes.DeleteUserPolicyRequest
    ) -> shapes.NoOutput:
        return self._delete_inline(ctx, names.USER, params["UserName"], params["PolicyName"])

    def _put_inline(
        self, ctx: RequestContext, kind: str, name: str, params: Mapping[str, Any]
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            attachments.put_inline(
                rec, row, params["PolicyName"], params["PolicyDocument"], ctx.now
            )
        return {}

    def _get_inline(self, ctx: RequestContext, kind: str, name: str, policy_name: str) -> Result:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            text = attachments.get_inline(row, policy_name)
            key = "RoleName" if kind == names.ROLE else "UserName"
            return {
                key: row.data["Name"],
                "PolicyName": policy_name,
                "PolicyDocument": documents.encoded(text),
            }

    def _list_inline(
        self, ctx: RequestContext, kind: str, name: str, params: Mapping[str, Any]
    ) -> shapes.ListRolePoliciesResponse:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            chunk, more = page(
                attachments.inline_names(row), params, f"inline:{kind}:{row.resource_id}"
            )
            return {"PolicyNames": chunk, **more}

    def _delete_inline(
        self, ctx: RequestContext, kind: str, name: str, policy_name: str
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            attachments.delete_inline(rec, rec.require(kind, name), policy_name, ctx.now)
        return {}

    # ---- managed policy attachments and boundaries -----------------------------------------
    async def attach_role_policy(
        self, ctx: RequestContext, params: shapes.AttachRolePolicyRequest
    ) -> shapes.NoOutput:
        return self._attach(ctx, names.ROLE, params["RoleName"], params["PolicyArn"], True)

    async def detach_role_policy(
        self, ctx: RequestContext, params: shapes.DetachRolePolicyRequest
    ) -> shapes.NoOutput:
        return self._attach(ctx, names.ROLE, params["RoleName"], params["PolicyArn"], False)

    async def attach_user_policy(
        self, ctx: RequestContext, params: shapes.AttachUserPolicyRequest
    ) -> shapes.NoOutput:
        return self._attach(ctx, names.USER, params["UserName"], params["PolicyArn"], True)

    async def detach_user_policy(
        self, ctx: RequestContext, params: shapes.DetachUserPolicyRequest
    ) -> shapes.NoOutput:
        return self._attach(ctx, names.USER, params["UserName"], params["PolicyArn"], False)

    async def list_attached_role_policies(
        self, ctx: RequestContext, params: shapes.ListAttachedRolePoliciesRequest
    ) -> shapes.ListAttachedRolePoliciesResponse:
        return self._list_attached(ctx, names.ROLE, params["RoleName"], params)

    async def list_attached_user_policies(
        self, ctx: RequestContext, params: shapes.ListAttachedUserPoliciesRequest
    ) -> shapes.ListAttachedUserPoliciesResponse:
        return self._list_attached(ctx, names.USER, params["UserName"], params)

    async def put_role_permissions_boundary(
        self, ctx: RequestContext, params: shapes.PutRolePermissionsBoundaryRequest
    ) -> shapes.NoOutput:
        return self._boundary(ctx, names.ROLE, params["RoleName"], params["PermissionsBoundary"])

    async def delete_role_permissions_boundary(
        self, ctx: RequestContext, params: shapes.DeleteRolePermissionsBoundaryRequest
    ) -> shapes.NoOutput:
        return self._boundary(ctx, names.ROLE, params["RoleName"], None)

    async def put_user_permissions_boundary(
        self, ctx: RequestContext, params: shapes.PutUserPermissionsBoundaryRequest
    ) -> shapes.NoOutput:
        return self._boundary(ctx, names.USER, params["UserName"], params["PermissionsBoundary"])

    async def delete_user_permissions_boundary(
        self, ctx: RequestContext, params: shapes.DeleteUserPermissionsBoundaryRequest
    ) -> shapes.NoOutput:
        return self._boundary(ctx, names.USER, params["UserName"], None)

    def _attach(
        self, ctx: RequestContext, kind: str, name: str, arn: str, attach: bool
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            if attach:
                attachments.attach(rec, row, arn, ctx.now)
            else:
                attachments.detach(rec, row, arn, ctx.now)
        return {}

    def _list_attached(
        self, ctx: RequestContext, kind: str, name: str, params: Mapping[str, Any]
    ) -> shapes.ListAttachedRolePoliciesResponse:
        prefix = params.get("PathPrefix")
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            found = attachments.attached_output(rec, row, prefix)
            chunk, more = page(found, params, f"attached:{kind}:{row.resource_id}:{prefix}")
        return {"AttachedPolicies": chunk, **more}

    def _boundary(
        self, ctx: RequestContext, kind: str, name: str, arn: str | None
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            if arn is None:
                attachments.delete_boundary(rec, row, ctx.now)
            else:
                attachments.put_boundary(rec, row, arn, ctx.now)
        return {}

    # ---- managed policies ----------------------------------------------------------------
    async def create_policy(
        self, ctx: RequestContext, params: shapes.CreatePolicyRequest
    ) -> shapes.CreatePolicyResponse:
        """The document is validated as IAM does: ``Version`` must be 2012-10-17 ("Policy document
        must be version 2012-10-17 or greater."), IAM ARNs name a resource type and no region,
        S3 ARNs no region, ``Sid`` is alphanumeric, dates are W3C ISO 8601 or epoch. The answer
        has no ``Description`` (GetPolicy has it); tags are checked against IAM's pattern.
        """
        with self._records(ctx) as rec:
            policy = managed_policies.create(
                rec,
                params["PolicyName"],
                params.get("Path") or "/",
                params["PolicyDocument"],
                params.get("Description"),
                params.get("Tags"),
                ctx.now,
            )
            counts = managed_policies.usage(rec)
            return {
                "Policy": managed_policies.policy_output(policy, counts, with_description=False)
            }

    async def get_policy(
        self, ctx: RequestContext, params: shapes.GetPolicyRequest
    ) -> shapes.GetPolicyResponse:
        """``Tags`` is listed even when empty (``[]``), as IAM answers."""
        with self._records(ctx) as rec:
            policy = managed_policies.require(rec, params["PolicyArn"])
            counts = managed_policies.usage(rec)
            return {"Policy": managed_policies.policy_output(policy, counts, empty_tags=True)}

    async def get_policy_version(
        self, ctx: RequestContext, params: shapes.GetPolicyVersionRequest
    ) -> shapes.GetPolicyVersionResponse:
        with self._records(ctx) as rec:
            policy = managed_policies.require(rec, params["PolicyArn"])
            version = policy.version(params["VersionId"])
        return {"PolicyVersion": managed_policies.version_output(policy, version)}

    async def create_policy_version(
        self, ctx: RequestContext, params: shapes.CreatePolicyVersionRequest
    ) -> shapes.CreatePolicyVersionResponse:
        """The document is validated as CreatePolicy's (version 2012-10-17 required)."""
        with self._records(ctx) as rec:
            policy = managed_policies.local(rec, params["PolicyArn"])
            policy, version = managed_policies.create_version(
                rec, policy, params["PolicyDocument"], bool(params.get("SetAsDefault")), ctx.now
            )
        return {
            "PolicyVersion": managed_policies.version_output(policy, version, with_document=False)
        }

    async def list_policy_versions(
        self, ctx: RequestContext, params: shapes.ListPolicyVersionsRequest
    ) -> shapes.ListPolicyVersionsResponse:
        with self._records(ctx) as rec:
            policy = managed_policies.require(rec, params["PolicyArn"])
        versions = sorted(
            policy.versions, key=lambda v: int(v.version_id[1:].split(".")[0]), reverse=True
        )
        chunk, more = page(versions, params, f"ListPolicyVersions:{policy.arn}")
        return {
            "Versions": [
                managed_policies.version_output(policy, v, with_document=False) for v in chunk
            ],
            **more,
        }

    async def delete_policy_version(
        self, ctx: RequestContext, params: shapes.DeletePolicyVersionRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            policy = managed_policies.local(rec, params["PolicyArn"])
            managed_policies.delete_version(rec, policy, params["VersionId"], ctx.now)
        return {}

    async def set_default_policy_version(
        self, ctx: RequestContext, params: shapes.SetDefaultPolicyVersionRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            policy = managed_policies.local(rec, params["PolicyArn"])
            managed_policies.set_default(rec, policy, params["VersionId"], ctx.now)
        return {}

    async def delete_policy(
        self, ctx: RequestContext, params: shapes.DeletePolicyRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            managed_policies.delete(rec, managed_policies.local(rec, params["PolicyArn"]))
        return {}

    async def list_policies(
        self, ctx: RequestContext, params: shapes.ListPoliciesRequest
    ) -> shapes.ListPoliciesResponse:
        """Policies are listed without ``Description`` and ``Tags``, as IAM's ListPolicies."""
        scope = params.get("Scope") or "All"
        prefix = params.get("PathPrefix") or "/"
        usage_filter = params.get("PolicyUsageFilter")
        with self._records(ctx) as rec:
            counts = managed_policies.usage(rec)
            found = [p for p in managed_policies.visible(rec, scope) if p.path.startswith(prefix)]
        if params.get("OnlyAttached"):
            found = [
                p for p in found if counts.attachment_count(p.arn) or counts.boundary_count(p.arn)
            ]
        if usage_filter == "PermissionsPolicy":
            found = [p for p in found if counts.attachment_count(p.arn)]
        elif usage_filter == "PermissionsBoundary":
            found = [p for p in found if counts.boundary_count(p.arn)]
        found.sort(key=lambda p: p.name.lower())
        scope_key = f"ListPolicies:{scope}:{prefix}:{params.get('OnlyAttached')}:{usage_filter}"
        chunk, more = page(found, params, scope_key)
        return {
            "Policies": [
                managed_policies.policy_output(p, counts, with_tags=False, with_description=False)
                for p in chunk
            ],
            **more,
        }

    async def list_entities_for_policy(
        self, ctx: RequestContext, params: shapes.ListEntitiesForPolicyRequest
    ) -> shapes.ListEntitiesForPolicyResponse:
        entity_filter = params.get("EntityFilter")
        prefix = params.get("PathPrefix") or "/"
        usage_filter = params.get("PolicyUsageFilter")
        with self._records(ctx) as rec:
            policy = managed_policies.require(rec, params["PolicyArn"])
            arn = policy.arn.lower()
            found: list[tuple[str, dict[str, str]]] = []
            for kind, list_key, name_key, id_key in (
                (names.USER, "PolicyUsers", "UserName", "UserId"),
                (names.ROLE, "PolicyRoles", "RoleName", "RoleId"),
            ):
                if entity_filter not in (None, "LocalManagedPolicy", "AWSManagedPolicy") and (
                    entity_filter.lower() != kind
                ):
                    continue
                for row in rec.all(kind):
                    if not row.data["Path"].startswith(prefix):
                        continue
                    attached = arn in (a.lower() for a in row.data.get("AttachedPolicies", []))
                    boundary = (row.data.get("PermissionsBoundary") or "").lower() == arn
                    use = (
                        attached
                        if usage_filter == "PermissionsPolicy"
                        else boundary
                        if usage_filter == "PermissionsBoundary"
                        else attached or boundary
                    )
                    if use:
                        found.append(
                            (list_key, {name_key: row.data["Name"], id_key: row.data["Id"]})
                        )
        chunk, more = page(found, params, f"ListEntitiesForPolicy:{arn}:{entity_filter}:{prefix}")
        out: Result = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": [], **more}
        for list_key, item in chunk:
            out[list_key].append(item)
        return cast(shapes.ListEntitiesForPolicyResponse, out)

    async def tag_policy(
        self, ctx: RequestContext, params: shapes.TagPolicyRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            policy = managed_policies.local(rec, params["PolicyArn"])
            tags = tag_rules.merged(list(policy.tags), params["Tags"])
            managed_policies.retag(rec, policy, tags, ctx.now)
        return {}

    async def untag_policy(
        self, ctx: RequestContext, params: shapes.UntagPolicyRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            policy = managed_policies.local(rec, params["PolicyArn"])
            tags = tag_rules.without(list(policy.tags), params["TagKeys"])
            managed_policies.retag(rec, policy, tags, ctx.now)
        return {}

    async def list_policy_tags(
        self, ctx: RequestContext, params: shapes.ListPolicyTagsRequest
    ) -> shapes.ListPolicyTagsResponse:
        with self._records(ctx) as rec:
            policy = managed_policies.require(rec, params["PolicyArn"])
        tags: list[shapes.TagOut] = [{"Key": t["Key"], "Value": t["Value"]} for t in policy.tags]
        chunk, more = page(tags, params, f"ListPolicyTags:{policy.arn}")
        return {"Tags": chunk, **more}

    # ---- instance profiles ---------------------------------------------------------------
    async def create_instance_profile(
        self, ctx: RequestContext, params: shapes.CreateInstanceProfileRequest
    ) -> shapes.CreateInstanceProfileResponse:
        with self._records(ctx) as rec:
            row = instance_profiles.create(rec, params, ctx.now)
            return {"InstanceProfile": instance_profiles.output(rec, row)}

    async def get_instance_profile(
        self, ctx: RequestContext, params: shapes.GetInstanceProfileRequest
    ) -> shapes.GetInstanceProfileResponse:
        with self._records(ctx) as rec:
            row = rec.require(names.INSTANCE_PROFILE, params["InstanceProfileName"])
            return {"InstanceProfile": instance_profiles.output(rec, row)}

    async def delete_instance_profile(
        self, ctx: RequestContext, params: shapes.DeleteInstanceProfileRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(names.INSTANCE_PROFILE, params["InstanceProfileName"])
            instance_profiles.delete(rec, row)
        return {}

    async def list_instance_profiles(
        self, ctx: RequestContext, params: shapes.ListInstanceProfilesRequest
    ) -> shapes.ListInstanceProfilesResponse:
        prefix = params.get("PathPrefix") or "/"
        with self._records(ctx) as rec:
            rows = [r for r in rec.all(names.INSTANCE_PROFILE) if r.data["Path"].startswith(prefix)]
            chunk, more = page(rows, params, f"ListInstanceProfiles:{prefix}")
            return {"InstanceProfiles": [instance_profiles.output(rec, r) for r in chunk], **more}

    async def add_role_to_instance_profile(
        self, ctx: RequestContext, params: shapes.AddRoleToInstanceProfileRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(names.INSTANCE_PROFILE, params["InstanceProfileName"])
            instance_profiles.add_role(rec, row, params["RoleName"], ctx.now)
        return {}

    async def remove_role_from_instance_profile(
        self, ctx: RequestContext, params: shapes.RemoveRoleFromInstanceProfileRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(names.INSTANCE_PROFILE, params["InstanceProfileName"])
            instance_profiles.remove_role(rec, row, params["RoleName"], ctx.now)
        return {}

    async def tag_instance_profile(
        self, ctx: RequestContext, params: shapes.TagInstanceProfileRequest
    ) -> shapes.NoOutput:
        return self._tag(ctx, names.INSTANCE_PROFILE, params["InstanceProfileName"], params["Tags"])

    async def untag_instance_profile(
        self, ctx: RequestContext, params: shapes.UntagInstanceProfileRequest
    ) -> shapes.NoOutput:
        """Served as on AWS (Terraform's instance-profile resource calls it)."""
        name = params["InstanceProfileName"]
        return self._untag(ctx, names.INSTANCE_PROFILE, name, params["TagKeys"])

    async def list_instance_profile_tags(
        self, ctx: RequestContext, params: shapes.ListInstanceProfileTagsRequest
    ) -> shapes.ListInstanceProfileTagsResponse:
        """Served as on AWS (Terraform's instance-profile resource calls it)."""
        return self._list_tags(ctx, names.INSTANCE_PROFILE, params["InstanceProfileName"], params)

    # ---- tags (users, roles, instance profiles) --------------------------------------------
    def _tag(
        self, ctx: RequestContext, kind: str, name: str, tags: Sequence[Any]
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            rec.update(row, {**row.data, "Tags": tag_rules.merged(row.data["Tags"], tags)}, ctx.now)
        return {}

    def _untag(
        self, ctx: RequestContext, kind: str, name: str, keys: Sequence[str]
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            rec.update(
                row, {**row.data, "Tags": tag_rules.without(row.data["Tags"], keys)}, ctx.now
            )
        return {}

    def _list_tags(
        self, ctx: RequestContext, kind: str, name: str, params: Mapping[str, Any]
    ) -> shapes.ListRoleTagsResponse:
        with self._records(ctx) as rec:
            row = rec.require(kind, name)
            chunk, more = page(list(row.data["Tags"]), params, f"tags:{kind}:{row.resource_id}")
        return {"Tags": chunk, **more}

    # ---- account -------------------------------------------------------------------------
    async def list_account_aliases(
        self, ctx: RequestContext, params: shapes.ListAccountAliasesRequest
    ) -> shapes.ListAccountAliasesResponse:
        with self._records(ctx) as rec:
            chunk, more = page(account.aliases(rec), params, "ListAccountAliases")
        return {"AccountAliases": chunk, **more}

    async def create_account_alias(
        self, ctx: RequestContext, params: shapes.CreateAccountAliasRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            account.create_alias(rec, params["AccountAlias"], ctx.now)
        return {}

    async def delete_account_alias(
        self, ctx: RequestContext, params: shapes.DeleteAccountAliasRequest
    ) -> shapes.NoOutput:
        with self._records(ctx) as rec:
            account.delete_alias(rec, params["AccountAlias"])
        return {}

    async def get_account_authorization_details(
        self, ctx: RequestContext, params: shapes.GetAccountAuthorizationDetailsRequest
    ) -> shapes.GetAccountAuthorizationDetailsResponse:
        filters = params.get("Filter")
        with self._records(ctx) as rec:
            items = account.authorization_details(rec, filters)
        chunk, more = page(items, params, f"GetAccountAuthorizationDetails:{filters}")
        out: Result = {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [],
            "Policies": [],
            **more,
        }
        for list_key, item in chunk:
            out[list_key].append(item)
        return cast(shapes.GetAccountAuthorizationDetailsResponse, out)

    # ---- simulation ----------------------------------------------------------------------
    # Parsing the policies and evaluating a page grow with the input: both run in the
    # caller's share of the worker pool, and only the page asked for is evaluated.
    async def simulate_principal_policy(
        self, ctx: RequestContext, params: shapes.SimulatePrincipalPolicyRequest
    ) -> shapes.SimulatePolicyResponse:
        def run() -> shapes.SimulatePolicyResponse:
            with self._records(ctx) as rec:
                results = simulation.principal_policy(rec, params)
            return self._evaluation_results(results, params, "SimulatePrincipalPolicy")

        return await ctx.platform.workers.run(ctx.account_id, run)

    async def simulate_custom_policy(
        self, ctx: RequestContext, params: shapes.SimulateCustomPolicyRequest
    ) -> shapes.SimulatePolicyResponse:
        def run() -> shapes.SimulatePolicyResponse:
            results = simulation.custom_policy(ctx.account_id, params)
            return self._evaluation_results(results, params, "SimulateCustomPolicy")

        return await ctx.platform.workers.run(ctx.account_id, run)

    @staticmethod
    def _evaluation_results(
        results: Sequence[Any], params: Mapping[str, Any], operation: str
    ) -> shapes.SimulatePolicyResponse:
        scope = f"{operation}:{params.get('ActionNames')}:{params.get('ResourceArns')}"
        chunk, more = page(results, params, scope)
        return {"EvaluationResults": [simulation.result_output(r) for r in chunk], **more}
