"""Service Catalog's rows in the store, its identifiers and its errors.

Everything is a row of the resource table (service ``servicecatalog``),
keyed by the account that owns it and the region:

==================== ===================================== ====================
kind                 resource ID                           parent
==================== ===================================== ====================
portfolio            ``port-…``
product              ``prod-…``
artifact             ``pa-…``                              product
portfolio-product    ``<portfolio>/<product>``             portfolio
principal            ``<portfolio>|<principal ARN>``       portfolio
share                ``<portfolio>|<recipient account>``   portfolio
constraint           ``cons-…``                            portfolio
provisioned-product  ``pp-…``
record               ``rec-…``                             provisioned product
==================== ===================================== ====================

A principal association belongs to the account that made it: the
portfolio's owner, or an account that imported the portfolio and grants its
own principals access. A share belongs to the owner and names the recipient
(its row name), so the recipient finds it without knowing the owner.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, overload

from sqlalchemy.orm import Session

from clusterport.errors import ConflictError, NotFoundError, ServiceError, ValidationError
from clusterport.services.base import RequestContext, random_id
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.store.resources import ResourceRow, ScopedResources

SERVICE: Final = "servicecatalog"
PORTFOLIO: Final = "portfolio"
PRODUCT: Final = "product"
ARTIFACT: Final = "artifact"
PORTFOLIO_PRODUCT: Final = "portfolio-product"
PRINCIPAL: Final = "principal"
SHARE: Final = "share"
CONSTRAINT: Final = "constraint"
PROVISIONED: Final = "provisioned-product"
RECORD: Final = "record"

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str) -> str:
    """A Service Catalog identifier: ``port-abcdefgh12345`` …"""
    return f"{prefix}-{random_id(13, _ID_ALPHABET)}"


def launch_path_id(portfolio_id: str) -> str:
    """The launch path through a portfolio (one per portfolio)."""
    return "lpv3-" + portfolio_id.split("-", 1)[-1]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


@overload
def when(text: str) -> dt.datetime: ...
@overload
def when(text: None) -> None: ...
def when(text: str | None) -> dt.datetime | None:
    """A stored ISO 8601 time as a datetime (``None`` stays ``None``)."""
    return dt.datetime.fromisoformat(text) if text else None


# ---------------------------------------------------------------------------- errors


def invalid(message: str) -> ValidationError:
    """Service Catalog's InvalidParametersException."""
    return ValidationError(message, code="InvalidParametersException")


def not_found(message: str) -> NotFoundError:
    """Service Catalog's ResourceNotFoundException."""
    return NotFoundError(message, code="ResourceNotFoundException")


def duplicate(message: str) -> ConflictError:
    """Service Catalog's DuplicateResourceException."""
    return ConflictError(message, code="DuplicateResourceException")


def in_use(message: str) -> ConflictError:
    """Service Catalog's ResourceInUseException."""
    return ConflictError(message, code="ResourceInUseException")


def unsupported(message: str) -> ServiceError:
    """Service Catalog's OperationNotSupportedException."""
    return ServiceError(
        message, code="OperationNotSupportedException", status=400, sender_fault=True
    )


# ---------------------------------------------------------------------------- rows


class CatalogRecords(ScopedResources):
    """The catalog rows of one account and region, within one store session."""

    def __init__(self, session: Session, account_id: str, region: str) -> None:
        super().__init__(session, SERVICE, account_id, region)

    def of(self, account_id: str) -> CatalogRecords:
        """The rows of another account (same region, same session)."""
        return CatalogRecords(self.session, account_id, self.region)

    def find_anywhere(self, kind: str, *, name: str | None = None) -> list[ResourceRow]:
        """Rows of ``kind`` of every account in this region (shares by recipient …)."""
        return self.store.find(kind, region=self.region, name=name)

    # ---- typed lookups ----------------------------------------------------------------

    def portfolio(self, portfolio_id: str) -> ResourceRow:
        """A portfolio this account owns."""
        row = self.get(PORTFOLIO, portfolio_id)
        if row is None:
            raise not_found(f"Portfolio {portfolio_id} not found in account {self.account_id}.")
        return row

    def product(self, product_id: str) -> ResourceRow:
        """A product this account owns."""
        row = self.get(PRODUCT, product_id)
        if row is None:
            raise not_found(f"Product {product_id} not found in account {self.account_id}.")
        return row

    def artifacts(self, product_id: str) -> list[ResourceRow]:
        """A product's provisioning artifacts, oldest first."""
        return self.find(ARTIFACT, parent_id=product_id)

    def products_of(self, portfolio_id: str) -> list[str]:
        """IDs of the products associated with a portfolio."""
        return [str(r.name) for r in self.find(PORTFOLIO_PRODUCT, parent_id=portfolio_id)]

    def portfolios_of(self, product_id: str) -> list[str]:
        """IDs of the portfolios (of this account) a product is associated with."""
        return [str(r.parent_id) for r in self.find(PORTFOLIO_PRODUCT) if r.name == product_id]

    def constraints(self, portfolio_id: str, product_id: str | None = None) -> list[ResourceRow]:
        rows = self.find(CONSTRAINT, parent_id=portfolio_id)
        return [r for r in rows if product_id is None or r.data["ProductId"] == product_id]

    def shares_received(self, *, accepted: bool | None = None) -> list[ResourceRow]:
        """Shares other accounts made to this account."""
        rows = self.find_anywhere(SHARE, name=self.account_id)
        return [r for r in rows if accepted is None or bool(r.data.get("Accepted")) == accepted]


@contextmanager
def records_of(ctx: RequestContext) -> Iterator[CatalogRecords]:
    """The caller's catalog rows within a session committed on success."""
    with ctx.platform.db.session() as session:
        yield CatalogRecords(session, ctx.account_id, ctx.region)


def tag_list(tags: Sequence[Any] | None) -> list[shapes.TagOut]:
    """Tags checked (keys unique, later ones winning) as ``[{"Key", "Value"}]``."""
    merged: dict[str, str] = {}
    for tag in tags or ():
        key = str(tag.get("Key") or "")
        if not key:
            raise invalid("Every tag needs a Key of 1 to 128 characters.")
        if key.lower().startswith("aws:"):
            raise invalid(f"Tag key '{key}' starts with 'aws:', which is reserved; choose another.")
        merged[key] = str(tag.get("Value") or "")
    return [{"Key": k, "Value": v} for k, v in merged.items()]
