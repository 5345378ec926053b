"""Service Catalog portfolios: create and delete, the products and principals in them, sharing."""

from __future__ import annotations

from clusterport.services.base import RequestContext
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog import views
from clusterport.services.servicecatalog.access import usable_portfolio
from clusterport.services.servicecatalog.catalog import CatalogOperations, paged, with_token
from clusterport.services.servicecatalog.records import (
    CONSTRAINT,
    PORTFOLIO,
    PORTFOLIO_PRODUCT,
    PRINCIPAL,
    SHARE,
    CatalogRecords,
    in_use,
    invalid,
    iso,
    new_id,
    not_found,
    records_of,
    tag_list,
    unsupported,
)
from clusterport.store.resources import ResourceRow


class PortfolioOperations(CatalogOperations):
    """Portfolios, their products and principals, and their shares with other accounts."""

    # ------------------------------------------------------------------ portfolios

    async def create_portfolio(
        self, ctx: RequestContext, params: shapes.CreatePortfolioInput
    ) -> shapes.CreatePortfolioOutput:
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
        self, ctx: RequestContext, params: shapes.DescribePortfolioInput
    ) -> shapes.DescribePortfolioOutput:
        with records_of(ctx) as records:
            portfolio = usable_portfolio(records, str(params["Id"]))
            return {
                "PortfolioDetail": views.portfolio_detail(portfolio.row.data),
                "Tags": [] if portfolio.imported else list(portfolio.row.data.get("Tags") or ()),
                "TagOptions": [],
                "Budgets": [],
            }

    async def list_portfolios(
        self, ctx: RequestContext, params: shapes.ListPortfoliosInput
    ) -> shapes.ListPortfoliosOutput:
        with records_of(ctx) as records:
            details = [views.portfolio_detail(r.data) for r in records.find(PORTFOLIO)]
        chunk, token = paged(details, params, "ListPortfolios", default=100)
        listed: shapes.ListPortfoliosOutput = {"PortfolioDetails": chunk}
        return with_token(listed, token)

    async def delete_portfolio(
        self, ctx: RequestContext, params: shapes.DeletePortfolioInput
    ) -> shapes.DeletePortfolioOutput:
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

    # ------------------------------------------------------------------ associations

    async def associate_product_with_portfolio(
        self, ctx: RequestContext, params: shapes.AssociateProductWithPortfolioInput
    ) -> shapes.AssociateProductWithPortfolioOutput:
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
        self, ctx: RequestContext, params: shapes.DisassociateProductFromPortfolioInput
    ) -> shapes.DisassociateProductFromPortfolioOutput:
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
        self, ctx: RequestContext, params: shapes.AssociatePrincipalWithPortfolioInput
    ) -> shapes.AssociatePrincipalWithPortfolioOutput:
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
        self, ctx: RequestContext, params: shapes.DisassociatePrincipalFromPortfolioInput
    ) -> shapes.DisassociatePrincipalFromPortfolioOutput:
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
        self, ctx: RequestContext, params: shapes.ListPrincipalsForPortfolioInput
    ) -> shapes.ListPrincipalsForPortfolioOutput:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            usable_portfolio(records, portfolio_id)
            principals = [
                {"PrincipalARN": r.data["PrincipalARN"], "PrincipalType": r.data["PrincipalType"]}
                for r in records.find(PRINCIPAL, parent_id=portfolio_id)
            ]
        chunk, token = paged(principals, params, f"ListPrincipalsForPortfolio:{portfolio_id}")
        listed: shapes.ListPrincipalsForPortfolioOutput = {"Principals": chunk}
        return with_token(listed, token)

    # ------------------------------------------------------------------ sharing

    async def create_portfolio_share(
        self, ctx: RequestContext, params: shapes.CreatePortfolioShareInput
    ) -> shapes.CreatePortfolioShareOutput:
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
        self, ctx: RequestContext, params: shapes.AcceptPortfolioShareInput
    ) -> shapes.AcceptPortfolioShareOutput:
        kind = params.get("PortfolioShareType") or "IMPORTED"
        if kind != "IMPORTED":
            raise unsupported(f"PortfolioShareType {kind} is not supported here; use IMPORTED.")
        with records_of(ctx) as records:
            row = self._received_share(records, str(params["PortfolioId"]))
            records.update(row, {**row.data, "Accepted": True}, ctx.now)
        return {}

    async def reject_portfolio_share(
        self, ctx: RequestContext, params: shapes.RejectPortfolioShareInput
    ) -> shapes.RejectPortfolioShareOutput:
        with records_of(ctx) as records:
            row = self._received_share(records, str(params["PortfolioId"]))
            records.delete(row)
        return {}

    async def delete_portfolio_share(
        self, ctx: RequestContext, params: shapes.DeletePortfolioShareInput
    ) -> shapes.DeletePortfolioShareOutput:
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
        self, ctx: RequestContext, params: shapes.ListPortfolioAccessInput
    ) -> shapes.ListPortfolioAccessOutput:
        portfolio_id = str(params["PortfolioId"])
        with records_of(ctx) as records:
            records.portfolio(portfolio_id)
            accounts = [str(r.name) for r in records.find(SHARE, parent_id=portfolio_id)]
        chunk, token = paged(accounts, params, f"ListPortfolioAccess:{portfolio_id}", default=100)
        listed: shapes.ListPortfolioAccessOutput = {"AccountIds": chunk}
        return with_token(listed, token)

    async def list_accepted_portfolio_shares(
        self, ctx: RequestContext, params: shapes.ListAcceptedPortfolioSharesInput
    ) -> shapes.ListAcceptedPortfolioSharesOutput:
        kind = params.get("PortfolioShareType") or "IMPORTED"
        with records_of(ctx) as records:
            details = []
            if kind == "IMPORTED":
                for share in records.shares_received(accepted=True):
                    row = records.of(share.account_id).get(PORTFOLIO, str(share.parent_id))
                    if row is not None:
                        details.append(views.portfolio_detail(row.data))
        chunk, token = paged(details, params, f"ListAcceptedPortfolioShares:{kind}", default=100)
        listed: shapes.ListAcceptedPortfolioSharesOutput = {"PortfolioDetails": chunk}
        return with_token(listed, token)
