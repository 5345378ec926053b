"""The one registry of resource types stacks can create on this platform.

ValidateTemplate's refusal of other types, CreateStack and the documentation
all read :data:`RESOURCE_HANDLERS`; adding a type means adding its handler
module's ``HANDLERS`` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from clusterport.services.cloudformation.resources import cloudformation, ec2, emr, iam
from clusterport.services.cloudformation.resources.base import ResourceHandler

_ALL: tuple[type[ResourceHandler], ...] = (
    *emr.HANDLERS,
    *ec2.HANDLERS,
    *iam.HANDLERS,
    cloudformation.WaitConditionHandle,
)

RESOURCE_HANDLERS: Final[Mapping[str, type[ResourceHandler]]] = MappingProxyType(
    {handler.type_name: handler for handler in _ALL}
)

#: Every resource type a template may declare here.
SUPPORTED_TYPES: Final = frozenset(RESOURCE_HANDLERS)


def handler_for(resource_type: str) -> ResourceHandler:
    """A handler of ``resource_type`` (KeyError for unsupported types)."""
    return RESOURCE_HANDLERS[resource_type]()
