"""Service Catalog constraints: a product's launch role (LAUNCH) and parameter rules (TEMPLATE)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from clusterport.errors import ServiceError
from clusterport.services.authorization import authorize
from clusterport.services.base import RequestContext
from clusterport.services.principals import parse_role_arn
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog import views
from clusterport.services.servicecatalog.access import usable_portfolio
from clusterport.services.servicecatalog.artifacts import checked_template
from clusterport.services.servicecatalog.catalog import CatalogOperations, paged, with_token
from clusterport.services.servicecatalog.provisioning import provisioning_body
from clusterport.services.servicecatalog.records import (
    CONSTRAINT,
    PORTFOLIO_PRODUCT,
    CatalogRecords,
    duplicate,
    invalid,
    new_id,
    not_found,
    records_of,
)
from clusterport.store.resources import ResourceRow

CONSTRAINT_TYPES = ("LAUNCH", "TEMPLATE")


class ConstraintOperations(CatalogOperations):
    """Constraints on a product in a portfolio."""

    # ------------------------------------------------------------------ constraints

    async def create_constraint(
        self, ctx: RequestContext, params: shapes.CreateConstraintInput
    ) -> shapes.CreateConstraintOutput:
        portfolio_id, product_id = str(params["PortfolioId"]), str(params["ProductId"])
        kind = str(params["Type"])
        if kind not in CONSTRAINT_TYPES:
            raise invalid(
                f"Constraint type {kind} is not supported here; use LAUNCH (a launch role) or "
                "TEMPLATE (rules on the parameters)."
            )
        try:
            parameters = json.loads(str(params["Parameters"]))
        except ValueError:
            raise invalid(
                'Parameters must be a JSON object, such as {"RoleArn": "arn:…"}.'
            ) from None
        if not isinstance(parameters, dict):
            raise invalid("Parameters must be a JSON object.")
        token = str(params["IdempotencyToken"])
        with records_of(ctx) as records:
            records.portfolio(portfolio_id)
            if records.get(PORTFOLIO_PRODUCT, f"{portfolio_id}/{product_id}") is None:
                raise not_found(
                    f"Product {product_id} is not in portfolio {portfolio_id}; associate it first."
                )
            existing = records.constraints(portfolio_id, product_id)
            for row in existing:
                if row.data.get("IdempotencyToken") == token:
                    return self._constraint_result(row.data)
            if kind == "LAUNCH" and any(r.data["Type"] == "LAUNCH" for r in existing):
                raise duplicate(
                    f"Product {product_id} already has a launch constraint in portfolio "
                    f"{portfolio_id}; delete it first to set another role."
                )
            artifacts = [r.data for r in records.artifacts(product_id)]
        if kind == "LAUNCH":
            self._check_launch(ctx, parameters)
        else:
            rules = parameters.get("Rules")
            if not isinstance(rules, dict) or not rules:
                raise invalid('A TEMPLATE constraint needs {"Rules": {"<name>": {...}}}.')
            for artifact in artifacts:
                await self.platform.workers.run(
                    ctx.account_id,
                    _checked_with_rules,
                    str(artifact["TemplateBody"]),
                    rules,
                    self.stacks.supported_types,
                )
        constraint_id = new_id("cons")
        data = {
            "ConstraintId": constraint_id,
            "Type": kind,
            "Description": params.get("Description"),
            "Owner": ctx.account_id,
            "ProductId": product_id,
            "PortfolioId": portfolio_id,
            "Parameters": json.dumps(parameters),
            "IdempotencyToken": token,
        }
        with records_of(ctx) as records:
            records.add(CONSTRAINT, constraint_id, data, ctx.now, parent_id=portfolio_id)
        return self._constraint_result(data)

    @staticmethod
    def _check_launch(ctx: RequestContext, parameters: Mapping[str, Any]) -> None:
        role, local = parameters.get("RoleArn"), parameters.get("LocalRoleName")
        if bool(role) == bool(local):
            raise invalid(
                'A LAUNCH constraint names one role: {"RoleArn": "arn:aws:iam::<account>:role/'
                '<name>"} or {"LocalRoleName": "<name>"}.'
            )
        if role:
            try:
                parse_role_arn(str(role))
            except ServiceError as error:
                raise invalid(error.message) from None
            # The admin passes the role to the service, as on AWS.
            authorize(ctx, "iam:PassRole", [str(role)])

    @staticmethod
    def _constraint_result(data: Mapping[str, Any]) -> shapes.CreateConstraintOutput:
        return {
            "ConstraintDetail": views.constraint_detail(data),
            "ConstraintParameters": data["Parameters"],
            "Status": "AVAILABLE",
        }

    def _constraint_row(self, records: CatalogRecords, constraint_id: str) -> ResourceRow:
        row = records.get(CONSTRAINT, constraint_id)
        if row is None:
            raise not_found(
                f"Constraint {constraint_id} not found in account {records.account_id}."
            )
        return row

    async def describe_constraint(
        self, ctx: RequestContext, params: shapes.DescribeConstraintInput
    ) -> shapes.DescribeConstraintOutput:
        with records_of(ctx) as records:
            return self._constraint_result(self._constraint_row(records, str(params["Id"])).data)

    async def delete_constraint(
        self, ctx: RequestContext, params: shapes.DeleteConstraintInput
    ) -> shapes.DeleteConstraintOutput:
        with records_of(ctx) as records:
            records.delete(self._constraint_row(records, str(params["Id"])))
        return {}

    async def list_constraints_for_portfolio(
        self, ctx: RequestContext, params: shapes.ListConstraintsForPortfolioInput
    ) -> shapes.ListConstraintsForPortfolioOutput:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            portfolio = usable_portfolio(records, portfolio_id)
            rows = records.of(portfolio.owner).constraints(portfolio_id, params.get("ProductId"))
            details = [views.constraint_detail(r.data) for r in rows]
        scope = f"ListConstraintsForPortfolio:{portfolio_id}:{params.get('ProductId')}"
        chunk, token = paged(details, params, scope)
        listed: shapes.ListConstraintsForPortfolioOutput = {"ConstraintDetails": chunk}
        return with_token(listed, token)


def _checked_with_rules(
    body: str, rules: Mapping[str, Any], supported_types: frozenset[str]
) -> None:
    """Refuse a TEMPLATE constraint's rules that break an artifact's template (a pool job)."""
    checked_template(provisioning_body(body, rules), supported_types)
