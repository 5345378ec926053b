"""What CloudFormation offers the services that provision through it (Service Catalog).

Service Catalog launches a product as a stack through CloudFormation's API
(:class:`~clusterport.services.calls.ServiceCaller`), as on AWS, and never
imports CloudFormation's code. To follow the stack it reads the stack's
document through :class:`StackReader`, which CloudFormation's provider
implements, and checks a product's template against the resource types the
reader's stacks can create.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from clusterport.platform import Platform


@runtime_checkable
class StackReader(Protocol):
    """What a service provisioning through CloudFormation may read of its stacks."""

    @property
    def supported_types(self) -> frozenset[str]:
        """Every resource type a template may declare here."""
        ...

    def stack_document(self, account_id: str, region: str, stack_id: str) -> dict[str, Any] | None:
        """A stack's whole document (deleted stacks too), for the platform's own use."""
        ...


def stack_reader(platform: Platform) -> StackReader:
    """The platform's CloudFormation, as a reader of stacks."""
    provider = platform.providers["cloudformation"]
    assert isinstance(provider, StackReader)
    return provider
