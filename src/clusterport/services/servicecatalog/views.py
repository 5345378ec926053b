"""How the API shows portfolios, products, artifacts, constraints and records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog.records import when


def portfolio_detail(data: Mapping[str, Any]) -> shapes.PortfolioDetail:
    """PortfolioDetail."""
    detail: shapes.PortfolioDetail = {
        "Id": data["Id"],
        "ARN": data["ARN"],
        "DisplayName": data["DisplayName"],
        "CreatedTime": when(data["CreatedTime"]),
        "ProviderName": data["ProviderName"],
    }
    if data.get("Description") is not None:
        detail["Description"] = data["Description"]
    return detail


def product_summary(
    data: Mapping[str, Any], *, has_default_path: bool = False
) -> shapes.ProductViewSummary:
    """ProductViewSummary."""
    summary: dict[str, Any] = {
        "Id": data["ViewId"],
        "ProductId": data["Id"],
        "Name": data["Name"],
        "Owner": data["Owner"],
        "Type": data["Type"],
        "HasDefaultPath": has_default_path,
    }
    for key in (
        "ShortDescription",
        "Distributor",
        "SupportDescription",
        "SupportEmail",
        "SupportUrl",
    ):
        if data.get(key) is not None:
            summary[key] = data[key]
    return cast(shapes.ProductViewSummary, summary)


def product_detail(data: Mapping[str, Any]) -> shapes.ProductViewDetail:
    """ProductViewDetail."""
    return {
        "ProductViewSummary": product_summary(data),
        "Status": "AVAILABLE",
        "ProductARN": data["ProductARN"],
        "CreatedTime": when(data["CreatedTime"]),
    }


def artifact_detail(data: Mapping[str, Any]) -> shapes.ProvisioningArtifactDetail:
    """ProvisioningArtifactDetail."""
    detail: shapes.ProvisioningArtifactDetail = {
        "Id": data["Id"],
        "Name": data.get("Name") or "",
        "Type": data["Type"],
        "CreatedTime": when(data["CreatedTime"]),
        "Active": bool(data.get("Active", True)),
        "Guidance": data.get("Guidance", "DEFAULT"),
    }
    if data.get("Description") is not None:
        detail["Description"] = data["Description"]
    return detail


def artifact_summary(data: Mapping[str, Any]) -> shapes.ProvisioningArtifactSummary:
    """ProvisioningArtifact (DescribeProduct) / ProvisioningArtifactSummary."""
    summary: shapes.ProvisioningArtifactSummary = {
        "Id": data["Id"],
        "Name": data.get("Name") or "",
        "CreatedTime": when(data["CreatedTime"]),
    }
    if data.get("Description") is not None:
        summary["Description"] = data["Description"]
    return summary


def constraint_detail(data: Mapping[str, Any]) -> shapes.ConstraintDetail:
    """ConstraintDetail."""
    detail: shapes.ConstraintDetail = {
        "ConstraintId": data["ConstraintId"],
        "Type": data["Type"],
        "Owner": data["Owner"],
        "ProductId": data["ProductId"],
        "PortfolioId": data["PortfolioId"],
    }
    if data.get("Description") is not None:
        detail["Description"] = data["Description"]
    return detail


def constraint_summary(data: Mapping[str, Any]) -> shapes.ConstraintSummary:
    """ConstraintSummary."""
    summary: shapes.ConstraintSummary = {"Type": data["Type"]}
    if data.get("Description") is not None:
        summary["Description"] = data["Description"]
    return summary


def record_detail(data: Mapping[str, Any]) -> shapes.RecordDetail:
    """RecordDetail."""
    detail: dict[str, Any] = {
        key: data[key]
        for key in (
            "RecordId",
            "ProvisionedProductName",
            "Status",
            "ProvisionedProductType",
            "RecordType",
            "ProvisionedProductId",
            "ProductId",
            "ProvisioningArtifactId",
            "PathId",
            "LaunchRoleArn",
        )
        if data.get(key) is not None
    }
    detail["CreatedTime"] = when(data["CreatedTime"])
    detail["UpdatedTime"] = when(data.get("UpdatedTime") or data["CreatedTime"])
    detail["RecordErrors"] = list(data.get("RecordErrors") or ())
    detail["RecordTags"] = list(data.get("RecordTags") or ())
    return cast(shapes.RecordDetail, detail)


_PRODUCT_FIELDS = (
    "Name",
    "Arn",
    "Type",
    "Id",
    "Status",
    "StatusMessage",
    "IdempotencyToken",
    "LastRecordId",
    "LastProvisioningRecordId",
    "LastSuccessfulProvisioningRecordId",
    "ProductId",
    "ProvisioningArtifactId",
)


def provisioned_detail(data: Mapping[str, Any]) -> shapes.ProvisionedProductDetail:
    """ProvisionedProductDetail."""
    detail = {k: data[k] for k in _PRODUCT_FIELDS if data.get(k) is not None}
    detail["CreatedTime"] = when(data["CreatedTime"])
    if data.get("LaunchRoleArn"):
        detail["LaunchRoleArn"] = data["LaunchRoleArn"]
    return cast(shapes.ProvisionedProductDetail, detail)


def provisioned_attribute(data: Mapping[str, Any]) -> shapes.ProvisionedProductAttribute:
    """ProvisionedProductAttribute (SearchProvisionedProducts)."""
    attribute = {k: data[k] for k in _PRODUCT_FIELDS if data.get(k) is not None}
    attribute["CreatedTime"] = when(data["CreatedTime"])
    for key in (
        "PhysicalId",
        "ProductName",
        "ProvisioningArtifactName",
        "UserArn",
        "UserArnSession",
    ):
        if data.get(key) is not None:
            attribute[key] = data[key]
    attribute["Tags"] = list(data.get("Tags") or ())
    return cast(shapes.ProvisionedProductAttribute, attribute)
