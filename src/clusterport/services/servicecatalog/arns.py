"""Which catalog resources each Service Catalog operation is authorized against.

As the Service Authorization Reference lists them: portfolio operations act on
``arn:aws:catalog:<region>:<owner>:portfolio/<id>``, product operations on
``arn:aws:catalog:<region>:<owner>:product/<id>``, creations on ``portfolio/*``
or ``product/*`` (the id does not exist yet), and the rest (listing, searching,
records, provisioned products, constraints, product-portfolio associations)
on ``*``. The owner is the account that created the resource: a portfolio
shared with the caller's account and its products keep their owner's ARN, and
the share is the owner's grant (:func:`shared`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clusterport.services.base import RequestContext, ResourceArns
from clusterport.services.servicecatalog.access import account_portfolios
from clusterport.services.servicecatalog.records import PORTFOLIO, PRODUCT, records_of

NO_RESOURCE_OPERATIONS = frozenset(
    {
        "ListPortfolios", "SearchProducts", "SearchProductsAsAdmin",
        "AssociateProductWithPortfolio", "DisassociateProductFromPortfolio",
        "ListAcceptedPortfolioShares", "DescribeConstraint", "DeleteConstraint",
        "ListConstraintsForPortfolio", "DescribeRecord", "ListRecordHistory",
        "SearchProvisionedProducts", "ScanProvisionedProducts", "DescribeProvisionedProduct",
        "UpdateProvisionedProduct", "TerminateProvisionedProduct",
    }
)  # fmt: skip


def _arn(ctx: RequestContext, owner: str, kind: str, resource_id: str) -> str:
    return f"arn:aws:catalog:{ctx.region}:{owner}:{kind}/{resource_id}"


def _portfolio_owner(ctx: RequestContext, portfolio_id: str) -> str:
    with records_of(ctx) as records:
        if records.get(PORTFOLIO, portfolio_id) is not None:
            return ctx.account_id
        for share in records.shares_received():
            if str(share.parent_id) == portfolio_id:
                return share.account_id
    return ctx.account_id  # unknown: the operation reports it after authorization


def _product_owner(
    ctx: RequestContext, product_id: str | None, name: str | None
) -> tuple[str, str]:
    """(owner, product id) of a product the account owns or reaches through an imported
    portfolio, found by id or by name."""
    with records_of(ctx) as records:
        if product_id is None and name is not None:
            for row in records.find(PRODUCT, name=name):
                return ctx.account_id, row.resource_id
        elif product_id is not None and records.get(PRODUCT, product_id) is not None:
            return ctx.account_id, product_id
        for portfolio in account_portfolios(records):
            if not portfolio.imported:
                continue
            owner = records.of(portfolio.owner)
            for pid in owner.products_of(portfolio.id):
                product = owner.get(PRODUCT, pid)
                if product is not None and (pid == product_id or product.name == name):
                    return portfolio.owner, pid
    return ctx.account_id, product_id or "*"


def portfolio_arn(key: str) -> ResourceArns:
    """The portfolio whose id is the parameter ``key``."""

    def arns(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
        portfolio_id = str(params[key])
        return [_arn(ctx, _portfolio_owner(ctx, portfolio_id), "portfolio", portfolio_id)]

    return arns


def product_arn(id_key: str, name_key: str | None = None) -> ResourceArns:
    """The product the parameter ``id_key`` (or ``name_key``) names."""

    def arns(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
        product_id = params.get(id_key)
        name = params.get(name_key) if name_key else None
        owner, found = _product_owner(
            ctx, str(product_id) if product_id else None, str(name) if name else None
        )
        return [_arn(ctx, owner, "product", found)]

    return arns


def new(kind: str) -> ResourceArns:
    """A portfolio or product being created: ``<kind>/*``."""
    return lambda ctx, params: [_arn(ctx, ctx.account_id, kind, "*")]


RESOURCE_ARNS: Mapping[str, ResourceArns] = {
    "CreatePortfolio": new("portfolio"),
    **dict.fromkeys(("DescribePortfolio", "DeletePortfolio"), portfolio_arn("Id")),
    **dict.fromkeys(
        (
            "AssociatePrincipalWithPortfolio", "DisassociatePrincipalFromPortfolio",
            "ListPrincipalsForPortfolio", "CreatePortfolioShare", "AcceptPortfolioShare",
            "RejectPortfolioShare", "DeletePortfolioShare", "ListPortfolioAccess",
        ),
        portfolio_arn("PortfolioId"),
    ),
    "CreateProduct": new("product"),
    **dict.fromkeys(
        ("DescribeProductAsAdmin", "DescribeProduct"), product_arn("Id", "Name")
    ),
    **dict.fromkeys(("UpdateProduct", "DeleteProduct"), product_arn("Id")),
    **dict.fromkeys(
        (
            "CreateProvisioningArtifact", "ListProvisioningArtifacts",
            "UpdateProvisioningArtifact", "DeleteProvisioningArtifact", "CreateConstraint",
            "ListLaunchPaths",
        ),
        product_arn("ProductId"),
    ),
    **dict.fromkeys(
        ("DescribeProvisioningArtifact", "DescribeProvisioningParameters", "ProvisionProduct"),
        product_arn("ProductId", "ProductName"),
    ),
}  # fmt: skip


def shared(ctx: RequestContext, resources: Sequence[str]) -> frozenset[str]:
    """The catalog resources of other accounts that are shared with the caller's account:
    portfolios shared with it, and the products of portfolios it imported."""
    foreign = [
        r
        for r in resources
        if r.startswith("arn:aws:catalog:") and r.split(":")[4] != ctx.account_id
    ]
    if not foreign:
        return frozenset()
    granted: set[str] = set()
    with records_of(ctx) as records:
        for share in records.shares_received():
            granted.add(_arn(ctx, share.account_id, "portfolio", str(share.parent_id)))
        for portfolio in account_portfolios(records):
            if portfolio.imported:
                for pid in records.of(portfolio.owner).products_of(portfolio.id):
                    granted.add(_arn(ctx, portfolio.owner, "product", pid))
    return frozenset(r for r in foreign if r in granted)
