"""The Service Catalog API: portfolios, products and versions, access, constraints, launches.

Served over both protocols the model lists (smithy-rpc-v2-cbor, json); the
gateway handles that. Admin calls act on the caller's account's portfolios
and products; end-user calls (SearchProducts, DescribeProduct,
ListLaunchPaths, DescribeProvisioningParameters, ProvisionProduct) see only
products of portfolios associated with the caller (see :mod:`.access`).

The operations are split by area, each a class of its own module the provider
assembles: :mod:`.portfolios`, :mod:`.products`, :mod:`.constraints` and
:mod:`.provisioned_products`, on the shared :mod:`.catalog`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from clusterport.services.base import RequestContext, ResourceArns
from clusterport.services.servicecatalog import arns
from clusterport.services.servicecatalog.constraints import ConstraintOperations
from clusterport.services.servicecatalog.portfolios import PortfolioOperations
from clusterport.services.servicecatalog.products import ProductOperations
from clusterport.services.servicecatalog.provisioned_products import ProvisionedProductOperations


class ServiceCatalogProvider(
    PortfolioOperations, ProductOperations, ConstraintOperations, ProvisionedProductOperations
):
    """The Service Catalog API."""

    service = "servicecatalog"
    iam_prefix = "servicecatalog"
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = arns.RESOURCE_ARNS
    no_resource_operations: ClassVar[frozenset[str]] = arns.NO_RESOURCE_OPERATIONS

    def shared_resources(self, ctx: RequestContext, resources: Sequence[str]) -> frozenset[str]:
        return arns.shared(ctx, resources)
