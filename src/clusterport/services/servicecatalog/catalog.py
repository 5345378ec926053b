"""What every area of the Service Catalog API shares: the provisioner, paging, who may see what."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from clusterport.errors import ServiceError
from clusterport.services.base import Provider, RequestContext
from clusterport.services.calls import ServiceCaller
from clusterport.services.pagination import page
from clusterport.services.servicecatalog.access import (
    Portfolio,
    principal_arns,
    principal_portfolios,
    products_of,
)
from clusterport.services.servicecatalog.provisioning import INVOKED_BY, Provisioner
from clusterport.services.servicecatalog.records import PRODUCT, CatalogRecords, not_found
from clusterport.services.stack_reader import StackReader, stack_reader

if TYPE_CHECKING:
    from clusterport.platform import Platform


PAGE_SIZE = 20
#: A listing answer, given its next page token by :func:`with_token`.
_Page = TypeVar("_Page", bound=Mapping[str, Any])


def paged(
    items: Sequence[Any], params: Mapping[str, Any], scope: str, default: int = PAGE_SIZE
) -> tuple[list[Any], str | None]:
    size = int(params.get("PageSize") or default)
    return page(
        items, params.get("PageToken"), size, scope, error_code="InvalidParametersException"
    )


def with_token(result: _Page, token: str | None) -> _Page:
    """``result`` with ``NextPageToken`` set when there is a next page."""
    if token:
        cast(dict[str, Any], result)["NextPageToken"] = token
    return result


class CatalogOperations(Provider):
    """The base of the Service Catalog API's areas: the provisioner, and who may see what."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.caller = ServiceCaller(platform, INVOKED_BY)
        self.provisioner = Provisioner(self.caller)

    @property
    def stacks(self) -> StackReader:
        """CloudFormation, which runs the products' stacks."""
        return stack_reader(self.platform)

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
