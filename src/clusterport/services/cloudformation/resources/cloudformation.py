"""CloudFormation's own resource types that need no other service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from clusterport.services.cloudformation.resources.base import (
    ResourceApi,
    ResourceHandler,
    ResourceRequest,
)


class WaitConditionHandle(ResourceHandler):
    """``AWS::CloudFormation::WaitConditionHandle``: a placeholder whose Ref is a signal URL.

    Templates use it as a resource that creates nothing (for example as the only
    resource when every other one is switched off by a condition). Nothing
    listens at the URL on this platform.
    """

    type_name = "AWS::CloudFormation::WaitConditionHandle"
    updatable: ClassVar[frozenset[str]] = frozenset()

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        base = api.caller.platform.settings.public_url.rstrip("/")
        return f"{base}/_cloudformation/wait-condition/{uuid.uuid4()}"

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        return None
