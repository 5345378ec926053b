"""The EC2 instance types clusters may ask for, with the vCPUs and memory AWS gives them.

The local engine scales what a node offers down to the host (see
:mod:`clusterport.engines.host_budget`); the table here is what quotas and
managed scaling count, as on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from clusterport.errors import ValidationError


@dataclass(frozen=True)
class InstanceType:
    """One EC2 instance type: its name, vCPUs and memory (MiB)."""

    name: str
    vcpus: int
    memory_mib: int


def _gib(name: str, vcpus: int, gib: float) -> InstanceType:
    return InstanceType(name, vcpus, int(gib * 1024))


KNOWN_TYPES: Mapping[str, InstanceType] = MappingProxyType(
    {
        t.name: t
        for t in (
            _gib("m3.medium", 1, 3.75),
            _gib("m3.xlarge", 4, 15),
            _gib("m3.2xlarge", 8, 30),
            _gib("m4.large", 2, 8),
            _gib("m4.xlarge", 4, 16),
            _gib("m4.2xlarge", 8, 32),
            _gib("m4.4xlarge", 16, 64),
            _gib("m5.xlarge", 4, 16),
            _gib("m5.2xlarge", 8, 32),
            _gib("m5.4xlarge", 16, 64),
            _gib("m5.8xlarge", 32, 128),
            _gib("m5.12xlarge", 48, 192),
            _gib("m5.16xlarge", 64, 256),
            _gib("m5.24xlarge", 96, 384),
            _gib("m6g.xlarge", 4, 16),
            _gib("m6g.2xlarge", 8, 32),
            _gib("m6g.4xlarge", 16, 64),
            _gib("m6i.xlarge", 4, 16),
            _gib("m6i.2xlarge", 8, 32),
            _gib("m7g.xlarge", 4, 16),
            _gib("c5.xlarge", 4, 8),
            _gib("c5.2xlarge", 8, 16),
            _gib("c5.4xlarge", 16, 32),
            _gib("r5.xlarge", 4, 32),
            _gib("r5.2xlarge", 8, 64),
            _gib("r5.4xlarge", 16, 128),
            _gib("r6g.xlarge", 4, 32),
            _gib("r6g.2xlarge", 8, 64),
        )
    }
)


def instance_type(name: str) -> InstanceType:
    """The known type called ``name``; a ValidationException listing the known ones otherwise."""
    found = KNOWN_TYPES.get(name)
    if found is None:
        raise ValidationError(
            f"Instance type '{name}' is not supported. Use one of: {', '.join(KNOWN_TYPES)}."
        )
    return found


_NORMALIZATION: Mapping[str, float] = MappingProxyType(
    {
        "nano": 0.25,
        "micro": 0.5,
        "small": 1,
        "medium": 2,
        "large": 4,
        "xlarge": 8,
    }
)


def normalization_factor(name: str) -> float:
    """EMR's normalized instance hours per hour of ``name`` (``xlarge`` = 8, ``2xlarge`` = 16 …)."""
    size = name.rpartition(".")[2]
    if size in _NORMALIZATION:
        return _NORMALIZATION[size]
    multiple = size.removesuffix("xlarge")
    return 8 * int(multiple) if multiple.isdigit() else 8
