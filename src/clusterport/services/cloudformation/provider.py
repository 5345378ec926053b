"""The CloudFormation API: validate templates, run stacks, show their resources and events.

Requests are checked here, synchronously (template, supported resource
types, parameters and their guardrails, capabilities, the service role);
the work itself runs in the background (:mod:`.runner`), so ``CreateStack``
returns the stack ID at once and boto3's waiters follow the stack's status.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, cast

from clusterport.errors import ConflictError, ServiceError, ValidationError
from clusterport.services.authorization import authorize
from clusterport.services.base import Provider, RequestContext, ResourceArns
from clusterport.services.calls import ServiceCaller
from clusterport.services.cloudformation import shapes_generated as shapes
from clusterport.services.cloudformation import stacks as st
from clusterport.services.cloudformation.resources.registry import SUPPORTED_TYPES
from clusterport.services.cloudformation.runner import (
    StackKey,
    StackRunner,
    exports_of,
    timestamp_deadline,
)
from clusterport.services.cloudformation.stacks import StackStore, iso
from clusterport.services.pagination import page
from clusterport.services.principals import principal_document, role_session
from clusterport.services.template_source import template_text
from clusterport.store.resources import ResourceStore
from clusterport.templates import (
    ParameterValidationError,
    StackContext,
    Template,
    TemplateError,
    check_supported_types,
    load_template,
    plan,
    required_capabilities,
    resolve_parameters,
    summarize_template,
    unsupported_resource_types,
)

if TYPE_CHECKING:
    from clusterport.platform import Platform

INVOKED_BY = "cloudformation.amazonaws.com"
STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
PAGE_SIZE = 100

#: AWS-specific parameter types checked against the account's resources, with the
#: EC2 call that lists them and the filter that names them.
_ID_LOOKUPS: Mapping[str, tuple[str, str, str, str]] = MappingProxyType(
    {
        "AWS::EC2::VPC::Id": ("DescribeVpcs", "vpc-id", "Vpcs", "VpcId"),
        "AWS::EC2::Subnet::Id": ("DescribeSubnets", "subnet-id", "Subnets", "SubnetId"),
        "AWS::EC2::SecurityGroup::Id": (
            "DescribeSecurityGroups",
            "group-id",
            "SecurityGroups",
            "GroupId",
        ),
        "AWS::EC2::SecurityGroup::GroupName": (
            "DescribeSecurityGroups",
            "group-name",
            "SecurityGroups",
            "GroupName",
        ),
    }
)


def invalid(message: str) -> ValidationError:
    """CloudFormation's ValidationError (HTTP 400)."""
    return ValidationError(message, code="ValidationError")


def _stack_arns(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    name = params.get("StackName")
    if not name:
        return ["*"]
    if str(name).startswith("arn:"):
        return [str(name)]
    return [ctx.arn("cloudformation", f"stack/{name}/*")]


class CloudFormationProvider(Provider):
    """The CloudFormation API."""

    service = "cloudformation"
    iam_prefix = "cloudformation"
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = MappingProxyType(
        dict.fromkeys(
            (
                "CreateStack",
                "UpdateStack",
                "DeleteStack",
                "DescribeStacks",
                "DescribeStackEvents",
                "DescribeStackResource",
                "DescribeStackResources",
                "ListStackResources",
                "GetTemplate",
                "GetTemplateSummary",
            ),
            _stack_arns,
        )
    )
    no_resource_operations: ClassVar[frozenset[str]] = frozenset(
        {"ValidateTemplate", "ListStacks", "ListExports"}
    )

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.caller = ServiceCaller(platform, INVOKED_BY)
        self.runner = StackRunner(self.caller)

    # ------------------------------------------------------------------ helpers

    async def resume(self) -> None:
        """Carry on with the stacks a previous run of the server left in progress.

        Called once the server listens: resumed stacks share the loop with calls.
        """
        with self.platform.db.session() as session:
            rows = ResourceStore(session, st.SERVICE).find(st.STACK, states=sorted(st.IN_PROGRESS))
            keys = [StackKey(r.account_id, r.region, r.resource_id) for r in rows]
        for key in keys:
            self.runner.start(key)

    async def shutdown(self) -> None:
        """Stop the stacks' background work; the next start carries on where it stopped."""
        await self.runner.close()

    async def _load(self, ctx: RequestContext, body: str) -> Template:
        # Parsing grows with the template: it runs in the caller's share of the worker pool.
        return await self.platform.workers.run(ctx.account_id, parsed_template, body)

    async def _checked(self, ctx: RequestContext, body: str) -> Template:
        return await self.platform.workers.run(ctx.account_id, supported_template, body)

    def _find(self, ctx: RequestContext, name_or_id: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            row = StackStore(session, ctx.account_id, ctx.region).find(name_or_id)
            if row is None:
                raise invalid(f"Stack with id {name_or_id} does not exist")
            # Decoded afresh by this session, which closes here: no copy is needed.
            return dict(row.data)

    async def _documents(
        self, ctx: RequestContext, *, live_only: bool = False, states: set[str] | None = None
    ) -> list[dict[str, Any]]:
        """Every stack document of the caller's account and region (``states`` only, if given).

        Decoding them grows with the account's stacks: it runs in the account's share
        of the worker pool.
        """

        def read() -> list[dict[str, Any]]:
            with self.platform.db.session() as session:
                rows = StackStore(session, ctx.account_id, ctx.region).all(live_only=live_only)
                return [dict(r.data) for r in rows if not states or r.state in states]

        return await self.platform.workers.run(ctx.account_id, read)

    async def _existing_ids(
        self, ctx: RequestContext, template: Template, values: Mapping[str, str]
    ) -> tuple[set[tuple[str, str]], set[str]]:
        """IDs named by AWS-specific parameters that exist, and the types that could be checked."""
        wanted: dict[str, set[str]] = {}
        for key, declaration in template.parameters.items():
            value = values.get(key, declaration.default)
            if declaration.item_type in _ID_LOOKUPS and value:
                items = value.split(",") if declaration.is_list else [value]
                wanted.setdefault(declaration.item_type, set()).update(
                    i.strip() for i in items if i.strip()
                )
        found: set[tuple[str, str]] = set()
        checked: set[str] = set()
        for kind, ids in wanted.items():
            operation, filter_name, listing, member = _ID_LOOKUPS[kind]
            try:
                result = await self.caller.lookup(
                    ctx.account_id,
                    ctx.region,
                    "ec2",
                    operation,
                    {"Filters": [{"Name": filter_name, "Values": sorted(ids)}]},
                )
            except ServiceError:
                continue  # EC2 cannot answer: only the form of the value is checked
            checked.add(kind)
            found.update((kind, str(item.get(member))) for item in result.get(listing) or ())
        return found, checked

    async def _parameters(
        self,
        ctx: RequestContext,
        template: Template,
        requested: Sequence[Mapping[str, Any]],
        previous: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        """Check the request's parameters; returns them as stored on the stack."""
        given: dict[str, str] = {}
        use_previous: dict[str, str] = {}
        for entry in requested:
            key = str(entry.get("ParameterKey") or "")
            if entry.get("UsePreviousValue"):
                if key not in previous:
                    raise invalid(
                        f"Invalid input for parameter key {key}. Cannot specify "
                        "usePreviousValue as true for a parameter that has no previous value."
                    )
                use_previous[key] = previous[key]
            else:
                given[key] = str(entry.get("ParameterValue") or "")
        found, checked = await self._existing_ids(ctx, template, {**use_previous, **given})

        def exists(kind: str, value: str) -> bool:
            return kind not in checked or (kind, value) in found

        try:
            resolved = await self.platform.workers.run(
                ctx.account_id,
                functools.partial(
                    resolve_parameters,
                    template,
                    given,
                    use_previous=use_previous,
                    resource_ids=exists,
                ),
            )
        except ParameterValidationError as error:
            raise invalid(error.message) from None
        except TemplateError as error:
            raise invalid(error.message) from None
        return [
            {"Key": p.key, "Value": p.value, "NoEcho": p.no_echo, "Type": p.type}
            for p in resolved.parameters
        ]

    @staticmethod
    def _check_plan(
        ctx: RequestContext,
        template: Template,
        parameters: Sequence[Mapping[str, Any]],
        name: str,
        stack_id: str,
    ) -> None:
        """Refuse up front what AWS refuses before creating anything.

        AWS validates the template against the stack's conditions when the
        request arrives: an Output (or a resource) referring to a resource whose
        Condition is false fails the call with ``ValidationError`` ("Unresolved
        resource dependencies [X] in the Outputs block of the template") instead
        of creating a stack that rolls back.
        """
        context = StackContext(
            account_id=ctx.account_id, region=ctx.region, stack_name=name, stack_id=stack_id
        )
        given = {str(p["Key"]): str(p["Value"]) for p in parameters}
        try:
            plan(template, resolve_parameters(template, given, context=context), context)
        except TemplateError as error:
            raise invalid(error.message) from None

    @staticmethod
    def _capabilities(template: Template, given: Sequence[str]) -> None:
        needed, reason = required_capabilities(template)
        missing = [c for c in needed if c not in given]
        # CAPABILITY_NAMED_IAM covers unnamed IAM resources as well.
        if missing == ["CAPABILITY_IAM"] and "CAPABILITY_NAMED_IAM" in given:
            missing = []
        if missing:
            raise ServiceError(
                f"Requires capabilities : [{', '.join(missing)}] ({reason}). Acknowledge them "
                "with --capabilities.",
                code="InsufficientCapabilitiesException",
                status=400,
                sender_fault=True,
            )

    async def _principal(self, ctx: RequestContext, role_arn: str | None) -> dict[str, Any]:
        if not role_arn:
            return principal_document(ctx.principal)
        authorize(ctx, "iam:PassRole", [role_arn])
        session = await role_session(
            self.caller, role_arn, "AWSCloudFormation", ctx.region, trusted_service=INVOKED_BY
        )
        if session.account_id != ctx.account_id:
            raise invalid(
                f"Role {role_arn} belongs to account {session.account_id}; a stack's service "
                f"role must be in the stack's account ({ctx.account_id})."
            )
        return principal_document(session)

    # ------------------------------------------------------------------ templates

    async def validate_template(
        self, ctx: RequestContext, params: shapes.ValidateTemplateInput
    ) -> shapes.ValidateTemplateOutput:
        body = template_text(ctx, params.get("TemplateBody"), params.get("TemplateURL"))
        assert body is not None
        template = await self._checked(ctx, body)
        summary = await self.platform.workers.run(ctx.account_id, summarize_template, template)
        result: shapes.ValidateTemplateOutput = {
            "Parameters": [
                {
                    "ParameterKey": p.key,
                    "NoEcho": p.no_echo,
                    **({"DefaultValue": p.default} if p.default is not None else {}),
                    **({"Description": p.description} if p.description else {}),
                }
                for p in summary.parameters
            ],
            "Capabilities": list(summary.capabilities),
            "DeclaredTransforms": list(summary.declared_transforms),
        }
        if summary.description is not None:
            result["Description"] = summary.description
        if summary.capabilities_reason:
            result["CapabilitiesReason"] = summary.capabilities_reason
        return result

    async def get_template_summary(
        self, ctx: RequestContext, params: shapes.GetTemplateSummaryInput
    ) -> shapes.GetTemplateSummaryOutput:
        if params.get("StackSetName"):
            raise invalid("StackSets are not supported on this platform; pass a template or stack.")
        if params.get("StackName"):
            body: str | None = str(self._find(ctx, str(params["StackName"]))["TemplateBody"])
        else:
            body = template_text(ctx, params.get("TemplateBody"), params.get("TemplateURL"))
        assert body is not None
        template = await self._load(ctx, body)
        unsupported = unsupported_resource_types(template, SUPPORTED_TYPES)
        warnings = bool(
            (params.get("TemplateSummaryConfig") or {}).get(
                "TreatUnrecognizedResourceTypesAsWarnings"
            )
        )
        if unsupported and not warnings:
            await self._checked(ctx, body)
        summary = await self.platform.workers.run(ctx.account_id, summarize_template, template)
        result: shapes.GetTemplateSummaryOutput = {
            "Parameters": [
                {
                    "ParameterKey": p.key,
                    "ParameterType": p.type,
                    "NoEcho": p.no_echo,
                    "ParameterConstraints": (
                        {"AllowedValues": list(p.constraints["AllowedValues"])}
                        if "AllowedValues" in p.constraints
                        else {}
                    ),
                    **({"DefaultValue": p.default} if p.default is not None else {}),
                    **({"Description": p.description} if p.description else {}),
                }
                for p in summary.parameters
            ],
            "Capabilities": list(summary.capabilities),
            "ResourceTypes": list(summary.resource_types),
            "DeclaredTransforms": list(summary.declared_transforms),
        }
        if summary.description is not None:
            result["Description"] = summary.description
        if summary.capabilities_reason:
            result["CapabilitiesReason"] = summary.capabilities_reason
        if summary.version is not None:
            result["Version"] = summary.version
        if summary.metadata is not None:
            result["Metadata"] = json.dumps(summary.metadata)
        if unsupported:
            result["Warnings"] = {"UnrecognizedResourceTypes": unsupported}
        return result

    # ------------------------------------------------------------------ stacks

    async def create_stack(
        self, ctx: RequestContext, params: shapes.CreateStackInput
    ) -> shapes.CreateStackOutput:
        """The stack is planned when the request arrives: an Output (or resource) referring to a
        resource whose Condition is false fails the call with ``ValidationError`` "Unresolved
        resource dependencies [X] in the Outputs block of the template", as CloudFormation does,
        instead of a stack that rolls back.
        """
        name = str(params["StackName"])
        if STACK_NAME.fullmatch(name) is None:
            raise invalid(
                f"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "[a-zA-Z][-a-zA-Z0-9]* (at most 128 characters)"
            )
        token = params.get("ClientRequestToken")
        with self.platform.db.session() as session:
            existing = StackStore(session, ctx.account_id, ctx.region).find(name)
            if existing is not None:
                if token and existing.data.get("ClientRequestToken") == token:
                    return {"StackId": existing.resource_id}
                raise ConflictError(f"Stack [{name}] already exists", code="AlreadyExistsException")
        if params.get("DisableRollback") is not None and params.get("OnFailure") is not None:
            raise invalid("You cannot specify both DisableRollback and OnFailure.")
        on_failure = params.get("OnFailure") or (
            "DO_NOTHING" if params.get("DisableRollback") else "ROLLBACK"
        )
        body = template_text(ctx, params.get("TemplateBody"), params.get("TemplateURL"))
        assert body is not None
        template = await self._checked(ctx, body)
        self._capabilities(template, params.get("Capabilities") or [])
        stack_id = StackContext.stack_arn(ctx.region, ctx.account_id, name, str(uuid.uuid4()))
        parameters = await self._parameters(ctx, template, params.get("Parameters") or [], {})
        self._check_plan(ctx, template, parameters, name, stack_id)
        principal = await self._principal(ctx, params.get("RoleARN"))
        now = ctx.now
        document: dict[str, Any] = {
            "StackId": stack_id,
            "StackName": name,
            "Description": template.description,
            "TemplateBody": body,
            "Parameters": parameters,
            "Capabilities": list(params.get("Capabilities") or []),
            "Tags": [dict(t) for t in params.get("Tags") or []],
            "NotificationARNs": list(params.get("NotificationARNs") or []),
            "OnFailure": on_failure,
            "DisableRollback": on_failure == "DO_NOTHING",
            "TimeoutInMinutes": params.get("TimeoutInMinutes"),
            "Deadline": timestamp_deadline(now, params.get("TimeoutInMinutes")),
            "EnableTerminationProtection": bool(params.get("EnableTerminationProtection")),
            "ClientRequestToken": token,
            "CreationTime": iso(now),
            "StackStatus": st.CREATE_IN_PROGRESS,
            "StackStatusReason": "User Initiated",
            "Resources": {},
            "Order": [],
            "Principal": principal,
        }
        if params.get("RoleARN"):
            document["RoleARN"] = params["RoleARN"]
        with self.platform.db.session() as session:
            store = StackStore(session, ctx.account_id, ctx.region)
            store.add(document, now)
            store.add_event(
                document,
                now,
                logical_id=name,
                physical_id=stack_id,
                resource_type=st.STACK_TYPE,
                status=st.CREATE_IN_PROGRESS,
                reason="User Initiated",
            )
        self.runner.start(StackKey(ctx.account_id, ctx.region, stack_id))
        return {"StackId": stack_id}

    async def update_stack(
        self, ctx: RequestContext, params: shapes.UpdateStackInput
    ) -> shapes.UpdateStackOutput:
        """Planned up front like CreateStack."""
        document = self._find(ctx, str(params["StackName"]))
        status = document["StackStatus"]
        if status not in st.UPDATABLE:
            raise invalid(
                f"Stack:{document['StackId']} is in {status} state and can not be updated."
            )
        if params.get("UsePreviousTemplate"):
            if params.get("TemplateBody") is not None or params.get("TemplateURL") is not None:
                raise invalid("Specify UsePreviousTemplate or a new template, not both.")
            body = str(document["TemplateBody"])
        else:
            found = template_text(ctx, params.get("TemplateBody"), params.get("TemplateURL"))
            assert found is not None
            body = found
        template = await self._checked(ctx, body)
        capabilities = list(params.get("Capabilities") or [])
        self._capabilities(template, capabilities)
        previous = {str(p["Key"]): str(p["Value"]) for p in document.get("Parameters") or ()}
        parameters = await self._parameters(ctx, template, params.get("Parameters") or [], previous)
        self._check_plan(ctx, template, parameters, document["StackName"], document["StackId"])
        tags = (
            [dict(t) for t in params["Tags"]]
            if params.get("Tags") is not None
            else document.get("Tags") or []
        )
        if (
            body == document["TemplateBody"]
            and parameters == document.get("Parameters")
            and tags == (document.get("Tags") or [])
        ):
            raise invalid("No updates are to be performed.")
        role_arn = params.get("RoleARN") or document.get("RoleARN")
        principal = (
            await self._principal(ctx, role_arn) if role_arn else principal_document(ctx.principal)
        )
        now = ctx.now
        previous_state = {
            key: copy.deepcopy(document.get(key))
            for key in (
                "TemplateBody",
                "Parameters",
                "Outputs",
                "Tags",
                "Capabilities",
                "Description",
                "Resources",
                "Order",
            )
        }

        def change(doc: dict[str, Any]) -> None:
            doc.update(
                {
                    "Previous": previous_state,
                    "TemplateBody": body,
                    "Description": template.description,
                    "Parameters": parameters,
                    "Capabilities": capabilities,
                    "Tags": tags,
                    "Principal": principal,
                    "LastUpdatedTime": iso(now),
                    "StackStatus": st.UPDATE_IN_PROGRESS,
                    "StackStatusReason": "User Initiated",
                    "Touched": [],
                    "ClientRequestToken": params.get("ClientRequestToken"),
                }
            )
            if role_arn:
                doc["RoleARN"] = role_arn
            for resource in doc["Resources"].values():
                for flag in ("Action", "NewPhysicalId", "NewProperties", "UpdateDone"):
                    resource.pop(flag, None)

        self._save(ctx, document, change, st.UPDATE_IN_PROGRESS, "User Initiated")
        self.runner.start(StackKey(ctx.account_id, ctx.region, str(document["StackId"])))
        return {"StackId": document["StackId"]}

    def _save(
        self,
        ctx: RequestContext,
        document: Mapping[str, Any],
        change: Any,
        status: str,
        reason: str | None,
    ) -> None:
        now = ctx.now
        with self.platform.db.session() as session:
            store = StackStore(session, ctx.account_id, ctx.region)
            row = store.get(str(document["StackId"]))
            assert row is not None
            fresh = copy.deepcopy(dict(row.data))
            change(fresh)
            store.save(row, fresh, now)
            store.add_event(
                fresh,
                now,
                logical_id=str(fresh["StackName"]),
                physical_id=str(fresh["StackId"]),
                resource_type=st.STACK_TYPE,
                status=status,
                reason=reason,
            )

    async def delete_stack(
        self, ctx: RequestContext, params: shapes.DeleteStackInput
    ) -> shapes.NoOutput:
        try:
            document = self._find(ctx, str(params["StackName"]))
        except ValidationError:
            return {}  # CloudFormation answers success for stacks that do not exist
        status = document["StackStatus"]
        if status in (st.DELETE_COMPLETE, st.DELETE_IN_PROGRESS) or document.get("CancelRequested"):
            return {}
        if document.get("EnableTerminationProtection"):
            raise invalid(
                f"Stack [{document['StackName']}] cannot be deleted while TerminationProtection "
                "is enabled; turn it off with update-termination-protection first."
            )
        retain = list(params.get("RetainResources") or [])
        if retain and status != st.DELETE_FAILED:
            raise invalid(
                "Invalid operation on stack: RetainResources can only be specified when the "
                "stack is in the DELETE_FAILED state."
            )
        principal = await self._principal(ctx, params["RoleARN"]) if params.get("RoleARN") else None
        if status in (st.CREATE_IN_PROGRESS, st.ROLLBACK_IN_PROGRESS):

            def cancel(doc: dict[str, Any]) -> None:
                doc["CancelRequested"] = True

            # In turn with the runner's own writes, which run in the worker pool.
            key = StackKey(ctx.account_id, ctx.region, str(document["StackId"]))
            await self.runner.change(key, cancel)
            return {}
        if status in st.IN_PROGRESS:
            raise invalid(
                f"Stack [{document['StackName']}] cannot be deleted while in status {status}; "
                "wait until it finishes."
            )

        def change(doc: dict[str, Any]) -> None:
            doc["StackStatus"] = st.DELETE_IN_PROGRESS
            doc["StackStatusReason"] = "User Initiated"
            doc["RetainResources"] = retain
            if principal is not None:
                doc["Principal"] = principal
                doc["RoleARN"] = params["RoleARN"]

        self._save(ctx, document, change, st.DELETE_IN_PROGRESS, "User Initiated")
        self.runner.start(StackKey(ctx.account_id, ctx.region, str(document["StackId"])))
        return {}

    async def describe_stacks(
        self, ctx: RequestContext, params: shapes.DescribeStacksInput
    ) -> shapes.DescribeStacksOutput:
        if params.get("StackName"):
            documents = [self._find(ctx, str(params["StackName"]))]
        else:
            documents = await self._documents(ctx, live_only=True)
        chunk, token = page(documents, params.get("NextToken"), PAGE_SIZE, "DescribeStacks")
        result: shapes.DescribeStacksOutput = {"Stacks": [st.stack_view(d) for d in chunk]}
        if token:
            result["NextToken"] = token
        return result

    async def list_stacks(
        self, ctx: RequestContext, params: shapes.ListStacksInput
    ) -> shapes.ListStacksOutput:
        wanted: set[str] = set(params.get("StackStatusFilter") or [])
        documents = await self._documents(ctx, states=wanted)
        scope = "ListStacks:" + ",".join(sorted(wanted))
        chunk, token = page(documents, params.get("NextToken"), PAGE_SIZE, scope)
        result: shapes.ListStacksOutput = {"StackSummaries": [st.summary_view(d) for d in chunk]}
        if token:
            result["NextToken"] = token
        return result

    async def describe_stack_events(
        self, ctx: RequestContext, params: shapes.DescribeStackEventsInput
    ) -> shapes.DescribeStackEventsOutput:
        document = self._find(ctx, str(params["StackName"]))

        def read() -> list[dict[str, Any]]:  # a big stack has thousands: read in the pool
            with self.platform.db.session() as session:
                return StackStore(session, ctx.account_id, ctx.region).events(
                    str(document["StackId"])
                )

        events = await self.platform.workers.run(ctx.account_id, read)
        scope = f"DescribeStackEvents:{document['StackId']}"
        chunk, token = page(events, params.get("NextToken"), PAGE_SIZE, scope)
        result: shapes.DescribeStackEventsOutput = {
            "StackEvents": [st.event_view(e) for e in chunk]
        }
        if token:
            result["NextToken"] = token
        return result

    async def describe_stack_resources(
        self, ctx: RequestContext, params: shapes.DescribeStackResourcesInput
    ) -> shapes.DescribeStackResourcesOutput:
        logical = params.get("LogicalResourceId")
        physical = params.get("PhysicalResourceId")
        if params.get("StackName"):
            documents = [self._find(ctx, str(params["StackName"]))]
        elif physical:
            documents = [
                d
                for d in await self._documents(ctx)
                if any(
                    res.get("PhysicalResourceId") == physical
                    for res in (d.get("Resources") or {}).values()
                )
            ][:1]
            if not documents:
                raise invalid(f"Stack for {physical} does not exist")
        else:
            raise invalid("Either StackName or PhysicalResourceId must be specified.")
        found: list[shapes.StackResource] = []
        for document in documents:
            for key, resource in document["Resources"].items():
                if logical and key != logical:
                    continue
                if physical and resource.get("PhysicalResourceId") != physical:
                    continue
                found.append(
                    cast(shapes.StackResource, st.resource_view(document, key, detail=True))
                )
        return {"StackResources": found}

    async def describe_stack_resource(
        self, ctx: RequestContext, params: shapes.DescribeStackResourceInput
    ) -> shapes.DescribeStackResourceOutput:
        document = self._find(ctx, str(params["StackName"]))
        logical = str(params["LogicalResourceId"])
        if logical not in document["Resources"]:
            raise invalid(f"Resource {logical} does not exist for stack {document['StackName']}")
        detail = st.resource_view(document, logical, detail=True)
        detail["LastUpdatedTimestamp"] = detail.pop("Timestamp")
        metadata = document["Resources"][logical].get("Metadata")
        if metadata is not None:
            detail["Metadata"] = json.dumps(metadata)
        return {"StackResourceDetail": cast(shapes.StackResourceDetail, detail)}

    async def list_stack_resources(
        self, ctx: RequestContext, params: shapes.ListStackResourcesInput
    ) -> shapes.ListStackResourcesOutput:
        document = self._find(ctx, str(params["StackName"]))
        summaries = [
            cast(shapes.StackResourceSummary, st.resource_view(document, key, detail=False))
            for key in document["Resources"]
        ]
        scope = f"ListStackResources:{document['StackId']}"
        chunk, token = page(summaries, params.get("NextToken"), PAGE_SIZE, scope)
        result: shapes.ListStackResourcesOutput = {"StackResourceSummaries": chunk}
        if token:
            result["NextToken"] = token
        return result

    async def get_template(
        self, ctx: RequestContext, params: shapes.GetTemplateInput
    ) -> shapes.GetTemplateOutput:
        if params.get("ChangeSetName"):
            raise ServiceError(
                "Change sets are not supported on this platform; use UpdateStack.",
                code="ChangeSetNotFound",
                status=404,
                sender_fault=True,
            )
        if not params.get("StackName"):
            raise invalid("StackName is required.")
        document = self._find(ctx, str(params["StackName"]))
        body = str(document["TemplateBody"])
        if params.get("TemplateStage") == "Processed":
            body = (await self._load(ctx, body)).to_json()
        return {"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]}

    async def list_exports(
        self, ctx: RequestContext, params: shapes.ListExportsInput
    ) -> shapes.ListExportsOutput:
        with self.platform.db.session() as session:
            exported = exports_of(session, ctx.account_id, ctx.region)
        entries: list[shapes.Export] = [
            {"ExportingStackId": stack_id, "Name": name, "Value": value}
            for name, (value, stack_id) in sorted(exported.items())
        ]
        chunk, token = page(entries, params.get("NextToken"), PAGE_SIZE, "ListExports")
        result: shapes.ListExportsOutput = {"Exports": chunk}
        if token:
            result["NextToken"] = token
        return result

    # ------------------------------------------------------------------ for Service Catalog

    @property
    def supported_types(self) -> frozenset[str]:
        """Every resource type a template may declare here."""
        return SUPPORTED_TYPES

    def stack_document(self, account_id: str, region: str, stack_id: str) -> dict[str, Any] | None:
        """A stack's whole document (deleted stacks too), for the platform's own use."""
        with self.platform.db.session() as session:
            row = StackStore(session, account_id, region).get(stack_id)
            return None if row is None else copy.deepcopy(dict(row.data))


def parsed_template(body: str) -> Template:
    """The template of ``body``, or CloudFormation's ValidationError (a worker-pool job)."""
    try:
        return load_template(body)
    except TemplateError as error:
        raise invalid(error.message) from None


def supported_template(body: str) -> Template:
    """The template, refused unless every resource type is one the platform runs."""
    template = parsed_template(body)
    try:
        check_supported_types(template, SUPPORTED_TYPES)
    except TemplateError as error:
        raise invalid(error.message) from None
    return template
