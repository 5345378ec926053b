"""Launching products: launch paths, provisioned products and the records of their changes."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from clusterport.errors import ServiceError
from clusterport.services.base import RequestContext
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog import views
from clusterport.services.servicecatalog.access import user_arn
from clusterport.services.servicecatalog.artifacts import (
    checked_template,
    describe_template_parameters,
)
from clusterport.services.servicecatalog.catalog import CatalogOperations, paged, with_token
from clusterport.services.servicecatalog.provisioning import (
    ARTIFACT_TAG,
    CAPABILITIES,
    OPEN,
    PORTFOLIO_TAG,
    PRINCIPAL_TAG,
    PRODUCT_TAG,
    PROVISION,
    PROVISIONED_PRODUCT_TAG,
    SUCCEEDED,
    TERMINATE,
    UNDER_CHANGE,
    UPDATE,
    LaunchChoice,
    check_parameters,
    constraint_rows,
    launch_role_arn,
    provisioning_body,
    record_document,
    record_errors,
    record_outputs,
    stack_name,
    template_rules,
)
from clusterport.services.servicecatalog.records import (
    PROVISIONED,
    RECORD,
    CatalogRecords,
    duplicate,
    invalid,
    iso,
    launch_path_id,
    new_id,
    not_found,
    records_of,
    tag_list,
)
from clusterport.services.template_source import catalog_template_url
from clusterport.store.resources import ResourceRow
from clusterport.templates import StackContext


class ProvisionedProductOperations(CatalogOperations):
    """Launches of products as stacks, their changes, and the records of each."""

    # ------------------------------------------------------------------ launching

    async def list_launch_paths(
        self, ctx: RequestContext, params: shapes.ListLaunchPathsInput
    ) -> shapes.ListLaunchPathsOutput:
        with records_of(ctx) as records:
            data, _, portfolios = await self._launchable(ctx, records, str(params["ProductId"]))
            paths: list[shapes.LaunchPathSummary] = []
            for portfolio in portfolios:
                constraints = constraint_rows(records, portfolio.owner, portfolio.id, data["Id"])
                tags = {t["Key"]: t["Value"] for t in portfolio.row.data.get("Tags") or ()}
                tags.update({t["Key"]: t["Value"] for t in data.get("Tags") or ()})
                paths.append(
                    {
                        "Id": launch_path_id(portfolio.id),
                        "Name": portfolio.row.data["DisplayName"],
                        "ConstraintSummaries": [
                            views.constraint_summary(c.data) for c in constraints
                        ],
                        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
                    }
                )
        chunk, token = paged(paths, params, f"ListLaunchPaths:{params['ProductId']}")
        listed: shapes.ListLaunchPathsOutput = {"LaunchPathSummaries": chunk}
        return with_token(listed, token)

    async def _choose(
        self, ctx: RequestContext, records: CatalogRecords, params: Mapping[str, Any]
    ) -> LaunchChoice:
        """The product, version and launch path a launch (or its form) uses."""
        product, owner, portfolios = await self._launchable(
            ctx, records, params.get("ProductId"), params.get("ProductName")
        )
        artifact = self._pick_artifact(
            records.of(owner),
            product["Id"],
            params.get("ProvisioningArtifactId"),
            params.get("ProvisioningArtifactName"),
        )
        if not artifact.get("Active", True):
            raise invalid(
                f"Version {artifact['Id']} of product {product['Id']} is inactive; launch an "
                "active version."
            )
        wanted_path, wanted_name = params.get("PathId"), params.get("PathName")
        chosen = [
            p
            for p in portfolios
            if (wanted_path is None or launch_path_id(p.id) == wanted_path)
            and (wanted_name is None or p.row.data["DisplayName"] == wanted_name)
        ]
        if not chosen:
            raise not_found(
                f"Launch path {wanted_path or wanted_name} of product {product['Id']} is not "
                "available to you; see ListLaunchPaths."
            )
        if len(chosen) > 1:
            ids = ", ".join(launch_path_id(p.id) for p in chosen)
            raise invalid(f"Product {product['Id']} has several launch paths ({ids}); give PathId.")
        portfolio = chosen[0]
        return LaunchChoice(
            product=product,
            product_owner=owner,
            artifact=artifact,
            portfolio=dict(portfolio.row.data),
            path_id=launch_path_id(portfolio.id),
            constraints=constraint_rows(records, portfolio.owner, portfolio.id, product["Id"]),
        )

    async def describe_provisioning_parameters(
        self, ctx: RequestContext, params: shapes.DescribeProvisioningParametersInput
    ) -> shapes.DescribeProvisioningParametersOutput:
        with records_of(ctx) as records:
            choice = await self._choose(ctx, records, params)
        template = await self.platform.workers.run(
            ctx.account_id,
            checked_template,
            str(choice.artifact["TemplateBody"]),
            self.stacks.supported_types,
        )
        instructions: list[shapes.UsageInstruction] = [
            {"Type": "version", "Value": choice.artifact["Id"]}
        ]
        role = launch_role_arn(choice.constraints, ctx.account_id)
        if role:
            instructions.append({"Type": "launchAsRole", "Value": role})
        outputs: list[shapes.ProvisioningArtifactOutput] = [
            {"Key": key, **({"Description": o.description} if o.description else {})}
            for key, o in template.outputs.items()
        ]
        return {
            "ProvisioningArtifactParameters": describe_template_parameters(template),
            "ConstraintSummaries": [views.constraint_summary(c.data) for c in choice.constraints],
            "UsageInstructions": instructions,
            "TagOptions": [],
            "ProvisioningArtifactPreferences": {},
            "ProvisioningArtifactOutputs": outputs,
            "ProvisioningArtifactOutputKeys": outputs,
        }

    async def provision_product(
        self, ctx: RequestContext, params: shapes.ProvisionProductInput
    ) -> shapes.ProvisionProductOutput:
        token = str(params["ProvisionToken"])
        name = str(params["ProvisionedProductName"])
        with records_of(ctx) as records:
            for row in records.find(PROVISIONED):
                if row.data.get("IdempotencyToken") == token:
                    earlier = records.get(RECORD, str(row.data["LastProvisioningRecordId"]))
                    assert earlier is not None
                    return {"RecordDetail": views.record_detail(earlier.data)}
            if any(r.name == name for r in self.provisioner.refresh_all(records)):
                raise duplicate(
                    f"A provisioned product named {name} already exists in this account; "
                    "choose another name or terminate it first."
                )
            choice = await self._choose(ctx, records, params)
        body = await self.platform.workers.run(
            ctx.account_id,
            provisioning_body,
            str(choice.artifact["TemplateBody"]),
            template_rules(choice.constraints),
        )
        product_id, record_id = new_id("pp"), new_id("rec")
        given = {
            str(p.get("Key")): str(p.get("Value", ""))
            for p in params.get("ProvisioningParameters") or ()
        }
        await self.platform.workers.run(
            ctx.account_id,
            functools.partial(check_parameters, context=self._context(ctx, product_id)),
            body,
            given,
        )
        role = launch_role_arn(choice.constraints, ctx.account_id)
        stack_principal = await self.provisioner.principal(ctx, role)
        pp_arn = ctx.arn("servicecatalog", f"stack/{name}/{product_id}")
        user_tags = tag_list(params.get("Tags"))
        stack_tags = [
            *user_tags,
            {"Key": PORTFOLIO_TAG, "Value": choice.portfolio["ARN"]},
            {"Key": PRODUCT_TAG, "Value": choice.product["ProductARN"]},
            {"Key": PROVISIONED_PRODUCT_TAG, "Value": pp_arn},
            {"Key": ARTIFACT_TAG, "Value": choice.artifact["Id"]},
            {"Key": PRINCIPAL_TAG, "Value": ctx.principal.arn},
        ]
        template_url = catalog_template_url(
            self.platform, choice.product["Id"], choice.artifact["Id"]
        )
        stack_params: dict[str, Any] = {
            "StackName": stack_name(ctx.account_id, product_id),
            **(
                {"TemplateBody": body}
                if body != choice.artifact["TemplateBody"]
                else self.provisioner.template_argument(body, template_url)
            ),
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()],
            "Capabilities": list(CAPABILITIES),
            "Tags": stack_tags,
            "NotificationARNs": list(params.get("NotificationArns") or ()),
        }
        product_data: dict[str, Any] = {
            "Id": product_id,
            "Name": name,
            "Arn": pp_arn,
            "Type": "CFN_STACK",
            "Status": UNDER_CHANGE,
            "CreatedTime": iso(ctx.now),
            "IdempotencyToken": token,
            "LastRecordId": record_id,
            "LastProvisioningRecordId": record_id,
            "ProductId": choice.product["Id"],
            "ProductName": choice.product["Name"],
            "ProvisioningArtifactId": choice.artifact["Id"],
            "ProvisioningArtifactName": choice.artifact.get("Name"),
            "PathId": choice.path_id,
            "LaunchRoleArn": role,
            "UserArn": user_arn(ctx.principal),
            "UserArnSession": ctx.principal.arn,
            "Tags": user_tags,
        }
        try:
            created = await self.provisioner.call_cloudformation(
                stack_principal, ctx, "CreateStack", stack_params
            )
            product_data["PhysicalId"] = created["StackId"]
            failure = None
        except ServiceError as error:
            if error.code == "InvalidParametersException":
                raise
            failure = error
        record = record_document(record_id, PROVISION, product_data, ctx, token)
        if failure is not None:
            record["Status"] = "FAILED"
            record["RecordErrors"] = [{"Code": failure.code, "Description": failure.message}]
            product_data["Status"] = "ERROR"
            product_data["StatusMessage"] = failure.message
        with records_of(ctx) as records:
            records.add(
                PROVISIONED,
                product_id,
                product_data,
                ctx.now,
                name=name,
                state=product_data["Status"],
            )
            records.add(
                RECORD, record_id, record, ctx.now, parent_id=product_id, state=record["Status"]
            )
        return {"RecordDetail": views.record_detail(record)}

    @staticmethod
    def _context(ctx: RequestContext, provisioned_product_id: str) -> StackContext:
        """The pseudo parameters the rules of a product's template see."""
        name = stack_name(ctx.account_id, provisioned_product_id)
        return StackContext(
            account_id=ctx.account_id,
            region=ctx.region,
            stack_name=name,
            stack_id=StackContext.stack_arn(ctx.region, ctx.account_id, name, "pending"),
        )

    def _provisioned(self, records: CatalogRecords, params: Mapping[str, Any]) -> ResourceRow:
        pp_id = params.get("ProvisionedProductId") or params.get("Id")
        name = params.get("ProvisionedProductName") or params.get("Name")
        row = None
        if pp_id:
            row = records.get(PROVISIONED, str(pp_id))
        elif name:
            found = records.find(PROVISIONED, name=str(name))
            row = found[0] if found else None
        else:
            raise invalid("Give the provisioned product's Id or Name.")
        refreshed = self.provisioner.refresh(records, row) if row is not None else None
        if refreshed is None:
            raise not_found(f"Provisioned product {pp_id or name} not found.")
        return refreshed

    async def describe_record(
        self, ctx: RequestContext, params: shapes.DescribeRecordInput
    ) -> shapes.DescribeRecordOutput:
        with records_of(ctx) as records:
            record = records.get(RECORD, str(params["Id"]))
            if record is None:
                raise not_found(f"Record {params['Id']} not found.")
            product = records.get(PROVISIONED, str(record.parent_id))
            if product is not None:
                self.provisioner.refresh(records, product)
            data = dict(record.data)
        stack = self.provisioner.stack(ctx.account_id, ctx.region, data.get("StackId"))
        outputs = record_outputs(stack) if data["RecordType"] != TERMINATE else []
        if data["Status"] == "FAILED" and not data.get("RecordErrors"):
            data["RecordErrors"] = record_errors(stack)
        return {"RecordDetail": views.record_detail(data), "RecordOutputs": outputs}

    @staticmethod
    def _access_filter(ctx: RequestContext, params: Mapping[str, Any]) -> tuple[str, str]:
        access = params.get("AccessLevelFilter") or {}
        key = str(access.get("Key") or "User")
        value = str(access.get("Value") or "self")
        if value != "self":
            raise invalid('AccessLevelFilter Value must be "self".')
        return key, user_arn(ctx.principal)

    @staticmethod
    def _visible_to(key: str, caller: str, data: Mapping[str, Any], ctx: RequestContext) -> bool:
        if key == "Account":
            return True
        if key == "Role" and ctx.principal.kind != "assumed-role":
            return False
        return data.get("UserArn") == caller

    async def list_record_history(
        self, ctx: RequestContext, params: shapes.ListRecordHistoryInput
    ) -> shapes.ListRecordHistoryOutput:
        key, caller = self._access_filter(ctx, params)
        search = params.get("SearchFilter") or {}
        with records_of(ctx) as records:
            self.provisioner.refresh_all(records)
            found = [
                dict(r.data)
                for r in reversed(records.find(RECORD))
                if self._visible_to(key, caller, r.data, ctx)
            ]
        if search.get("Key") == "product":
            found = [r for r in found if r.get("ProductId") == search.get("Value")]
        elif search.get("Key") == "provisionedproduct":
            found = [r for r in found if r.get("ProvisionedProductId") == search.get("Value")]
        details = [views.record_detail(r) for r in found]
        scope = f"ListRecordHistory:{key}:{search.get('Key')}:{search.get('Value')}"
        chunk, token = paged(details, params, scope)
        listed: shapes.ListRecordHistoryOutput = {"RecordDetails": chunk}
        return with_token(listed, token)

    def _provisioned_list(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        key, caller = self._access_filter(ctx, params)
        with records_of(ctx) as records:
            rows = self.provisioner.refresh_all(records)
            return [dict(r.data) for r in rows if self._visible_to(key, caller, r.data, ctx)]

    async def search_provisioned_products(
        self, ctx: RequestContext, params: shapes.SearchProvisionedProductsInput
    ) -> shapes.SearchProvisionedProductsOutput:
        products = self._provisioned_list(ctx, params)
        for query in (params.get("Filters") or {}).get("SearchQuery") or ():
            field, _, value = str(query).partition(":")
            if not value:
                field, value = "", str(query)
            products = [p for p in products if _query_matches(p, field, value)]
        reverse = params.get("SortOrder") == "DESCENDING"
        sort_key = str(params.get("SortBy") or "createdTime")
        products.sort(
            key=lambda p: str(p.get(_SORT_FIELDS.get(sort_key, "CreatedTime")) or ""),
            reverse=reverse,
        )
        attributes = [views.provisioned_attribute(p) for p in products]
        scope = (
            f"SearchProvisionedProducts:{json.dumps(params.get('Filters') or {}, sort_keys=True)}"
        )
        chunk, token = paged(attributes, params, scope)
        result: shapes.SearchProvisionedProductsOutput = {"ProvisionedProducts": chunk}
        result["TotalResultsCount"] = len(attributes)
        return with_token(result, token)

    async def scan_provisioned_products(
        self, ctx: RequestContext, params: shapes.ScanProvisionedProductsInput
    ) -> shapes.ScanProvisionedProductsOutput:
        details = [views.provisioned_detail(p) for p in self._provisioned_list(ctx, params)]
        chunk, token = paged(details, params, "ScanProvisionedProducts")
        listed: shapes.ScanProvisionedProductsOutput = {"ProvisionedProducts": chunk}
        return with_token(listed, token)

    async def describe_provisioned_product(
        self, ctx: RequestContext, params: shapes.DescribeProvisionedProductInput
    ) -> shapes.DescribeProvisionedProductOutput:
        with records_of(ctx) as records:
            row = self._provisioned(records, params)
            return {
                "ProvisionedProductDetail": views.provisioned_detail(row.data),
                "CloudWatchDashboards": [],
            }

    async def _change(
        self,
        ctx: RequestContext,
        params: Mapping[str, Any],
        record_type: str,
        token: str,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The provisioned product to change, or the record an earlier call with ``token`` made."""
        with records_of(ctx) as records:
            for record in records.find(RECORD):
                if record.data.get("Token") == token and record.data["RecordType"] == record_type:
                    return {}, dict(record.data)
            row = self._provisioned(records, params)
            last = records.get(RECORD, str(row.data.get("LastRecordId")))
            # A launch still in progress may be ended (its stack's creation is cancelled).
            cancelling = (
                record_type == TERMINATE
                and last is not None
                and last.data["RecordType"] == PROVISION
            )
            if row.data["Status"] == UNDER_CHANGE and not cancelling:
                raise ServiceError(
                    f"Provisioned product {row.resource_id} is being changed "
                    f"(record {row.data['LastRecordId']}); wait until it is done.",
                    code="InvalidStateException",
                    status=400,
                    sender_fault=True,
                )
            return dict(row.data), None

    def _start_record(
        self,
        ctx: RequestContext,
        product: dict[str, Any],
        record: dict[str, Any],
    ) -> shapes.UpdateProvisionedProductOutput:
        with records_of(ctx) as records:
            row = records.get(PROVISIONED, str(product["Id"]))
            assert row is not None
            data = {**row.data, **product, "LastRecordId": record["RecordId"]}
            if record["Status"] in OPEN:
                data["Status"] = UNDER_CHANGE
            records.update(row, data, ctx.now, state=data["Status"])
            records.add(
                RECORD,
                record["RecordId"],
                record,
                ctx.now,
                parent_id=row.resource_id,
                state=record["Status"],
            )
            if record["Status"] not in OPEN:
                self.provisioner.refresh(records, row)
        return {"RecordDetail": views.record_detail(record)}

    async def update_provisioned_product(
        self, ctx: RequestContext, params: shapes.UpdateProvisionedProductInput
    ) -> shapes.UpdateProvisionedProductOutput:
        token = str(params["UpdateToken"])
        product, earlier = await self._change(ctx, params, UPDATE, token)
        if earlier is not None:
            return {"RecordDetail": views.record_detail(earlier)}
        with records_of(ctx) as records:
            choice = await self._choose(
                ctx,
                records,
                {
                    "ProductId": params.get("ProductId") or product["ProductId"],
                    "ProductName": params.get("ProductName"),
                    "ProvisioningArtifactId": params.get("ProvisioningArtifactId")
                    or (
                        None
                        if params.get("ProvisioningArtifactName")
                        else product["ProvisioningArtifactId"]
                    ),
                    "ProvisioningArtifactName": params.get("ProvisioningArtifactName"),
                    "PathId": params.get("PathId") or product.get("PathId"),
                    "PathName": params.get("PathName"),
                },
            )
        body = await self.platform.workers.run(
            ctx.account_id,
            provisioning_body,
            str(choice.artifact["TemplateBody"]),
            template_rules(choice.constraints),
        )
        stack = self.provisioner.stack(ctx.account_id, ctx.region, product.get("PhysicalId"))
        before = {str(p["Key"]): str(p["Value"]) for p in (stack or {}).get("Parameters") or ()}
        parameters = []
        given: dict[str, str] = {}
        previous: dict[str, str] = {}
        for entry in params.get("ProvisioningParameters") or ():
            key = str(entry.get("Key"))
            if entry.get("UsePreviousValue"):
                parameters.append({"ParameterKey": key, "UsePreviousValue": True})
                if key in before:
                    previous[key] = before[key]
            else:
                given[key] = str(entry.get("Value", ""))
                parameters.append({"ParameterKey": key, "ParameterValue": given[key]})
        await self.platform.workers.run(
            ctx.account_id,
            functools.partial(check_parameters, context=self._context(ctx, str(product["Id"]))),
            body,
            given,
            previous,
        )
        role = launch_role_arn(choice.constraints, ctx.account_id)
        stack_principal = await self.provisioner.principal(ctx, role)
        record_id = new_id("rec")
        product = {
            **product,
            "ProvisioningArtifactId": choice.artifact["Id"],
            "ProvisioningArtifactName": choice.artifact.get("Name"),
            "PathId": choice.path_id,
            "LaunchRoleArn": role,
        }
        record = record_document(record_id, UPDATE, product, ctx, token)
        try:
            await self.provisioner.call_cloudformation(
                stack_principal,
                ctx,
                "UpdateStack",
                {
                    "StackName": product["PhysicalId"],
                    "TemplateBody": body,
                    "Parameters": parameters,
                    "Capabilities": list(CAPABILITIES),
                },
            )
        except ServiceError as error:
            if "No updates are to be performed" in error.message:
                record["Status"] = SUCCEEDED
            elif error.code == "InvalidParametersException":
                raise
            else:
                record["Status"] = "FAILED"
                record["RecordErrors"] = [{"Code": error.code, "Description": error.message}]
        return self._start_record(ctx, product, record)

    async def terminate_provisioned_product(
        self, ctx: RequestContext, params: shapes.TerminateProvisionedProductInput
    ) -> shapes.TerminateProvisionedProductOutput:
        token = str(params["TerminateToken"])
        product, earlier = await self._change(ctx, params, TERMINATE, token)
        if earlier is not None:
            return {"RecordDetail": views.record_detail(earlier)}
        record = record_document(new_id("rec"), TERMINATE, product, ctx, token)
        record["IgnoreErrors"] = bool(params.get("IgnoreErrors"))
        stack_id = product.get("PhysicalId")
        if not stack_id or params.get("RetainPhysicalResources"):
            record["Status"] = SUCCEEDED
        else:
            try:
                principal = await self.provisioner.principal(ctx, product.get("LaunchRoleArn"))
                await self.provisioner.call_cloudformation(
                    principal, ctx, "DeleteStack", {"StackName": stack_id}
                )
            except ServiceError as error:
                if not record["IgnoreErrors"]:
                    record["Status"] = "FAILED"
                    record["RecordErrors"] = [{"Code": error.code, "Description": error.message}]
                else:
                    record["Status"] = SUCCEEDED
        return self._start_record(ctx, product, record)


_SORT_FIELDS: Mapping[str, str] = MappingProxyType(
    {"createdTime": "CreatedTime", "name": "Name", "lastRecordId": "LastRecordId"}
)


def _query_matches(product: Mapping[str, Any], field: str, value: str) -> bool:
    wanted = value.lower()
    fields = {
        "physicalId": "PhysicalId",
        "name": "Name",
        "id": "Id",
        "arn": "Arn",
        "productId": "ProductId",
        "productName": "ProductName",
        "provisioningArtifactId": "ProvisioningArtifactId",
        "status": "Status",
        "type": "Type",
        "userArn": "UserArn",
        "lastRecordId": "LastRecordId",
    }
    if field in fields:
        return str(product.get(fields[field]) or "").lower() == wanted
    if field.startswith("tags."):
        key = field[len("tags.") :]
        return any(
            t["Key"] == key and t["Value"].lower() == wanted for t in product.get("Tags") or ()
        )
    text = " ".join(str(product.get(f) or "") for f in fields.values()).lower()
    return wanted in text
