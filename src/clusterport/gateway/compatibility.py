"""docs/compatibility.md, generated from the providers the platform registers.

Every operation a provider implements is listed with the first paragraph of
its docstring; each service's section opens with its provider's docstring,
which says how the service differs from AWS; a section on the endpoint itself
(partitions, regions, unsigned and S3 requests, validation messages) comes from
the docstrings of :mod:`clusterport.regions`, :mod:`clusterport.gateway.routing`
and :mod:`clusterport.services.shapes`. Operations not listed answer
``UnknownOperationException`` / ``InvalidAction``. Run
``python -m clusterport.gateway.compatibility > docs/compatibility.md``.
"""

from __future__ import annotations

import inspect
import sys

import botocore
from botocore import xform_name

from clusterport import regions
from clusterport.gateway import routing
from clusterport.services import shapes
from clusterport.services.registry import PROVIDER_CLASSES, served_services
from clusterport.services.service_models import ServiceModels


def _note(method: object) -> str:
    doc = inspect.getdoc(method) or ""
    return " ".join(doc.split("\n\n", 1)[0].split()).replace("|", "\\|")


def _paragraphs(module: object) -> list[str]:
    doc = inspect.getdoc(module) or ""
    return [" ".join(p.split()) for p in doc.split("\n\n")]


def render(models: ServiceModels | None = None) -> str:
    """The compatibility document as Markdown."""
    models = models or ServiceModels(served_services())
    lines = [
        "# Compatibility",
        "",
        "Generated from the code's own registry by `python -m clusterport.gateway.compatibility`;",
        "a test keeps it in step with the code. Every request is SigV4-verified and authorized",
        "against its IAM action; parameters are validated against botocore's shapes.",
        f"The model counts are those of botocore {botocore.__version__}, the version",
        "`requirements.lock` pins.",
        "",
        "| service | protocols | IAM prefix | operations served | of the model's |",
        "|---|---|---|---|---|",
    ]
    sections: list[str] = ["", "## The endpoint", ""]
    for paragraph in _paragraphs(regions)[1:]:
        sections += [paragraph, ""]
    sections += ["| region | zones |", "|---|---|"]
    for region, zones in regions.REGION_ZONES.items():
        short = regions.short_code(region)
        listed = ", ".join(f"{region}{letter} ({short}-az{n})" for letter, n in zones)
        sections.append(f"| {region} | {listed} |")
    sections += ["", _paragraphs(routing)[-1], "", _paragraphs(shapes)[-1]]
    for cls in sorted(PROVIDER_CLASSES, key=lambda c: c.service):
        info = models.get(cls.service)
        served = [
            name
            for name in info.model.operation_names
            if inspect.iscoroutinefunction(getattr(cls, xform_name(name), None))
        ]
        lines.append(
            f"| {cls.service} | {', '.join(info.protocols)} | `{cls.iam_prefix}` | "
            f"{len(served)} | {len(info.model.operation_names)} |"
        )
        sections += ["", f"## {cls.service}", ""]
        about = inspect.getdoc(cls)
        if about and about != inspect.getdoc(cls.__mro__[1]):
            sections += [about, ""]
        sections += ["| operation | notes |", "|---|---|"]
        for name in served:
            sections.append(f"| `{name}` | {_note(getattr(cls, xform_name(name)))} |")
    return "\n".join(lines + sections) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
