"""Who may use which portfolio: principal associations and portfolio shares.

An end user (an IAM user, or a session of a role) sees a portfolio's
products when:

* the portfolio belongs to the user's account and is associated with the
  user, a group the user is in, or the user's role (``IAM``), or with an
  ARN pattern that matches one of them (``IAM_PATTERN``); or
* another account shared the portfolio with the user's account, the account
  accepted the share, and the account associated the user as above with the
  imported portfolio (or the share carries the owner's ``IAM_PATTERN``
  associations, ``SharePrincipals``).

A launch path is a portfolio through which the user sees a product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from clusterport.services.base import Principal
from clusterport.services.servicecatalog.records import (
    PORTFOLIO,
    PRINCIPAL,
    CatalogRecords,
    not_found,
)
from clusterport.store.resources import ResourceRow


def principal_arns(principal: Principal, group_arns: Sequence[str] = ()) -> list[str]:
    """The ARNs a portfolio association may name for ``principal``."""
    arns = [principal.arn]
    if principal.kind == "assumed-role":
        if principal.issuer_arn:
            arns.append(principal.issuer_arn)
        if principal.name:
            arns.append(f"arn:aws:iam::{principal.account_id}:role/{principal.name}")
    arns.extend(group_arns)
    return list(dict.fromkeys(arns))


def user_arn(principal: Principal) -> str:
    """The ``UserArn`` a provisioned product records: the role for role sessions."""
    if principal.kind == "assumed-role":
        return principal.issuer_arn or f"arn:aws:iam::{principal.account_id}:role/{principal.name}"
    return principal.arn


def _without_path(arn: str) -> str:
    head, _, resource = arn.partition(":role/")
    if not resource:
        return arn
    return f"{head}:role/{resource.rsplit('/', 1)[-1]}"


def association_matches(
    associated: str, kind: str, candidates: Sequence[str], account_id: str
) -> bool:
    """True when an association (``IAM`` ARN or ``IAM_PATTERN``) names one of ``candidates``."""
    if kind == "IAM_PATTERN":
        parts = associated.split(":", 5)
        if len(parts) == 6 and not parts[4]:
            parts[4] = account_id  # a pattern without account applies in the account using it
        pattern = ":".join(parts)
        return any(fnmatchcase(candidate, pattern) for candidate in candidates)
    return any(
        associated == candidate or _without_path(associated) == _without_path(candidate)
        for candidate in candidates
    )


@dataclass(frozen=True)
class Portfolio:
    """A portfolio usable by the caller's account, and the account that owns it."""

    row: ResourceRow
    owner: str
    imported: bool

    @property
    def id(self) -> str:
        return self.row.resource_id


def account_portfolios(records: CatalogRecords) -> list[Portfolio]:
    """Portfolios the account owns and portfolios shared with it that it accepted."""
    found = [Portfolio(r, records.account_id, False) for r in records.find(PORTFOLIO)]
    for share in records.shares_received(accepted=True):
        row = records.of(share.account_id).get(PORTFOLIO, str(share.parent_id))
        if row is not None:
            found.append(Portfolio(row, share.account_id, True))
    return found


def usable_portfolio(records: CatalogRecords, portfolio_id: str) -> Portfolio:
    """A portfolio the account owns or imported (for admin calls of either account)."""
    for portfolio in account_portfolios(records):
        if portfolio.id == portfolio_id:
            return portfolio
    raise not_found(f"Portfolio {portfolio_id} not found.")


def _associated(records: CatalogRecords, portfolio: Portfolio, candidates: Sequence[str]) -> bool:
    for row in records.find(PRINCIPAL, parent_id=portfolio.id):
        if association_matches(
            str(row.data["PrincipalARN"]),
            str(row.data["PrincipalType"]),
            candidates,
            records.account_id,
        ):
            return True
    if not portfolio.imported:
        return False
    share = records.of(portfolio.owner).get("share", f"{portfolio.id}|{records.account_id}")
    if share is None or not share.data.get("SharePrincipals"):
        return False
    for row in records.of(portfolio.owner).find(PRINCIPAL, parent_id=portfolio.id):
        if row.data["PrincipalType"] == "IAM_PATTERN" and association_matches(
            str(row.data["PrincipalARN"]), "IAM_PATTERN", candidates, records.account_id
        ):
            return True
    return False


def principal_portfolios(records: CatalogRecords, candidates: Sequence[str]) -> list[Portfolio]:
    """Portfolios whose products the principal with ARNs ``candidates`` may see and launch."""
    return [p for p in account_portfolios(records) if _associated(records, p, candidates)]


def products_of(records: CatalogRecords, portfolio: Portfolio) -> list[str]:
    """Product IDs of a portfolio (read in its owner's account)."""
    return records.of(portfolio.owner).products_of(portfolio.id)
