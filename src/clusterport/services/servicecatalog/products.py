"""Service Catalog products and their versions (provisioning artifacts)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from clusterport.errors import ServiceError
from clusterport.services.base import RequestContext
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog import views
from clusterport.services.servicecatalog.access import (
    account_portfolios,
    products_of,
    usable_portfolio,
)
from clusterport.services.servicecatalog.artifacts import (
    artifact_body,
    checked_template,
    describe_template_parameters,
    new_artifact,
)
from clusterport.services.servicecatalog.catalog import CatalogOperations, paged, with_token
from clusterport.services.servicecatalog.records import (
    ARTIFACT,
    PRODUCT,
    CatalogRecords,
    in_use,
    invalid,
    iso,
    launch_path_id,
    new_id,
    not_found,
    records_of,
    tag_list,
)
from clusterport.services.template_source import catalog_template_url

PRODUCT_FIELDS = (
    "Name",
    "Owner",
    "Distributor",
    "SupportDescription",
    "SupportEmail",
    "SupportUrl",
)


def _matches_filters(data: Mapping[str, Any], filters: Mapping[str, Sequence[str]]) -> bool:
    for key, values in (filters or {}).items():
        wanted = [v.lower() for v in values]
        if not wanted:
            continue
        if key == "FullTextSearch":
            text = " ".join(
                str(data.get(k) or "") for k in ("Name", "Owner", "ShortDescription", "Distributor")
            ).lower()
            if not any(w in text for w in wanted):
                return False
        elif key == "Owner":
            if str(data.get("Owner") or "").lower() not in wanted:
                return False
        elif key == "ProductType":
            if str(data.get("Type") or "").lower() not in wanted:
                return False
        elif key == "SourceProductId":
            if str(data.get("Id")).lower() not in wanted:
                return False
        else:
            raise invalid(
                f"Unknown product filter {key}; use FullTextSearch, Owner, ProductType or "
                "SourceProductId."
            )
    return True


def _sorted(items: list[dict[str, Any]], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    key = params.get("SortBy")
    reverse = params.get("SortOrder") == "DESCENDING"
    if key == "Title":
        return sorted(items, key=lambda d: str(d["Name"]).lower(), reverse=reverse)
    if key == "CreationDate" or reverse:
        return sorted(items, key=lambda d: str(d["CreatedTime"]), reverse=reverse)
    return items


class ProductOperations(CatalogOperations):
    """Products, as their admins and their users see them, and their versions."""

    def _admin_product(
        self, records: CatalogRecords, product_id: str, source_portfolio: str | None = None
    ) -> tuple[dict[str, Any], str]:
        """A product the account owns, or holds through an imported portfolio."""
        row = records.get(PRODUCT, product_id)
        if row is not None:
            return dict(row.data), records.account_id
        for portfolio in account_portfolios(records):
            if source_portfolio and portfolio.id != source_portfolio:
                continue
            if portfolio.imported and product_id in products_of(records, portfolio):
                found = records.of(portfolio.owner).get(PRODUCT, product_id)
                if found is not None:
                    return dict(found.data), portfolio.owner
        raise not_found(f"Product {product_id} not found in account {records.account_id}.")

    def _product_by_name(self, records: CatalogRecords, name: str) -> str:
        for row in records.find(PRODUCT, name=name):
            return row.resource_id
        raise not_found(f"Product named {name} not found in account {records.account_id}.")

    # ------------------------------------------------------------------ products

    async def create_product(
        self, ctx: RequestContext, params: shapes.CreateProductInput
    ) -> shapes.CreateProductOutput:
        """``ProvisioningArtifactParameters`` is optional, as in Service Catalog's model: without
        it the product has no version until CreateProvisioningArtifact adds one.
        """
        if params["ProductType"] != "CLOUD_FORMATION_TEMPLATE":
            raise invalid(
                f"ProductType {params['ProductType']} is not supported here; products are "
                "CloudFormation templates (CLOUD_FORMATION_TEMPLATE)."
            )
        if params.get("SourceConnection"):
            raise invalid("SourceConnection (CodeStar) is not supported here; give the template.")
        artifact_properties = params.get("ProvisioningArtifactParameters")
        token = str(params["IdempotencyToken"])
        tags = tag_list(params.get("Tags"))
        with records_of(ctx) as records:
            for row in records.find(PRODUCT):
                if row.data.get("IdempotencyToken") == token:
                    again: shapes.CreateProductOutput = {
                        "ProductViewDetail": views.product_detail(row.data),
                        "Tags": list(row.data.get("Tags") or ()),
                    }
                    versions = records.artifacts(row.resource_id)
                    if versions:
                        again["ProvisioningArtifactDetail"] = views.artifact_detail(
                            versions[0].data
                        )
                    return again
        product_id = new_id("prod")
        artifact: dict[str, Any] | None = None
        if artifact_properties:
            body, source = artifact_body(ctx, artifact_properties.get("Info"))
            artifact_id = new_id("pa")
            artifact = await self.platform.workers.run(
                ctx.account_id,
                new_artifact,
                artifact_id,
                artifact_properties,
                body,
                source,
                ctx.now,
                self.stacks.supported_types,
            )
        data: dict[str, Any] = {
            "Id": product_id,
            "ViewId": new_id("prodview"),
            "ShortDescription": params.get("Description"),
            "Type": "CLOUD_FORMATION_TEMPLATE",
            "ProductARN": ctx.arn("catalog", f"product/{product_id}"),
            "CreatedTime": iso(ctx.now),
            "Tags": tags,
            "IdempotencyToken": token,
        }
        for key in PRODUCT_FIELDS:
            data[key] = params.get(key)
        with records_of(ctx) as records:
            records.add(PRODUCT, product_id, data, ctx.now, name=str(params["Name"]))
            if artifact is not None:
                records.add(ARTIFACT, artifact["Id"], artifact, ctx.now, parent_id=product_id)
        created: shapes.CreateProductOutput = {
            "ProductViewDetail": views.product_detail(data),
            "Tags": tags,
        }
        if artifact is not None:
            created["ProvisioningArtifactDetail"] = views.artifact_detail(artifact)
        return created

    async def describe_product_as_admin(
        self, ctx: RequestContext, params: shapes.DescribeProductAsAdminInput
    ) -> shapes.DescribeProductAsAdminOutput:
        """Neither ``Id`` nor ``Name``: ``InvalidParametersException`` "Either Id or Name must be
        specified." (as AWS answers).
        """
        _id_or_name(params)
        with records_of(ctx) as records:
            product_id = params.get("Id") or self._product_by_name(records, str(params.get("Name")))
            data, owner = self._admin_product(
                records, str(product_id), params.get("SourcePortfolioId")
            )
            artifacts = [r.data for r in records.of(owner).artifacts(str(product_id))]
        return {
            "ProductViewDetail": views.product_detail(data),
            "ProvisioningArtifactSummaries": [views.artifact_summary(a) for a in artifacts],
            "Tags": list(data.get("Tags") or ()),
            "TagOptions": [],
            "Budgets": [],
        }

    async def describe_product(
        self, ctx: RequestContext, params: shapes.DescribeProductInput
    ) -> shapes.DescribeProductOutput:
        """Neither ``Id`` nor ``Name``: ``InvalidParametersException`` "Either Id or Name must be
        specified." (as AWS answers).
        """
        _id_or_name(params)
        with records_of(ctx) as records:
            data, owner, portfolios = await self._launchable(
                ctx, records, params.get("Id"), params.get("Name")
            )
            artifacts = [
                r.data
                for r in records.of(owner).artifacts(data["Id"])
                if r.data.get("Active", True)
            ]
        return {
            "ProductViewSummary": views.product_summary(data),
            "ProvisioningArtifacts": [
                cast(
                    shapes.ProvisioningArtifact,
                    {**views.artifact_summary(a), "Guidance": a.get("Guidance", "DEFAULT")},
                )
                for a in artifacts
            ],
            "Budgets": [],
            "LaunchPaths": [
                {"Id": launch_path_id(p.id), "Name": p.row.data["DisplayName"]} for p in portfolios
            ],
        }

    async def search_products(
        self, ctx: RequestContext, params: shapes.SearchProductsInput
    ) -> shapes.SearchProductsOutput:
        filters = params.get("Filters") or {}
        with records_of(ctx) as records:
            visible = self._visible(records, await self._candidates(ctx))
        products = [d for d, _, _ in visible.values() if _matches_filters(d, filters)]
        products = _sorted(products, params)
        summaries = [views.product_summary(d) for d in products]
        scope = f"SearchProducts:{json.dumps(filters, sort_keys=True)}:{params.get('SortBy')}"
        chunk, token = paged(summaries, params, scope)
        listed: shapes.SearchProductsOutput = {
            "ProductViewSummaries": chunk,
            "ProductViewAggregations": {},
        }
        return with_token(listed, token)

    async def search_products_as_admin(
        self, ctx: RequestContext, params: shapes.SearchProductsAsAdminInput
    ) -> shapes.SearchProductsAsAdminOutput:
        filters = params.get("Filters") or {}
        with records_of(ctx) as records:
            if params.get("PortfolioId"):
                portfolio = usable_portfolio(records, str(params["PortfolioId"]))
                owner_records = records.of(portfolio.owner)
                rows = [owner_records.get(PRODUCT, pid) for pid in products_of(records, portfolio)]
                products = [dict(r.data) for r in rows if r is not None]
            else:
                products = [dict(r.data) for r in records.find(PRODUCT)]
                if params.get("ProductSource") != "ACCOUNT":
                    seen = {p["Id"] for p in products}
                    for portfolio in account_portfolios(records):
                        if not portfolio.imported:
                            continue
                        for pid in products_of(records, portfolio):
                            row = records.of(portfolio.owner).get(PRODUCT, pid)
                            if row is not None and pid not in seen:
                                products.append(dict(row.data))
                                seen.add(pid)
        products = _sorted([p for p in products if _matches_filters(p, filters)], params)
        details = [views.product_detail(p) for p in products]
        scope = (
            f"SearchProductsAsAdmin:{params.get('PortfolioId')}:"
            f"{json.dumps(filters, sort_keys=True)}:{params.get('SortBy')}"
        )
        chunk, token = paged(details, params, scope)
        listed: shapes.SearchProductsAsAdminOutput = {"ProductViewDetails": chunk}
        return with_token(listed, token)

    async def update_product(
        self, ctx: RequestContext, params: shapes.UpdateProductInput
    ) -> shapes.UpdateProductOutput:
        with records_of(ctx) as records:
            row = records.product(str(params["Id"]))
            data = dict(row.data)
            given: Mapping[str, Any] = params
            for key in PRODUCT_FIELDS:
                if given.get(key) is not None:
                    data[key] = given[key]
            if params.get("Description") is not None:
                data["ShortDescription"] = params["Description"]
            removed = set(params.get("RemoveTags") or ())
            tags = {t["Key"]: t["Value"] for t in data.get("Tags") or () if t["Key"] not in removed}
            tags.update({t["Key"]: t["Value"] for t in tag_list(params.get("AddTags"))})
            data["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
            records.update(row, data, ctx.now)
            row.name = str(data["Name"])
        return {"ProductViewDetail": views.product_detail(data), "Tags": data["Tags"]}

    async def delete_product(
        self, ctx: RequestContext, params: shapes.DeleteProductInput
    ) -> shapes.DeleteProductOutput:
        product_id = str(params["Id"])
        with records_of(ctx) as records:
            row = records.product(product_id)
            portfolios = records.portfolios_of(product_id)
            if portfolios:
                raise in_use(
                    f"Product {product_id} is in portfolio(s) {', '.join(portfolios)}; "
                    "disassociate it (DisassociateProductFromPortfolio) first."
                )
            for artifact in records.artifacts(product_id):
                records.delete(artifact)
            records.delete(row)
        return {}

    # ------------------------------------------------------------------ versions

    async def create_provisioning_artifact(
        self, ctx: RequestContext, params: shapes.CreateProvisioningArtifactInput
    ) -> shapes.CreateProvisioningArtifactOutput:
        product_id = str(params["ProductId"])
        token = str(params["IdempotencyToken"])
        with records_of(ctx) as records:
            records.product(product_id)
            for row in records.artifacts(product_id):
                if row.data.get("IdempotencyToken") == token:
                    return self._artifact_created(row.data, product_id)
        body, source = artifact_body(ctx, params["Parameters"].get("Info"))
        artifact = await self.platform.workers.run(
            ctx.account_id,
            new_artifact,
            new_id("pa"),
            params["Parameters"],
            body,
            source,
            ctx.now,
            self.stacks.supported_types,
        )
        artifact["IdempotencyToken"] = token
        with records_of(ctx) as records:
            records.add(ARTIFACT, artifact["Id"], artifact, ctx.now, parent_id=product_id)
        return self._artifact_created(artifact, product_id)

    def _artifact_created(
        self, artifact: Mapping[str, Any], product_id: str
    ) -> shapes.CreateProvisioningArtifactOutput:
        return {
            "ProvisioningArtifactDetail": views.artifact_detail(artifact),
            "Info": self._artifact_info(artifact, product_id),
            "Status": "AVAILABLE",
        }

    def _artifact_info(self, artifact: Mapping[str, Any], product_id: str) -> dict[str, str]:
        info = {"TemplateUrl": catalog_template_url(self.platform, product_id, artifact["Id"])}
        if artifact.get("SourceUrl"):
            info["LoadTemplateFromURL"] = str(artifact["SourceUrl"])
        return info

    async def list_provisioning_artifacts(
        self, ctx: RequestContext, params: shapes.ListProvisioningArtifactsInput
    ) -> shapes.ListProvisioningArtifactsOutput:
        with records_of(ctx) as records:
            _, owner = self._admin_product(records, str(params["ProductId"]))
            artifacts = [r.data for r in records.of(owner).artifacts(str(params["ProductId"]))]
        return {"ProvisioningArtifactDetails": [views.artifact_detail(a) for a in artifacts]}

    async def _artifact(
        self,
        ctx: RequestContext,
        records: CatalogRecords,
        params: Mapping[str, Any],
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(product, artifact, owner) by ID or name, for admins and for users who may launch it."""
        product_id = params.get("ProductId")
        if product_id is None and params.get("ProductName"):
            try:
                product_id = self._product_by_name(records, str(params["ProductName"]))
            except ServiceError:
                product_id = None
        try:
            if product_id is None:
                raise not_found("no product")
            product, owner = self._admin_product(records, str(product_id))
        except ServiceError:
            product, owner, _ = await self._launchable(
                ctx, records, product_id, params.get("ProductName")
            )
        artifact = self._pick_artifact(
            records.of(owner),
            product["Id"],
            params.get("ProvisioningArtifactId"),
            params.get("ProvisioningArtifactName"),
        )
        return product, artifact, owner

    async def describe_provisioning_artifact(
        self, ctx: RequestContext, params: shapes.DescribeProvisioningArtifactInput
    ) -> shapes.DescribeProvisioningArtifactOutput:
        with records_of(ctx) as records:
            product, artifact, _ = await self._artifact(ctx, records, params)
        result: shapes.DescribeProvisioningArtifactOutput = {
            "ProvisioningArtifactDetail": views.artifact_detail(artifact),
            "Info": self._artifact_info(artifact, product["Id"]),
            "Status": "AVAILABLE",
        }
        if params.get("IncludeProvisioningArtifactParameters"):
            result["ProvisioningArtifactParameters"] = await self.platform.workers.run(
                ctx.account_id, self._parameters, artifact, self.stacks.supported_types
            )
        return result

    async def update_provisioning_artifact(
        self, ctx: RequestContext, params: shapes.UpdateProvisioningArtifactInput
    ) -> shapes.UpdateProvisioningArtifactOutput:
        with records_of(ctx) as records:
            records.product(str(params["ProductId"]))
            row = records.get(ARTIFACT, str(params["ProvisioningArtifactId"]))
            if row is None or row.parent_id != params["ProductId"]:
                raise not_found(
                    f"Provisioning artifact {params['ProvisioningArtifactId']} not found."
                )
            data = dict(row.data)
            for key in ("Name", "Description", "Active", "Guidance"):
                if params.get(key) is not None:
                    data[key] = params[key]
            records.update(row, data, ctx.now)
        return self._artifact_created(data, str(params["ProductId"]))

    async def delete_provisioning_artifact(
        self, ctx: RequestContext, params: shapes.DeleteProvisioningArtifactInput
    ) -> shapes.DeleteProvisioningArtifactOutput:
        with records_of(ctx) as records:
            records.product(str(params["ProductId"]))
            rows = records.artifacts(str(params["ProductId"]))
            row = next((r for r in rows if r.resource_id == params["ProvisioningArtifactId"]), None)
            if row is None:
                raise not_found(
                    f"Provisioning artifact {params['ProvisioningArtifactId']} not found."
                )
            if len(rows) == 1:
                raise in_use(
                    "A product keeps at least one version; add another before deleting this one, "
                    "or delete the product."
                )
            records.delete(row)
        return {}

    @staticmethod
    def _parameters(
        artifact: Mapping[str, Any], supported_types: frozenset[str]
    ) -> list[shapes.ProvisioningArtifactParameter]:
        template = checked_template(str(artifact["TemplateBody"]), supported_types)
        return describe_template_parameters(template)

    def artifact_template(self, ctx: RequestContext, product_id: str, artifact_id: str) -> str:
        """An artifact's template, for CloudFormation reading its ``TemplateUrl``.

        The caller's account must own the product or have imported a portfolio holding it.
        """
        with records_of(ctx) as records:
            _, owner = self._admin_product(records, product_id)
            row = records.of(owner).get(ARTIFACT, artifact_id)
            if row is None or row.parent_id != product_id:
                raise not_found(f"Provisioning artifact {artifact_id} not found.")
            return str(row.data["TemplateBody"])


def _id_or_name(params: Mapping[str, Any]) -> None:
    """DescribeProduct(AsAdmin) names its product by Id or Name; neither is refused."""
    if not params.get("Id") and not params.get("Name"):
        raise invalid(
            "Either Id or Name must be specified. Give the product's Id (prod-…) or its Name."
        )
