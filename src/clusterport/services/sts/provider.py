"""STS: who am I, and temporary credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from clusterport.services.base import Provider, RequestContext


class StsProvider(Provider):
    """The STS API."""

    service = "sts"
    iam_prefix = "sts"
    global_service = True
    unauthorized_operations: ClassVar[frozenset[str]] = frozenset({"GetCallerIdentity"})

    async def get_caller_identity(
        self, ctx: RequestContext, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        principal = ctx.principal
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}
