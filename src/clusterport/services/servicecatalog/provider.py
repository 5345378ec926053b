"""The Service Catalog API: portfolios, products and versions, access, constraints, launches.

Served over both protocols the model lists (smithy-rpc-v2-cbor, json); the
gateway handles that. Admin calls act on the caller's account's portfolios
and products; end-user calls (SearchProducts, DescribeProduct,
ListLaunchPaths, DescribeProvisioningParameters, ProvisionProduct) see only
products of portfolios associated with the caller (see :mod:`.access`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from clusterport.errors import ServiceError
from clusterport.services.authorization import authorize
from clusterport.services.base import Provider, RequestContext, ResourceArns
from clusterport.services.calls import ServiceCaller
from clusterport.services.pagination import page
from clusterport.services.principals import parse_role_arn
from clusterport.services.servicecatalog import arns, views
from clusterport.services.servicecatalog.access import (
    Portfolio,
    account_portfolios,
    principal_arns,
    principal_portfolios,
    products_of,
    usable_portfolio,
    user_arn,
)
from clusterport.services.servicecatalog.artifacts import (
    artifact_body,
    checked_template,
    describe_template_parameters,
    new_artifact,
)
from clusterport.services.servicecatalog.provisioning import (
    ARTIFACT_TAG,
    CAPABILITIES,
    INVOKED_BY,
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
    Provisioner,
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
    ARTIFACT,
    CONSTRAINT,
    PORTFOLIO,
    PORTFOLIO_PRODUCT,
    PRINCIPAL,
    PRODUCT,
    PROVISIONED,
    RECORD,
    SHARE,
    CatalogRecords,
    duplicate,
    in_use,
    invalid,
    iso,
    launch_path_id,
    new_id,
    not_found,
    records_of,
    tag_list,
    unsupported,
)
from clusterport.services.stack_reader import StackReader, stack_reader
from clusterport.services.template_source import catalog_template_url
from clusterport.store.resources import ResourceRow
from clusterport.templates import StackContext

if TYPE_CHECKING:
    from clusterport.platform import Platform

PRODUCT_FIELDS = (
    "Name",
    "Owner",
    "Distributor",
    "SupportDescription",
    "SupportEmail",
    "SupportUrl",
)
CONSTRAINT_TYPES = ("LAUNCH", "TEMPLATE")
PAGE_SIZE = 20


def _page(
    items: Sequence[Any], params: Mapping[str, Any], scope: str, default: int = PAGE_SIZE
) -> tuple[list[Any], str | None]:
    size = int(params.get("PageSize") or default)
    return page(
        items, params.get("PageToken"), size, scope, error_code="InvalidParametersException"
    )


def _with_token(result: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        result["NextPageToken"] = token
    return result


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


class ServiceCatalogProvider(Provider):
    """The Service Catalog API."""

    service = "servicecatalog"
    iam_prefix = "servicecatalog"
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = arns.RESOURCE_ARNS
    no_resource_operations: ClassVar[frozenset[str]] = arns.NO_RESOURCE_OPERATIONS

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.caller = ServiceCaller(platform, INVOKED_BY)
        self.provisioner = Provisioner(self.caller)

    @property
    def stacks(self) -> StackReader:
        """CloudFormation, which runs the products' stacks."""
        return stack_reader(self.platform)

    def shared_resources(self, ctx: RequestContext, resources: Sequence[str]) -> frozenset[str]:
        return arns.shared(ctx, resources)

    # ------------------------------------------------------------------ who is asking

    async def _candidates(self, ctx: RequestContext) -> list[str]:
        """The ARNs portfolio associations may name for the caller (with the user's groups)."""
        groups: list[str] = []
        if ctx.principal.kind == "user" and ctx.principal.name:
            try:
                found = await self.caller.lookup(
                    ctx.account_id,
                    ctx.region,
                    "iam",
                    "ListGroupsForUser",
                    {"UserName": ctx.principal.name},
                )
                groups = [str(g["Arn"]) for g in found.get("Groups") or ()]
            except ServiceError:
                groups = []  # no IAM groups known: the user's own ARN still counts
        return principal_arns(ctx.principal, groups)

    def _visible(
        self, records: CatalogRecords, candidates: Sequence[str]
    ) -> dict[str, tuple[dict[str, Any], str, list[Portfolio]]]:
        """Product ID → (product document, owner, portfolios it is reached through)."""
        found: dict[str, tuple[dict[str, Any], str, list[Portfolio]]] = {}
        for portfolio in principal_portfolios(records, candidates):
            for product_id in products_of(records, portfolio):
                row = records.of(portfolio.owner).get(PRODUCT, product_id)
                if row is None:
                    continue
                entry = found.setdefault(product_id, (dict(row.data), portfolio.owner, []))
                entry[2].append(portfolio)
        return found

    async def _launchable(
        self,
        ctx: RequestContext,
        records: CatalogRecords,
        product_id: str | None,
        product_name: str | None = None,
    ) -> tuple[dict[str, Any], str, list[Portfolio]]:
        visible = self._visible(records, await self._candidates(ctx))
        for pid, entry in visible.items():
            if pid == product_id or (product_id is None and entry[0]["Name"] == product_name):
                return entry
        what = product_id or product_name or "(no product given)"
        raise not_found(
            f"Product {what} not found, or not available to {ctx.principal.arn}. An admin "
            "associates you (or your role or group) with a portfolio that holds it "
            "(AssociatePrincipalWithPortfolio)."
        )

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

    # ------------------------------------------------------------------ portfolios

    async def create_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        token = str(params["IdempotencyToken"])
        tags = tag_list(params.get("Tags"))
        with records_of(ctx) as records:
            for row in records.find(PORTFOLIO):
                if row.data.get("IdempotencyToken") == token:
                    return {
                        "PortfolioDetail": views.portfolio_detail(row.data),
                        "Tags": list(row.data.get("Tags") or ()),
                    }
            portfolio_id = new_id("port")
            data = {
                "Id": portfolio_id,
                "ARN": ctx.arn("catalog", f"portfolio/{portfolio_id}"),
                "DisplayName": params["DisplayName"],
                "Description": params.get("Description"),
                "ProviderName": params["ProviderName"],
                "CreatedTime": iso(ctx.now),
                "Tags": tags,
                "IdempotencyToken": token,
            }
            records.add(PORTFOLIO, portfolio_id, data, ctx.now, name=str(params["DisplayName"]))
        return {"PortfolioDetail": views.portfolio_detail(data), "Tags": tags}

    async def describe_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            portfolio = usable_portfolio(records, str(params["Id"]))
            return {
                "PortfolioDetail": views.portfolio_detail(portfolio.row.data),
                "Tags": [] if portfolio.imported else list(portfolio.row.data.get("Tags") or ()),
                "TagOptions": [],
                "Budgets": [],
            }

    async def list_portfolios(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            details = [views.portfolio_detail(r.data) for r in records.find(PORTFOLIO)]
        chunk, token = _page(details, params, "ListPortfolios", default=100)
        return _with_token({"PortfolioDetails": chunk}, token)

    async def delete_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["Id"])
        with records_of(ctx) as records:
            row = records.portfolio(portfolio_id)
            blockers = [
                (kind, len(records.find(kind, parent_id=portfolio_id)))
                for kind in (PORTFOLIO_PRODUCT, CONSTRAINT, PRINCIPAL, SHARE)
            ]
            named = [f"{count} {kind} association(s)" for kind, count in blockers if count]
            if named:
                raise in_use(
                    f"Portfolio {portfolio_id} still has {', '.join(named)}; remove them "
                    "(DisassociateProductFromPortfolio, DeleteConstraint, "
                    "DisassociatePrincipalFromPortfolio, DeletePortfolioShare) first."
                )
            records.delete(row)
        return {}

    # ------------------------------------------------------------------ products

    async def create_product(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
                    again: dict[str, Any] = {
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
        created: dict[str, Any] = {"ProductViewDetail": views.product_detail(data), "Tags": tags}
        if artifact is not None:
            created["ProvisioningArtifactDetail"] = views.artifact_detail(artifact)
        return created

    async def describe_product_as_admin(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
                {**views.artifact_summary(a), "Guidance": a.get("Guidance", "DEFAULT")}
                for a in artifacts
            ],
            "Budgets": [],
            "LaunchPaths": [
                {"Id": launch_path_id(p.id), "Name": p.row.data["DisplayName"]} for p in portfolios
            ],
        }

    async def search_products(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        filters = params.get("Filters") or {}
        with records_of(ctx) as records:
            visible = self._visible(records, await self._candidates(ctx))
        products = [d for d, _, _ in visible.values() if _matches_filters(d, filters)]
        products = _sorted(products, params)
        summaries = [views.product_summary(d) for d in products]
        scope = f"SearchProducts:{json.dumps(filters, sort_keys=True)}:{params.get('SortBy')}"
        chunk, token = _page(summaries, params, scope)
        return _with_token({"ProductViewSummaries": chunk, "ProductViewAggregations": {}}, token)

    async def search_products_as_admin(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        chunk, token = _page(details, params, scope)
        return _with_token({"ProductViewDetails": chunk}, token)

    async def update_product(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            row = records.product(str(params["Id"]))
            data = dict(row.data)
            for key in PRODUCT_FIELDS:
                if params.get(key) is not None:
                    data[key] = params[key]
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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

    def _artifact_created(self, artifact: Mapping[str, Any], product_id: str) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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

    @staticmethod
    def _pick_artifact(
        records: CatalogRecords, product_id: str, artifact_id: str | None, name: str | None
    ) -> dict[str, Any]:
        rows = records.artifacts(product_id)
        for row in rows:
            if row.resource_id == artifact_id or (artifact_id is None and row.data["Name"] == name):
                return dict(row.data)
        if artifact_id is None and name is None:
            active = [
                r
                for r in rows
                if r.data.get("Active", True) and r.data.get("Guidance") != "DEPRECATED"
            ]
            if active:
                return dict(active[-1].data)
        raise not_found(
            f"Provisioning artifact {artifact_id or name or '(newest)'} not found for product "
            f"{product_id}; list them with ListProvisioningArtifacts or DescribeProduct."
        )

    async def describe_provisioning_artifact(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            product, artifact, _ = await self._artifact(ctx, records, params)
        result: dict[str, Any] = {
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
    ) -> list[dict[str, Any]]:
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

    # ------------------------------------------------------------------ associations

    async def associate_product_with_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id, product_id = str(params["PortfolioId"]), str(params["ProductId"])
        if params.get("SourcePortfolioId"):
            raise invalid(
                "Adding products of an imported portfolio to a local one is not supported here; "
                "launch them through the imported portfolio."
            )
        with records_of(ctx) as records:
            records.portfolio(portfolio_id)
            records.product(product_id)
            key = f"{portfolio_id}/{product_id}"
            if records.get(PORTFOLIO_PRODUCT, key) is None:
                records.add(
                    PORTFOLIO_PRODUCT,
                    key,
                    {"PortfolioId": portfolio_id, "ProductId": product_id},
                    ctx.now,
                    name=product_id,
                    parent_id=portfolio_id,
                )
        return {}

    async def disassociate_product_from_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id, product_id = str(params["PortfolioId"]), str(params["ProductId"])
        with records_of(ctx) as records:
            row = records.get(PORTFOLIO_PRODUCT, f"{portfolio_id}/{product_id}")
            if row is None:
                raise not_found(f"Product {product_id} is not in portfolio {portfolio_id}.")
            if records.constraints(portfolio_id, product_id):
                raise in_use(
                    f"Product {product_id} has constraints in portfolio {portfolio_id}; delete "
                    "them (DeleteConstraint) first."
                )
            records.delete(row)
        return {}

    async def associate_principal_with_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        arn, kind = str(params["PrincipalARN"]), str(params["PrincipalType"])
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam":
            raise invalid(
                f"PrincipalARN {arn} is not an IAM ARN; name a user, group or role "
                "(arn:aws:iam::<account>:role/<name>) or, with IAM_PATTERN, a pattern."
            )
        if kind == "IAM" and parts[4] != ctx.account_id:
            raise invalid(
                f"PrincipalARN {arn} is not in account {ctx.account_id}; associate principals "
                "of your own account (the other account associates its own with the share)."
            )
        if kind == "IAM" and any(c in arn for c in "*?"):
            raise invalid(f"PrincipalARN {arn} holds wildcards; use PrincipalType IAM_PATTERN.")
        with records_of(ctx) as records:
            usable_portfolio(records, portfolio_id)
            key = f"{portfolio_id}|{arn}"
            if records.get(PRINCIPAL, key) is None:
                records.add(
                    PRINCIPAL,
                    key,
                    {"PrincipalARN": arn, "PrincipalType": kind},
                    ctx.now,
                    parent_id=portfolio_id,
                    name=arn[:256],
                )
        return {}

    async def disassociate_principal_from_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            row = records.get(PRINCIPAL, f"{portfolio_id}|{params['PrincipalARN']}")
            if row is None:
                raise not_found(
                    f"{params['PrincipalARN']} is not associated with portfolio {portfolio_id}."
                )
            records.delete(row)
        return {}

    async def list_principals_for_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            usable_portfolio(records, portfolio_id)
            principals = [
                {"PrincipalARN": r.data["PrincipalARN"], "PrincipalType": r.data["PrincipalType"]}
                for r in records.find(PRINCIPAL, parent_id=portfolio_id)
            ]
        chunk, token = _page(principals, params, f"ListPrincipalsForPortfolio:{portfolio_id}")
        return _with_token({"Principals": chunk}, token)

    # ------------------------------------------------------------------ sharing

    async def create_portfolio_share(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        if params.get("OrganizationNode"):
            raise unsupported(
                "Sharing with AWS Organizations nodes is not supported here; share with an "
                "AccountId."
            )
        account = params.get("AccountId")
        if not account or not str(account).isdigit() or len(str(account)) != 12:
            raise invalid("AccountId (12 digits) is required: the account to share with.")
        if account == ctx.account_id:
            raise invalid("A portfolio cannot be shared with the account that owns it.")
        with records_of(ctx) as records:
            records.portfolio(portfolio_id)
            key = f"{portfolio_id}|{account}"
            existing = records.get(SHARE, key)
            data = {
                "PortfolioId": portfolio_id,
                "AccountId": account,
                "Accepted": bool(existing and existing.data.get("Accepted")),
                "SharePrincipals": bool(params.get("SharePrincipals")),
            }
            if existing is None:
                records.add(SHARE, key, data, ctx.now, name=str(account), parent_id=portfolio_id)
            else:
                records.update(existing, data, ctx.now)
        return {}

    def _received_share(self, records: CatalogRecords, portfolio_id: str) -> ResourceRow:
        for row in records.shares_received():
            if row.parent_id == portfolio_id:
                return row
        raise not_found(
            f"Portfolio {portfolio_id} is not shared with account {records.account_id}; its "
            "owner shares it first (CreatePortfolioShare)."
        )

    async def accept_portfolio_share(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        kind = params.get("PortfolioShareType") or "IMPORTED"
        if kind != "IMPORTED":
            raise unsupported(f"PortfolioShareType {kind} is not supported here; use IMPORTED.")
        with records_of(ctx) as records:
            row = self._received_share(records, str(params["PortfolioId"]))
            records.update(row, {**row.data, "Accepted": True}, ctx.now)
        return {}

    async def reject_portfolio_share(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            row = self._received_share(records, str(params["PortfolioId"]))
            records.delete(row)
        return {}

    async def delete_portfolio_share(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        if params.get("OrganizationNode"):
            raise unsupported("Organizations shares are not supported here.")
        with records_of(ctx) as records:
            records.portfolio(portfolio_id)
            row = records.get(SHARE, f"{portfolio_id}|{params.get('AccountId')}")
            if row is None:
                raise not_found(
                    f"Portfolio {portfolio_id} is not shared with account "
                    f"{params.get('AccountId')}."
                )
            records.delete(row)
        return {}

    async def list_portfolio_access(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            records.portfolio(portfolio_id)
            accounts = [str(r.name) for r in records.find(SHARE, parent_id=portfolio_id)]
        chunk, token = _page(accounts, params, f"ListPortfolioAccess:{portfolio_id}", default=100)
        return _with_token({"AccountIds": chunk}, token)

    async def list_accepted_portfolio_shares(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        kind = params.get("PortfolioShareType") or "IMPORTED"
        with records_of(ctx) as records:
            details = []
            if kind == "IMPORTED":
                for share in records.shares_received(accepted=True):
                    row = records.of(share.account_id).get(PORTFOLIO, str(share.parent_id))
                    if row is not None:
                        details.append(views.portfolio_detail(row.data))
        chunk, token = _page(details, params, f"ListAcceptedPortfolioShares:{kind}", default=100)
        return _with_token({"PortfolioDetails": chunk}, token)

    # ------------------------------------------------------------------ constraints

    async def create_constraint(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
    def _constraint_result(data: Mapping[str, Any]) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            return self._constraint_result(self._constraint_row(records, str(params["Id"])).data)

    async def delete_constraint(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            records.delete(self._constraint_row(records, str(params["Id"])))
        return {}

    async def list_constraints_for_portfolio(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            portfolio = usable_portfolio(records, portfolio_id)
            rows = records.of(portfolio.owner).constraints(portfolio_id, params.get("ProductId"))
            details = [views.constraint_detail(r.data) for r in rows]
        scope = f"ListConstraintsForPortfolio:{portfolio_id}:{params.get('ProductId')}"
        chunk, token = _page(details, params, scope)
        return _with_token({"ConstraintDetails": chunk}, token)

    # ------------------------------------------------------------------ launching

    async def list_launch_paths(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            data, _, portfolios = await self._launchable(ctx, records, str(params["ProductId"]))
            paths = []
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
        chunk, token = _page(paths, params, f"ListLaunchPaths:{params['ProductId']}")
        return _with_token({"LaunchPathSummaries": chunk}, token)

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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        with records_of(ctx) as records:
            choice = await self._choose(ctx, records, params)
        template = await self.platform.workers.run(
            ctx.account_id,
            checked_template,
            str(choice.artifact["TemplateBody"]),
            self.stacks.supported_types,
        )
        instructions = [{"Type": "version", "Value": choice.artifact["Id"]}]
        role = launch_role_arn(choice.constraints, ctx.account_id)
        if role:
            instructions.append({"Type": "launchAsRole", "Value": role})
        outputs = [
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        chunk, token = _page(details, params, scope)
        return _with_token({"RecordDetails": chunk}, token)

    def _provisioned_list(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        key, caller = self._access_filter(ctx, params)
        with records_of(ctx) as records:
            rows = self.provisioner.refresh_all(records)
            return [dict(r.data) for r in rows if self._visible_to(key, caller, r.data, ctx)]

    async def search_provisioned_products(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        chunk, token = _page(attributes, params, scope)
        result = _with_token({"ProvisionedProducts": chunk}, token)
        result["TotalResultsCount"] = len(attributes)
        return result

    async def scan_provisioned_products(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        details = [views.provisioned_detail(p) for p in self._provisioned_list(ctx, params)]
        chunk, token = _page(details, params, "ScanProvisionedProducts")
        return _with_token({"ProvisionedProducts": chunk}, token)

    async def describe_provisioned_product(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
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


def _id_or_name(params: Mapping[str, Any]) -> None:
    """DescribeProduct(AsAdmin) names its product by Id or Name; neither is refused."""
    if not params.get("Id") and not params.get("Name"):
        raise invalid(
            "Either Id or Name must be specified. Give the product's Id (prod-…) or its Name."
        )


def _checked_with_rules(
    body: str, rules: Mapping[str, Any], supported_types: frozenset[str]
) -> None:
    """Refuse a TEMPLATE constraint's rules that break an artifact's template (a pool job)."""
    checked_template(provisioning_body(body, rules), supported_types)
