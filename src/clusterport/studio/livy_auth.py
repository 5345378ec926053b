"""Signing sparkmagic's Livy requests for a clusterport endpoint.

On AWS, sparkmagic talks to Livy on the cluster's primary node in plain HTTP
and the VPC decides who gets there. clusterport serves a cluster's Livy at
``<endpoint>/_livy/<cluster-id>`` and, in place of the VPC, checks each
request's caller and network path, so the requests are signed like any AWS
call (Signature Version 4, service ``elasticmapreduce``), with the same
credentials the connect magic used for EMR. :class:`SigV4Livy` is the
``auth`` sparkmagic hands to ``requests``; it signs every request at send
time, so refreshed credentials are picked up.
"""

from __future__ import annotations

from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

__all__ = ["LIVY_PATH", "SIGNING_NAME", "SigV4Livy", "platform_livy_url"]

#: The service name the requests are signed for.
SIGNING_NAME = "elasticmapreduce"
#: The path of a cluster's Livy endpoint under a clusterport endpoint.
LIVY_PATH = "/_livy/{cluster_id}"
#: Headers signed besides ``host`` and ``x-amz-date`` (what requests sends for a body).
_SIGNED = ("content-type",)
_COPIED = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")


def platform_livy_url(endpoint_url: str, cluster_id: str) -> str:
    """The Livy base URL of ``cluster_id`` under the clusterport endpoint ``endpoint_url``."""
    return endpoint_url.rstrip("/") + LIVY_PATH.format(cluster_id=cluster_id)


class SigV4Livy:
    """A ``requests`` auth that signs with SigV4 (sparkmagic's ``Endpoint.auth``)."""

    def __init__(self, credentials: Credentials, region: str, url: str) -> None:
        self._credentials = credentials
        self._region = region
        #: sparkmagic compares endpoints by URL and auth; two auths for one URL are one.
        self.url = url

    def __call__(self, request: Any) -> Any:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k: v for k, v in request.headers.items() if k.lower() in _SIGNED}
        signed = AWSRequest(method=request.method, url=request.url, data=body, headers=headers)
        SigV4Auth(self._credentials, SIGNING_NAME, self._region).add_auth(signed)
        for name in _COPIED:
            if name in signed.headers:
                request.headers[name] = signed.headers[name]
        return request

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigV4Livy) and other.url == self.url

    def __hash__(self) -> int:
        return hash((self.url, type(self).__name__))
