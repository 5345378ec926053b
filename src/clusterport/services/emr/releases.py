"""Release labels and applications: what a cluster of any EMR release runs here.

Every release label runs the same software on this platform: Apache Spark
4.3.0 (pyspark's distribution), its Hadoop 3.5.0 client libraries, and a
Livy-compatible REST endpoint. ``ListReleaseLabels`` and
``DescribeReleaseLabel`` say exactly that, whatever the label asks for, so a
template written for ``emr-6.4.0`` runs (on Spark 4.3.0) instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from clusterport.errors import ValidationError
from clusterport.services.emr import shapes_generated as shapes

SPARK_VERSION = "4.3.0"
HADOOP_VERSION = "3.5.0"
LIVY_VERSION = "0.8.0"

#: Application name (as EMR spells it) → the version every release runs here.
SUPPORTED_APPLICATIONS: Mapping[str, str] = MappingProxyType(
    {
        "Hadoop": HADOOP_VERSION,
        "Livy": LIVY_VERSION,
        "Spark": SPARK_VERSION,
    }
)

LABEL_PATTERN = re.compile(r"^emr-(5|6|7)\.\d{1,2}\.\d{1,2}$")


def _labels() -> tuple[str, ...]:
    newest_first: list[str] = [f"emr-7.{minor}.0" for minor in range(10, -1, -1)]
    newest_first += [f"emr-6.{minor}.0" for minor in range(15, -1, -1)]
    newest_first += ["emr-5.36.2", "emr-5.36.1", "emr-5.36.0", "emr-5.35.0", "emr-5.34.0"]
    newest_first += ["emr-5.33.1", "emr-5.33.0", "emr-5.32.1", "emr-5.32.0"]
    newest_first += ["emr-5.31.1", "emr-5.31.0", "emr-5.30.2", "emr-5.30.1", "emr-5.30.0"]
    return tuple(newest_first)


#: The labels ``ListReleaseLabels`` names, newest first.
RELEASE_LABELS: tuple[str, ...] = _labels()
DEFAULT_RELEASE_LABEL = RELEASE_LABELS[0]


def check_release_label(label: str | None, ami_version: str | None = None) -> str:
    """The release label a cluster runs under; ValidationException for malformed ones."""
    if ami_version:
        raise ValidationError(
            "AmiVersion (EMR 2.x/3.x) is not supported; give a ReleaseLabel such as "
            f"'{DEFAULT_RELEASE_LABEL}' instead."
        )
    if not label:
        return DEFAULT_RELEASE_LABEL
    if not LABEL_PATTERN.match(label):
        raise ValidationError(
            f"The release label '{label}' is not valid; use one of ListReleaseLabels, "
            f"e.g. '{DEFAULT_RELEASE_LABEL}'."
        )
    return label


@dataclass(frozen=True)
class Application:
    """An application a cluster runs: its EMR name and the version running here."""

    name: str
    version: str

    def to_api(self) -> dict[str, Any]:
        """The ``Application`` shape of DescribeCluster."""
        return {"Name": self.name, "Version": self.version}


def resolve_applications(requested: Sequence[Mapping[str, Any]]) -> list[Application]:
    """The applications a cluster runs: Spark always, plus Hadoop and Livy when asked.

    Names are matched case-insensitively (as EMR does); any other application is
    refused with a ValidationException naming the supported ones.
    """
    by_lower = {name.lower(): name for name in SUPPORTED_APPLICATIONS}
    chosen: dict[str, Application] = {}
    for app in requested:
        raw = str(app.get("Name") or "")
        name = by_lower.get(raw.lower())
        if name is None:
            raise ValidationError(
                f"Application '{raw}' is not supported on this platform; supported "
                f"applications are {', '.join(sorted(SUPPORTED_APPLICATIONS))}."
            )
        chosen[name] = Application(name, SUPPORTED_APPLICATIONS[name])
    chosen.setdefault("Spark", Application("Spark", SPARK_VERSION))
    return [chosen[name] for name in sorted(chosen)]


def release_applications() -> list[shapes.SimplifiedApplication]:
    """``DescribeReleaseLabel``'s Applications: the same for every label."""
    return [{"Name": name.lower(), "Version": v} for name, v in SUPPORTED_APPLICATIONS.items()]


def application_filter_matches(text: str) -> bool:
    """Whether ``ListReleaseLabels``' ``Application`` filter (``spark@4.3.0``) is met."""
    name, _, version = text.partition("@")
    supported = {n.lower(): v for n, v in SUPPORTED_APPLICATIONS.items()}
    found = supported.get(name.strip().lower())
    return found is not None and (not version or version.strip() == found)
