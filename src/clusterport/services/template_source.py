"""Where a template body comes from: inline text, a ``file://`` path, or a catalog artifact.

There is no S3 here, so ``TemplateURL`` takes:

* ``file:///absolute/path.yaml``: a file on the server, inside one of the
  template folders: ``<data dir>/templates`` and the folders listed in the
  ``CLUSTERPORT_TEMPLATE_ROOTS`` environment variable (separated like
  ``PATH``). Other paths are refused, so API callers cannot read arbitrary
  files of the server.
* the ``TemplateUrl`` Service Catalog shows for a provisioning artifact
  (``…/_catalog/templates/<product id>/<artifact id>``): the artifact's
  template, for callers that may see the product.

Anything else (``https://…s3…``) is refused with the way out: pass
``TemplateBody`` or a ``file://`` path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlparse

from clusterport.errors import ValidationError
from clusterport.services.base import RequestContext
from clusterport.templates import DEFAULT_MAX_BYTES, INLINE_BODY_MAX_BYTES

if TYPE_CHECKING:
    from clusterport.platform import Platform

TEMPLATE_ROOTS_ENV = "CLUSTERPORT_TEMPLATE_ROOTS"
CATALOG_URL_PATH = re.compile(r"/_catalog/templates/(prod-[a-z0-9]+)/(pa-[a-z0-9]+)$")


class CatalogTemplates(Protocol):
    """What Service Catalog offers CloudFormation: the template of an artifact by its URL."""

    def artifact_template(self, ctx: RequestContext, product_id: str, artifact_id: str) -> str:
        """The template body of the artifact, if ``ctx``'s caller may see the product."""
        ...


def catalog_template_url(platform: Platform, product_id: str, artifact_id: str) -> str:
    """The ``TemplateUrl`` under which CloudFormation finds an artifact's template."""
    base = platform.settings.public_url.rstrip("/") or "https://catalog.clusterport.invalid"
    return f"{base}/_catalog/templates/{product_id}/{artifact_id}"


def template_roots(platform: Platform) -> list[Path]:
    """The folders ``file://`` template URLs may point into."""
    roots = [platform.data_dir / "templates"]
    extra = os.environ.get(TEMPLATE_ROOTS_ENV, "")
    roots.extend(Path(part) for part in extra.split(os.pathsep) if part.strip())
    return [root.resolve() for root in roots]


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="ValidationError")


def read_file_url(platform: Platform, url: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of a ``file://`` template URL inside the template folders."""
    parsed = urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        raise _invalid(
            f"TemplateURL {url} names host '{parsed.netloc}'; write a local path as "
            "file:///absolute/path.yaml."
        )
    raw = unquote(parsed.path)
    if not raw.startswith("/"):
        raise _invalid(f"TemplateURL {url} must hold an absolute path (file:///path/to/file).")
    path = Path(raw).resolve()
    roots = template_roots(platform)
    if not any(path.is_relative_to(root) for root in roots):
        folders = ", ".join(str(r) for r in roots)
        raise _invalid(
            f"TemplateURL {url} is outside the template folders ({folders}). Copy the template "
            f"into one of them, add its folder to {TEMPLATE_ROOTS_ENV} on the server, or pass "
            "the template as TemplateBody."
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _invalid(f"TemplateURL {url}: no such file on the server.") from None
    except IsADirectoryError:
        raise _invalid(f"TemplateURL {url} is a folder; name the template file.") from None
    except OSError as error:
        raise _invalid(f"TemplateURL {url} cannot be read ({error.strerror}).") from None
    if len(data) > max_bytes:
        raise _invalid(
            f"Template may not exceed {max_bytes} bytes in size; {url} is larger. Split it "
            "into smaller stacks."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(f"TemplateURL {url} is not UTF-8 text.") from None


def read_template_url(ctx: RequestContext, url: str) -> str:
    """The template text a ``TemplateURL`` names (file or catalog artifact)."""
    if url.startswith("file:"):
        return read_file_url(ctx.platform, url)
    parsed = urlparse(url)
    found = CATALOG_URL_PATH.search(parsed.path)
    if found is not None and parsed.scheme in ("http", "https"):
        catalog = ctx.platform.providers.get("servicecatalog")
        reader = getattr(catalog, "artifact_template", None)
        if reader is not None:
            body: str = reader(ctx, found.group(1), found.group(2))
            return body
    raise _invalid(
        f"TemplateURL {url} cannot be read: this platform has no S3. Pass the template as "
        "TemplateBody, or as a file:// path to a file in the server's template folders."
    )


def template_text(
    ctx: RequestContext,
    body: str | None,
    url: str | None,
    *,
    required: bool = True,
) -> str | None:
    """The template of a request given as ``TemplateBody`` or ``TemplateURL`` (exactly one)."""
    if body is not None and url is not None:
        raise _invalid("Specify either TemplateBody or TemplateURL, not both.")
    if body is not None:
        if len(body.encode("utf-8", "surrogatepass")) > INLINE_BODY_MAX_BYTES:
            raise _invalid(
                f"1 validation error detected: Value 'templateBody' failed to satisfy "
                f"constraint: Member must have length less than or equal to "
                f"{INLINE_BODY_MAX_BYTES}. Pass larger templates with TemplateURL (file://)."
            )
        return body
    if url is not None:
        return read_template_url(ctx, url)
    if required:
        raise _invalid("Either Template URL or Template Body must be specified.")
    return None
