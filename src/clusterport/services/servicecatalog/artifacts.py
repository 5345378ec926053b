"""Provisioning artifacts: where a product version's template comes from, and its checks.

``ProvisioningArtifactParameters.Info`` takes, as there is no S3 here:

* ``LoadTemplateFromURL``: a ``file://`` path in the server's template folders
  (see :mod:`clusterport.services.template_source`);
* ``TemplateBody`` (a clusterport extension): the template text itself.

Unless ``DisableTemplateValidation`` is set, the template must parse and use
only resource types the platform runs, so a product can always be launched.
The template is kept with the artifact: later changes to the file do not
change a published version, as on AWS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from clusterport.errors import ValidationError
from clusterport.services.base import RequestContext
from clusterport.services.servicecatalog import shapes_generated as shapes
from clusterport.services.servicecatalog.records import invalid, iso
from clusterport.services.template_source import read_template_url
from clusterport.templates import (
    DEFAULT_MAX_BYTES,
    Template,
    TemplateError,
    check_supported_types,
    describe_parameters,
    load_template,
)

TEMPLATE_BODY_KEY = "TemplateBody"
URL_KEY = "LoadTemplateFromURL"


def artifact_body(ctx: RequestContext, info: Mapping[str, str] | None) -> tuple[str, str | None]:
    """The template text of a new artifact, and the URL it was read from (if any)."""
    info = dict(info or {})
    if "ImportFromPhysicalId" in info:
        raise invalid(
            "ImportFromPhysicalId is not supported here; pass the template as "
            f"{URL_KEY} (a file:// path) or {TEMPLATE_BODY_KEY}."
        )
    url, body = info.get(URL_KEY), info.get(TEMPLATE_BODY_KEY)
    if url and body:
        raise invalid(f"Give the template as {URL_KEY} or {TEMPLATE_BODY_KEY}, not both.")
    if url:
        try:
            return read_template_url(ctx, url), url
        except ValidationError as error:
            raise invalid(error.message) from None
    if body:
        if len(body.encode("utf-8", "surrogatepass")) > DEFAULT_MAX_BYTES:
            raise invalid(
                f"The template may not exceed {DEFAULT_MAX_BYTES} bytes; split the product."
            )
        return body, None
    raise invalid(
        f"ProvisioningArtifactParameters.Info needs {URL_KEY} (a file:// path in the server's "
        f"template folders; there is no S3 here) or {TEMPLATE_BODY_KEY} (the template text)."
    )


def checked_template(body: str, supported_types: frozenset[str]) -> Template:
    """The template, refused unless it parses and uses only ``supported_types``."""
    try:
        template = load_template(body)
        check_supported_types(template, supported_types)
    except TemplateError as error:
        raise invalid(f"The template is not valid: {error.message}") from None
    return template


def new_artifact(
    artifact_id: str,
    properties: Mapping[str, Any],
    body: str,
    source_url: str | None,
    now: dt.datetime,
    supported_types: frozenset[str],
) -> dict[str, Any]:
    """The stored document of a provisioning artifact."""
    kind = properties.get("Type") or "CLOUD_FORMATION_TEMPLATE"
    if kind != "CLOUD_FORMATION_TEMPLATE":
        raise invalid(
            f"Provisioning artifact type {kind} is not supported here; use "
            "CLOUD_FORMATION_TEMPLATE."
        )
    if not properties.get("DisableTemplateValidation"):
        checked_template(body, supported_types)
    return {
        "Id": artifact_id,
        "Name": properties.get("Name") or "",
        "Description": properties.get("Description"),
        "Type": kind,
        "CreatedTime": iso(now),
        "Active": True,
        "Guidance": "DEFAULT",
        "TemplateBody": body,
        "SourceUrl": source_url,
    }


def describe_template_parameters(template: Template) -> list[shapes.ProvisioningArtifactParameter]:
    """The template's parameters as Service Catalog and form builders show them."""
    shown: list[shapes.ProvisioningArtifactParameter] = []
    for info in describe_parameters(template):
        entry: shapes.ProvisioningArtifactParameter = {
            "ParameterKey": info.key,
            "ParameterType": info.type,
            "IsNoEcho": info.no_echo,
            "ParameterConstraints": cast(shapes.ParameterConstraints, dict(info.constraints)),
        }
        if info.default is not None:
            entry["DefaultValue"] = info.default
        if info.description is not None:
            entry["Description"] = info.description
        shown.append(entry)
    return shown
