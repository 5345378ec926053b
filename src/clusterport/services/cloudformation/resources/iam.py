"""IAM resources (``AWS::IAM::*``) through the IAM API.

Policy documents are written as JSON objects in templates and passed to IAM
as JSON text. Names left out are generated as CloudFormation does
(``<stack>-<logical id>-<suffix>``), which is why a template with unnamed IAM
resources needs only ``CAPABILITY_IAM``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from clusterport.services.cloudformation.resources.base import (
    ResourceApi,
    ResourceFailed,
    ResourceHandler,
    ResourceRequest,
    changed_properties,
    require,
    text,
)

_MISSING = ("NoSuchEntity",)


def policy_text(document: Any) -> str:
    """A policy document as IAM takes it: JSON text."""
    if isinstance(document, str):
        return document
    return json.dumps(document, separators=(",", ":"))


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


async def _ignore_missing(api: ResourceApi, operation: str, params: Mapping[str, Any]) -> None:
    try:
        await api.call("iam", operation, params)
    except ResourceFailed as failure:
        if not any(code in failure.reason for code in _MISSING):
            raise


def _inline_policies(props: Mapping[str, Any]) -> dict[str, str]:
    policies: dict[str, str] = {}
    for policy in props.get("Policies") or ():
        name = policy.get("PolicyName")
        if not name or policy.get("PolicyDocument") is None:
            raise ResourceFailed("Every entry of Policies needs PolicyName and PolicyDocument.")
        policies[str(name)] = policy_text(policy["PolicyDocument"])
    return policies


class Role(ResourceHandler):
    """``AWS::IAM::Role`` with its inline policies and managed policy attachments."""

    type_name = "AWS::IAM::Role"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {
            "AssumeRolePolicyDocument",
            "Description",
            "ManagedPolicyArns",
            "MaxSessionDuration",
            "PermissionsBoundary",
            "Policies",
            "Tags",
        }
    )
    attribute_names = ("Arn", "RoleId")

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        name = text(props, "RoleName") or api.physical_name(request.logical_id, max_length=64)
        params: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": policy_text(
                require(props, "AssumeRolePolicyDocument", self.type_name)
            ),
            "Path": props.get("Path") or "/",
        }
        for key in ("Description", "MaxSessionDuration", "PermissionsBoundary", "Tags"):
            if props.get(key) is not None:
                params[key] = props[key]
        await api.call("iam", "CreateRole", params)
        await self._policies(api, name, {}, props)
        return name

    async def _policies(
        self, api: ResourceApi, name: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        before, after = _inline_policies(old), _inline_policies(new)
        for policy_name in before.keys() - after.keys():
            await _ignore_missing(
                api, "DeleteRolePolicy", {"RoleName": name, "PolicyName": policy_name}
            )
        for policy_name, document in after.items():
            if before.get(policy_name) != document:
                await api.call(
                    "iam",
                    "PutRolePolicy",
                    {"RoleName": name, "PolicyName": policy_name, "PolicyDocument": document},
                )
        old_arns, new_arns = (
            _names(old.get("ManagedPolicyArns")),
            _names(new.get("ManagedPolicyArns")),
        )
        for arn in old_arns:
            if arn not in new_arns:
                await _ignore_missing(api, "DetachRolePolicy", {"RoleName": name, "PolicyArn": arn})
        for arn in new_arns:
            if arn not in old_arns:
                await api.call("iam", "AttachRolePolicy", {"RoleName": name, "PolicyArn": arn})

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        found = await api.lookup("iam", "GetRole", {"RoleName": request.physical_id})
        role = found.get("Role") or {}
        return {"Arn": role.get("Arn"), "RoleId": role.get("RoleId")}

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        name = str(request.physical_id)
        old, new = request.previous_properties or {}, request.properties
        changed = changed_properties(old, new)
        if "AssumeRolePolicyDocument" in changed:
            await api.call(
                "iam",
                "UpdateAssumeRolePolicy",
                {
                    "RoleName": name,
                    "PolicyDocument": policy_text(
                        require(new, "AssumeRolePolicyDocument", self.type_name)
                    ),
                },
            )
        if changed & {"Description", "MaxSessionDuration"}:
            params: dict[str, Any] = {"RoleName": name, "Description": new.get("Description", "")}
            if new.get("MaxSessionDuration") is not None:
                params["MaxSessionDuration"] = new["MaxSessionDuration"]
            await api.call("iam", "UpdateRole", params)
        if "PermissionsBoundary" in changed:
            if new.get("PermissionsBoundary"):
                await api.call(
                    "iam",
                    "PutRolePermissionsBoundary",
                    {"RoleName": name, "PermissionsBoundary": new["PermissionsBoundary"]},
                )
            else:
                await _ignore_missing(api, "DeleteRolePermissionsBoundary", {"RoleName": name})
        if "Tags" in changed:
            await _retag(api, "Role", {"RoleName": name}, old.get("Tags"), new.get("Tags"))
        await self._policies(api, name, old, new)
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        name = str(request.physical_id)
        await self._policies(api, name, request.properties, {})
        await _ignore_missing(api, "DeleteRole", {"RoleName": name})


async def _retag(
    api: ResourceApi,
    kind: str,
    target: Mapping[str, Any],
    old: Sequence[Mapping[str, Any]] | None,
    new: Sequence[Mapping[str, Any]] | None,
) -> None:
    before = {str(t["Key"]): str(t.get("Value", "")) for t in old or ()}
    after = {str(t["Key"]): str(t.get("Value", "")) for t in new or ()}
    gone = [k for k in before if k not in after]
    if gone:
        await api.call("iam", f"Untag{kind}", {**target, "TagKeys": gone})
    changed = [{"Key": k, "Value": v} for k, v in after.items() if before.get(k) != v]
    if changed:
        await api.call("iam", f"Tag{kind}", {**target, "Tags": changed})


_PRINCIPAL_KINDS = (
    ("Roles", "Role", "RoleName"),
    ("Users", "User", "UserName"),
    ("Groups", "Group", "GroupName"),
)


class Policy(ResourceHandler):
    """``AWS::IAM::Policy``: one inline policy put on roles, users and groups."""

    type_name = "AWS::IAM::Policy"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {"PolicyName", "PolicyDocument", "Roles", "Users", "Groups"}
    )

    async def _apply(
        self, api: ResourceApi, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        for key, kind, member in _PRINCIPAL_KINDS:
            before = set(_names(old.get(key))) if old else set()
            after = set(_names(new.get(key))) if new else set()
            old_name = old.get("PolicyName") if old else None
            new_name = new.get("PolicyName") if new else None
            for target in sorted(before):
                if target not in after or old_name != new_name:
                    await _ignore_missing(
                        api, f"Delete{kind}Policy", {member: target, "PolicyName": old_name}
                    )
            for target in sorted(after):
                await api.call(
                    "iam",
                    f"Put{kind}Policy",
                    {
                        member: target,
                        "PolicyName": new_name,
                        "PolicyDocument": policy_text(new["PolicyDocument"]),
                    },
                )

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        require(props, "PolicyName", self.type_name)
        require(props, "PolicyDocument", self.type_name)
        if not any(props.get(key) for key, _, _ in _PRINCIPAL_KINDS):
            raise ResourceFailed(
                "AWS::IAM::Policy needs at least one of Roles, Users or Groups to put it on."
            )
        await self._apply(api, {}, props)
        return api.physical_name(request.logical_id, max_length=128)

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        await self._apply(api, request.previous_properties or {}, request.properties)
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await self._apply(api, request.properties, {})


class ManagedPolicy(ResourceHandler):
    """``AWS::IAM::ManagedPolicy``: a customer managed policy and its attachments."""

    type_name = "AWS::IAM::ManagedPolicy"
    updatable: ClassVar[frozenset[str]] = frozenset({"PolicyDocument", "Roles", "Users", "Groups"})
    attribute_names = ("PolicyArn", "PolicyId", "DefaultVersionId")

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        params: dict[str, Any] = {
            "PolicyName": text(props, "ManagedPolicyName")
            or api.physical_name(request.logical_id, max_length=128),
            "PolicyDocument": policy_text(require(props, "PolicyDocument", self.type_name)),
            "Path": props.get("Path") or "/",
        }
        if props.get("Description") is not None:
            params["Description"] = props["Description"]
        result = await api.call("iam", "CreatePolicy", params)
        arn = str(result["Policy"]["Arn"])
        await self._attach(api, arn, {}, props)
        return arn

    async def _attach(
        self, api: ResourceApi, arn: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        for key, kind, member in _PRINCIPAL_KINDS:
            before, after = set(_names(old.get(key))), set(_names(new.get(key)))
            for target in sorted(before - after):
                await _ignore_missing(
                    api, f"Detach{kind}Policy", {member: target, "PolicyArn": arn}
                )
            for target in sorted(after - before):
                await api.call("iam", f"Attach{kind}Policy", {member: target, "PolicyArn": arn})

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        found = await api.lookup("iam", "GetPolicy", {"PolicyArn": request.physical_id})
        policy = found.get("Policy") or {}
        return {
            "PolicyArn": request.physical_id,
            "PolicyId": policy.get("PolicyId"),
            "DefaultVersionId": policy.get("DefaultVersionId"),
        }

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        arn = str(request.physical_id)
        old, new = request.previous_properties or {}, request.properties
        if "PolicyDocument" in changed_properties(old, new):
            versions = await api.lookup("iam", "ListPolicyVersions", {"PolicyArn": arn})
            kept = [v for v in versions.get("Versions") or () if not v.get("IsDefaultVersion")]
            if len(kept) >= 4:  # IAM keeps at most five versions
                oldest = min(kept, key=lambda v: str(v.get("CreateDate")))
                await api.call(
                    "iam",
                    "DeletePolicyVersion",
                    {"PolicyArn": arn, "VersionId": oldest["VersionId"]},
                )
            await api.call(
                "iam",
                "CreatePolicyVersion",
                {
                    "PolicyArn": arn,
                    "PolicyDocument": policy_text(new["PolicyDocument"]),
                    "SetAsDefault": True,
                },
            )
        await self._attach(api, arn, old, new)
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        arn = str(request.physical_id)
        await self._attach(api, arn, request.properties, {})
        try:
            versions = await api.lookup("iam", "ListPolicyVersions", {"PolicyArn": arn})
        except ResourceFailed as failure:
            if any(code in failure.reason for code in _MISSING):
                return
            raise
        for version in versions.get("Versions") or ():
            if not version.get("IsDefaultVersion"):
                await _ignore_missing(
                    api,
                    "DeletePolicyVersion",
                    {"PolicyArn": arn, "VersionId": version["VersionId"]},
                )
        await _ignore_missing(api, "DeletePolicy", {"PolicyArn": arn})


class InstanceProfile(ResourceHandler):
    """``AWS::IAM::InstanceProfile`` holding (at most) one role."""

    type_name = "AWS::IAM::InstanceProfile"
    updatable: ClassVar[frozenset[str]] = frozenset({"Roles"})
    attribute_names = ("Arn",)

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        roles = _names(require(props, "Roles", self.type_name))
        if len(roles) != 1:
            raise ResourceFailed("AWS::IAM::InstanceProfile takes exactly one role in Roles.")
        name = text(props, "InstanceProfileName") or api.physical_name(
            request.logical_id, max_length=128
        )
        await api.call(
            "iam",
            "CreateInstanceProfile",
            {"InstanceProfileName": name, "Path": props.get("Path") or "/"},
        )
        await api.call(
            "iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name, "RoleName": roles[0]}
        )
        return name

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        found = await api.lookup(
            "iam", "GetInstanceProfile", {"InstanceProfileName": request.physical_id}
        )
        return {"Arn": (found.get("InstanceProfile") or {}).get("Arn")}

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        name = str(request.physical_id)
        old = _names((request.previous_properties or {}).get("Roles"))
        new = _names(request.properties.get("Roles"))
        if len(new) != 1:
            raise ResourceFailed("AWS::IAM::InstanceProfile takes exactly one role in Roles.")
        for role in old:
            await _ignore_missing(
                api,
                "RemoveRoleFromInstanceProfile",
                {"InstanceProfileName": name, "RoleName": role},
            )
        await api.call(
            "iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name, "RoleName": new[0]}
        )
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        name = str(request.physical_id)
        for role in _names(request.properties.get("Roles")):
            await _ignore_missing(
                api,
                "RemoveRoleFromInstanceProfile",
                {"InstanceProfileName": name, "RoleName": role},
            )
        await _ignore_missing(api, "DeleteInstanceProfile", {"InstanceProfileName": name})


HANDLERS: tuple[type[ResourceHandler], ...] = (Role, Policy, ManagedPolicy, InstanceProfile)
