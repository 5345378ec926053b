"""Provisioned products: a CloudFormation stack per product launch, and the records of each change.

ProvisionProduct creates the stack ``SC-<account>-<provisioned product id>``
through the CloudFormation API, as the launch role of the product's launch
constraint (so the launch role, not the user, creates the resources) or, with
no launch constraint, as the user. Parameters are checked against the
template's guardrails before anything is created: a violation fails the call
with the template engine's message (InvalidParametersException).

A record follows its stack: it is brought up to date whenever it (or its
provisioned product) is read, so records need no background work of their
own and survive a restart of the server.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from clusterport.errors import ServiceError
from clusterport.services import stack_status as st
from clusterport.services.base import Principal, RequestContext
from clusterport.services.calls import ServiceCaller
from clusterport.services.principals import parse_role_arn, role_session
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog.records import (
    CONSTRAINT,
    PROVISIONED,
    RECORD,
    CatalogRecords,
    invalid,
    iso,
)
from clusterport.services.stack_reader import StackReader, stack_reader
from clusterport.store.resources import ResourceRow
from clusterport.templates import (
    INLINE_BODY_MAX_BYTES,
    StackContext,
    TemplateError,
    load_template,
    resolve_parameters,
)

INVOKED_BY: Final = "servicecatalog.amazonaws.com"
SESSION_NAME: Final = "AWSServiceCatalog"
#: Service Catalog acknowledges every capability on the user's behalf.
CAPABILITIES: Final = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")

PROVISION: Final = "PROVISION_PRODUCT"
UPDATE: Final = "UPDATE_PROVISIONED_PRODUCT"
TERMINATE: Final = "TERMINATE_PROVISIONED_PRODUCT"

IN_PROGRESS: Final = "IN_PROGRESS"
IN_PROGRESS_IN_ERROR: Final = "IN_PROGRESS_IN_ERROR"
SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
OPEN: Final = frozenset({"CREATED", IN_PROGRESS, IN_PROGRESS_IN_ERROR})

AVAILABLE: Final = "AVAILABLE"
UNDER_CHANGE: Final = "UNDER_CHANGE"
TAINTED: Final = "TAINTED"
ERROR: Final = "ERROR"

PORTFOLIO_TAG: Final = "aws:servicecatalog:portfolioArn"
PRODUCT_TAG: Final = "aws:servicecatalog:productArn"
PROVISIONED_PRODUCT_TAG: Final = "aws:servicecatalog:provisionedProductArn"
ARTIFACT_TAG: Final = "aws:servicecatalog:provisioningArtifactIdentifier"
PRINCIPAL_TAG: Final = "aws:servicecatalog:provisioningPrincipalArn"


def stack_name(account_id: str, provisioned_product_id: str) -> str:
    """The name of a provisioned product's stack."""
    return f"SC-{account_id}-{provisioned_product_id}"


def launch_role_arn(constraints: Sequence[ResourceRow], account_id: str) -> str | None:
    """The launch role of a product path's LAUNCH constraint, in the provisioning account."""
    for row in constraints:
        if row.data["Type"] != "LAUNCH":
            continue
        parameters = json.loads(row.data["Parameters"])
        if parameters.get("LocalRoleName"):
            return f"arn:aws:iam::{account_id}:role/{parameters['LocalRoleName']}"
        role = str(parameters.get("RoleArn") or "")
        owner, _ = parse_role_arn(role)
        if owner != account_id:
            raise invalid(
                f"The launch constraint's role {role} belongs to account {owner}, but the "
                f"product is provisioned in account {account_id}. Give the constraint a "
                '"LocalRoleName" so each account launches with its own role of that name.'
            )
        return role
    return None


def template_rules(constraints: Sequence[ResourceRow]) -> dict[str, Any]:
    """The Rules of a product path's TEMPLATE constraints, named so they cannot collide."""
    rules: dict[str, Any] = {}
    for row in constraints:
        if row.data["Type"] == "TEMPLATE":
            for name, rule in (json.loads(row.data["Parameters"]).get("Rules") or {}).items():
                rules[f"{row.resource_id.replace('-', '')}{name}"] = rule
    return rules


def provisioning_body(body: str, rules: Mapping[str, Any]) -> str:
    """The artifact's template with the TEMPLATE constraints' rules added to its Rules."""
    if not rules:
        return body
    try:
        document = dict(load_template(body).document)
    except TemplateError as error:
        raise invalid(error.message) from None
    document["Rules"] = {**(document.get("Rules") or {}), **rules}
    return json.dumps(document)


def check_parameters(
    body: str,
    given: Mapping[str, str],
    previous: Mapping[str, str] | None = None,
    *,
    context: StackContext | None = None,
) -> None:
    """Refuse parameter values that break the template's guardrails (or its rules) at once.

    The template engine's message names the parameter, the value and the
    constraint; nothing is created when a value is refused.
    """
    try:
        template = load_template(body)
        resolve_parameters(template, given, use_previous=previous, context=context)
    except TemplateError as error:
        raise invalid(error.message) from None


@dataclass(frozen=True)
class LaunchChoice:
    """What a launch uses: product, version, path, its constraints."""

    product: Mapping[str, Any]
    product_owner: str
    artifact: Mapping[str, Any]
    portfolio: Mapping[str, Any]
    path_id: str
    constraints: tuple[ResourceRow, ...]


def record_document(
    record_id: str,
    record_type: str,
    product: Mapping[str, Any],
    ctx: RequestContext,
    token: str | None,
) -> dict[str, Any]:
    """A new record of a change to a provisioned product."""
    return {
        "RecordId": record_id,
        "ProvisionedProductName": product["Name"],
        "Status": IN_PROGRESS,
        "CreatedTime": iso(ctx.now),
        "UpdatedTime": iso(ctx.now),
        "ProvisionedProductType": "CFN_STACK",
        "RecordType": record_type,
        "ProvisionedProductId": product["Id"],
        "ProductId": product["ProductId"],
        "ProvisioningArtifactId": product["ProvisioningArtifactId"],
        "PathId": product.get("PathId"),
        "LaunchRoleArn": product.get("LaunchRoleArn"),
        "RecordErrors": [],
        "RecordTags": list(product.get("Tags") or ()),
        "Token": token,
        "StackId": product.get("PhysicalId"),
        "UserArn": product.get("UserArn"),
    }


def _record_status(record_type: str, stack_status: str | None) -> str:
    """A record's status from its stack's status."""
    if stack_status is None:
        return FAILED
    if record_type == PROVISION:
        if stack_status == st.CREATE_COMPLETE:
            return SUCCEEDED
        if stack_status == st.CREATE_IN_PROGRESS:
            return IN_PROGRESS
        if stack_status in (st.ROLLBACK_IN_PROGRESS, st.DELETE_IN_PROGRESS):
            return IN_PROGRESS_IN_ERROR
        return FAILED
    if record_type == UPDATE:
        if stack_status == st.UPDATE_COMPLETE:
            return SUCCEEDED
        if stack_status in (st.UPDATE_IN_PROGRESS, st.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS):
            return IN_PROGRESS
        if stack_status in (
            st.UPDATE_ROLLBACK_IN_PROGRESS,
            st.UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
        ):
            return IN_PROGRESS_IN_ERROR
        return FAILED
    if stack_status == st.DELETE_COMPLETE:
        return SUCCEEDED
    if stack_status in st.IN_PROGRESS:
        return IN_PROGRESS  # deleting, or ending a launch or rollback before it deletes
    return FAILED


def record_errors(stack: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """Why a stack failed, as RecordErrors (each failed resource, else the stack's reason)."""
    if stack is None:
        return [{"Code": "StackNotFound", "Description": "The product's stack no longer exists."}]
    errors = [
        {"Code": "ResourceFailure", "Description": f"{f['LogicalResourceId']}: {f['Reason']}"}
        for f in stack.get("Failures") or ()
    ]
    if not errors and stack.get("StackStatusReason"):
        errors.append(
            {"Code": str(stack["StackStatus"]), "Description": str(stack["StackStatusReason"])}
        )
    return errors


def record_outputs(stack: Mapping[str, Any] | None) -> list[shapes.RecordOutput]:
    """RecordOutputs: the stack's ARN and outputs (the cluster ID among them)."""
    if stack is None:
        return []
    outputs: list[shapes.RecordOutput] = [
        {
            "OutputKey": "CloudformationStackARN",
            "OutputValue": str(stack["StackId"]),
            "Description": "The ARN of the launched Cloudformation Stack",
        }
    ]
    for output in stack.get("Outputs") or ():
        entry: shapes.RecordOutput = {
            "OutputKey": str(output["OutputKey"]),
            "OutputValue": str(output["OutputValue"]),
        }
        if output.get("Description"):
            entry["Description"] = str(output["Description"])
        outputs.append(entry)
    return outputs


class Provisioner:
    """Starts, changes and ends provisioned products through CloudFormation."""

    def __init__(self, caller: ServiceCaller) -> None:
        self.caller = caller
        self.platform = caller.platform

    @property
    def cloudformation(self) -> StackReader:
        return stack_reader(self.platform)

    async def principal(self, ctx: RequestContext, role_arn: str | None) -> Principal:
        """Who acts on the stack: a session of the launch role, or the caller."""
        if not role_arn:
            return ctx.principal
        try:
            return await role_session(
                self.caller, role_arn, SESSION_NAME, ctx.region, trusted_service=INVOKED_BY
            )
        except ServiceError as error:
            raise invalid(
                f"The product's launch constraint cannot be used: {error.message}"
            ) from None

    def stack(self, account_id: str, region: str, stack_id: str | None) -> dict[str, Any] | None:
        if not stack_id:
            return None
        return self.cloudformation.stack_document(account_id, region, stack_id)

    async def call_cloudformation(
        self, principal: Principal, ctx: RequestContext, operation: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A CloudFormation call as ``principal``; its parameter errors become catalog errors."""
        try:
            return await self.caller.call(
                principal, ctx.region, "cloudformation", operation, params
            )
        except ServiceError as error:
            if error.code == "ValidationError":
                raise invalid(error.message) from None
            raise

    @staticmethod
    def template_argument(body: str, template_url: str) -> dict[str, str]:
        """TemplateBody when CloudFormation takes it inline, else the artifact's URL."""
        if len(body.encode("utf-8")) <= INLINE_BODY_MAX_BYTES:
            return {"TemplateBody": body}
        return {"TemplateURL": template_url}

    # ------------------------------------------------------------------ keeping records current

    def refresh(self, records: CatalogRecords, product: ResourceRow) -> ResourceRow | None:
        """Bring a provisioned product's open records up to date with its stack.

        Returns the product's row, or None once a termination has removed it.
        """
        data = dict(product.data)
        stack = self.stack(records.account_id, records.region, data.get("PhysicalId"))
        stack_status = None if stack is None else str(stack["StackStatus"])
        now = self.platform.now()
        last = None
        for record in records.find(RECORD, parent_id=product.resource_id):
            if record.data["Status"] in OPEN:
                self._settle(records, record, stack, stack_status, now)
            if record.resource_id == data.get("LastRecordId"):
                last = record
        if last is None or last.data["Status"] in OPEN:
            return product
        record_type, status = str(last.data["RecordType"]), str(last.data["Status"])
        if record_type == TERMINATE and status == SUCCEEDED:
            records.delete(product)
            return None
        wanted = _product_status(record_type, status, stack_status)
        if data.get("Status") == wanted:
            return product
        data["Status"] = wanted
        data["StatusMessage"] = (
            "; ".join(e["Description"] for e in last.data.get("RecordErrors") or ())
            if status == FAILED
            else None
        )
        if status == SUCCEEDED:
            data["LastSuccessfulProvisioningRecordId"] = last.resource_id
        records.update(product, data, now, state=wanted)
        return product

    @staticmethod
    def _settle(
        records: CatalogRecords,
        record: ResourceRow,
        stack: Mapping[str, Any] | None,
        stack_status: str | None,
        now: dt.datetime,
    ) -> None:
        record_type = str(record.data["RecordType"])
        status = _record_status(record_type, stack_status)
        if status == FAILED and record_type == TERMINATE and record.data.get("IgnoreErrors"):
            status = SUCCEEDED
        if status == record.data["Status"]:
            return
        updated = {**record.data, "Status": status, "UpdatedTime": iso(now)}
        if status == FAILED:
            updated["RecordErrors"] = record_errors(stack)
        records.update(record, updated, now, state=status)

    def refresh_all(self, records: CatalogRecords) -> list[ResourceRow]:
        """Every provisioned product of the account and region, brought up to date."""
        kept: list[ResourceRow] = []
        for row in records.find(PROVISIONED):
            refreshed = self.refresh(records, row)
            if refreshed is not None:
                kept.append(refreshed)
        return kept


def _product_status(record_type: str, record_status: str, stack_status: str | None) -> str:
    if record_status == SUCCEEDED:
        return AVAILABLE
    if record_type == UPDATE and stack_status == st.UPDATE_ROLLBACK_COMPLETE:
        return TAINTED
    return ERROR


def constraint_rows(
    records: CatalogRecords, owner: str, portfolio_id: str, product_id: str
) -> tuple[ResourceRow, ...]:
    """The constraints on a product in a portfolio (kept by the portfolio's owner)."""
    return tuple(
        r
        for r in records.of(owner).find(CONSTRAINT, parent_id=portfolio_id)
        if r.data["ProductId"] == product_id
    )
