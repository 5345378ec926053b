"""EMR configuration classifications and what they change on this platform.

A cluster's ``Configurations`` are kept as given and shown back by
``DescribeCluster``. These classifications take effect:

* ``spark-defaults``: Spark properties of every application of the cluster
  (the engine keeps the few it owns, such as ``spark.master``, to itself);
* ``spark-env`` → ``export``: environment variables of the Spark processes;
* ``livy-conf``: ``livy.server.session.timeout`` (``2h``, ``30m``, ``90s`` or
  milliseconds) sets the Livy endpoint's idle session timeout. Its
  ``livy.server.port`` is chosen by the platform (several clusters share a
  host); ``DescribeCluster`` reports the port the endpoint really listens on.

Other classifications are stored and have no effect here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from clusterport.errors import ValidationError

SPARK_DEFAULTS = "spark-defaults"
SPARK_ENV = "spark-env"
LIVY_CONF = "livy-conf"
LIVY_PORT = "livy.server.port"
LIVY_SESSION_TIMEOUT = "livy.server.session.timeout"
MAX_DEPTH = 3

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS: Mapping[str | None, float] = MappingProxyType(
    {
        None: 0.001,
        "ms": 0.001,
        "s": 1.0,
        "sec": 1.0,
        "m": 60.0,
        "min": 60.0,
        "h": 3600.0,
        "d": 86400.0,
    }
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def normalize(configs: Sequence[Mapping[str, Any]] | None, depth: int = 0) -> list[dict[str, Any]]:
    """Configurations as stored: ``Classification``, ``Properties``, nested ``Configurations``."""
    if depth >= MAX_DEPTH:
        raise ValidationError(
            f"Configurations nest at most {MAX_DEPTH} levels deep; flatten the classification."
        )
    out: list[dict[str, Any]] = []
    for config in configs or ():
        classification = config.get("Classification")
        if not classification:
            raise ValidationError(
                "Every configuration needs a Classification, e.g. spark-defaults."
            )
        entry: dict[str, Any] = {
            "Classification": str(classification),
            "Properties": {str(k): str(v) for k, v in (config.get("Properties") or {}).items()},
        }
        nested = config.get("Configurations")
        if nested:
            entry["Configurations"] = normalize(nested, depth + 1)
        out.append(entry)
    return out


def _properties(configs: Sequence[Mapping[str, Any]], classification: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for config in configs:
        if config.get("Classification") == classification:
            merged.update(config.get("Properties") or {})
    return merged


def spark_properties(configs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The Spark properties ``spark-defaults`` sets."""
    return _properties(configs, SPARK_DEFAULTS)


def spark_env(configs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The environment ``spark-env`` → ``export`` sets; names must be shell variable names."""
    env: dict[str, str] = {}
    for config in configs:
        if config.get("Classification") != SPARK_ENV:
            continue
        for nested in config.get("Configurations") or ():
            if nested.get("Classification") == "export":
                env.update(nested.get("Properties") or {})
    for name in env:
        if not _ENV_NAME.match(name):
            raise ValidationError(
                f"spark-env export '{name}' is not an environment variable name; use letters, "
                "digits and '_', not starting with a digit."
            )
    return env


def livy_properties(configs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The ``livy-conf`` properties."""
    return _properties(configs, LIVY_CONF)


def duration_seconds(text: str, what: str) -> float:
    """A Livy-style duration (``2h``, ``30m``, ``90s``, ``500ms``; a bare number is ms)."""
    match = _DURATION.match(text)
    if match is None:
        raise ValidationError(
            f"{what} '{text}' is not a duration; write it like 2h, 30m, 90s or 500ms."
        )
    unit = match.group(2).lower() if match.group(2) else None
    return float(match.group(1)) * _UNIT_SECONDS[unit]


def livy_session_timeout(configs: Sequence[Mapping[str, Any]]) -> float | None:
    """Seconds after which the Livy endpoint ends idle sessions, if ``livy-conf`` sets it."""
    value = livy_properties(configs).get(LIVY_SESSION_TIMEOUT)
    return None if value is None else duration_seconds(value, LIVY_SESSION_TIMEOUT)


def with_livy_port(configs: Sequence[Mapping[str, Any]], port: int) -> list[dict[str, Any]]:
    """``configs`` with ``livy-conf``'s ``livy.server.port`` set to the endpoint's real port."""
    out: list[dict[str, Any]] = []
    found = False
    for config in configs:
        entry = dict(config)
        if entry.get("Classification") == LIVY_CONF and not found:
            entry["Properties"] = {**(entry.get("Properties") or {}), LIVY_PORT: str(port)}
            found = True
        out.append(entry)
    if not found:
        out.append({"Classification": LIVY_CONF, "Properties": {LIVY_PORT: str(port)}})
    return out
