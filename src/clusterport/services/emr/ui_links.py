"""Presigned links to a cluster's Spark UIs, served by the gateway under ``/_ui/<handle>/``.

The handle is the path segment a cluster's Spark processes were started with
(its ``Engine.UiPrefix``, :func:`ui_prefix_of`): the cluster's id for a cluster
started cold, the opaque id of the warm pool member it was handed for one taken
from the pool. The gateway finds the cluster by the link's grant and lets it in
only under that cluster's own handle.

A link carries a token: the cluster (account, region, id) and an expiry,
signed with HMAC-SHA256 under a key file of the data dir
(:data:`KEY_FILE`, created 0600). The gateway's UI proxy accepts a link
token only for the cluster in its path and before its expiry, then trades
it for a cookie (scoped to ``/_ui/<cluster-id>/``, with its own, longer
expiry) so the UI's own links keep working.

Paths under the prefix: ``shs/…`` is the cluster's Spark History Server
(also after the cluster terminated, for persistent app UIs); anything else
is the standalone master's UI, which serves worker and application (driver)
UIs under ``proxy/<id>/``. Two paths name the cluster's own application (its
Spark Connect driver) without knowing its id, so a link made before the
application (re)started still lands on it: ``application/…`` (its live UI,
``jobs/`` by default) and ``history-application/…`` (its page on the history
server); the gateway resolves them when they are opened.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from clusterport.engines.base import HISTORY_UI_SUFFIX
from clusterport.engines.connect_proxy import load_or_create_key
from clusterport.services.emr.spec import ui_prefix_for

KEY_FILE = "emr-ui-links.key"
TOKEN_PARAM = "cp-ui-token"
COOKIE_NAME = "clusterport_ui"
LINK_LIFETIME = dt.timedelta(minutes=10)
COOKIE_LIFETIME = dt.timedelta(hours=8)
_PREFIX = "cpui1"


class UiLinkError(Exception):
    """A UI link or cookie was refused; the message says why and what to do."""


@dataclass(frozen=True)
class UiGrant:
    """Access to one cluster's UIs until ``expires_at``."""

    account_id: str
    region: str
    cluster_id: str
    expires_at: dt.datetime
    #: Who the link was issued to (ARN and principal id), for the audit trail.
    principal_arn: str = ""
    principal_id: str = ""

    def until(self, expires_at: dt.datetime) -> UiGrant:
        """The same grant with another expiry."""
        return replace(self, expires_at=expires_at)


def signing_key(data_dir: Path) -> bytes:
    """The data dir's UI link key (created on first use)."""
    return load_or_create_key(data_dir / KEY_FILE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> bytes:
    return hmac.new(key, f"{_PREFIX}.{payload}".encode("ascii"), hashlib.sha256).digest()


def sign(key: bytes, grant: UiGrant) -> str:
    """A token for ``grant``."""
    body: list[str | int] = [
        grant.account_id,
        grant.region,
        grant.cluster_id,
        int(grant.expires_at.timestamp()),
    ]
    if grant.principal_arn:
        body += [grant.principal_arn, grant.principal_id]
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{_PREFIX}.{payload}.{_b64(_mac(key, payload))}"


def genuine(key: bytes, token: str) -> UiGrant | None:
    """The grant ``token`` carries if the platform signed it (expired or not), else None."""
    try:
        return _genuine(key, token)
    except UiLinkError:
        return None


def _genuine(key: bytes, token: str) -> UiGrant:
    parts = token.split(".")
    forged = UiLinkError(
        "This Spark UI link is not valid; get a new one with GetOnClusterAppUIPresignedURL or "
        "GetPersistentAppUIPresignedURL."
    )
    if len(parts) != 3 or parts[0] != _PREFIX:
        raise forged
    try:
        given = _unb64(parts[2])
        body = json.loads(_unb64(parts[1]))
        account, region, cluster, expiry = body[:4]
        issued_to = [str(part) for part in body[4:6]] if len(body) == 6 else ["", ""]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise forged from exc
    if not hmac.compare_digest(given, _mac(key, parts[1])) or not isinstance(expiry, int):
        raise forged
    try:
        expires_at = dt.datetime.fromtimestamp(expiry, dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise forged from exc
    return UiGrant(str(account), str(region), str(cluster), expires_at, *issued_to)


def verify(key: bytes, token: str, cluster_id: str, now: dt.datetime) -> UiGrant:
    """The grant ``token`` carries, if it is genuine, for ``cluster_id`` and not expired."""
    grant = _genuine(key, token)
    if grant.cluster_id != cluster_id:
        raise UiLinkError(
            f"This Spark UI link is for another cluster, not {cluster_id}; get a link for "
            f"{cluster_id}."
        )
    if now >= grant.expires_at:
        raise UiLinkError(
            f"This Spark UI link expired at {grant.expires_at:%Y-%m-%dT%H:%M:%SZ}; get a new "
            "one with GetOnClusterAppUIPresignedURL or GetPersistentAppUIPresignedURL."
        )
    return grant


def ui_prefix_of(doc: Mapping[str, Any]) -> str:
    """The path a cluster's Spark UIs are served under (its handle's), from its document."""
    prefix = doc.get("Engine", {}).get("UiPrefix")
    return str(prefix) if prefix else ui_prefix_for(str(doc["Cluster"]["Id"]))


def presigned_url(
    public_url: str, grant: UiGrant, key: bytes, path: str = "", *, prefix: str | None = None
) -> str:
    """``<public url><prefix>/<path>?cp-ui-token=…`` for ``grant``.

    ``prefix`` is the cluster's UI prefix (:func:`ui_prefix_of`); by default its id's.
    """
    mount = prefix or ui_prefix_for(grant.cluster_id)
    base = f"{public_url.rstrip('/')}{mount}/{quote(path)}"
    return f"{base}?{urlencode({TOKEN_PARAM: sign(key, grant)})}"


def history_path(application_id: str | None = None) -> str:
    """The history server's page (of one application, when given), below the UI prefix."""
    base = HISTORY_UI_SUFFIX.strip("/") + "/"
    return f"{base}history/{application_id}/" if application_id else base


#: The cluster's running application (its Spark Connect driver), resolved by the gateway.
LIVE_APPLICATION = "application"
#: That application's page on the cluster's history server, resolved by the gateway.
HISTORY_APPLICATION = "history-application"
#: The page of an application a link lands on when it names none.
APPLICATION_LANDING = "jobs/"


def application_path(application_id: str | None = None) -> str:
    """An application's (driver's) UI through the master; by default the cluster's own one."""
    return f"proxy/{application_id}/" if application_id else f"{LIVE_APPLICATION}/"


def history_application_path() -> str:
    """The cluster's own application on its history server (see :data:`HISTORY_APPLICATION`)."""
    return f"{HISTORY_APPLICATION}/"


def application_alias(rest: str) -> tuple[str, str] | None:
    """``(alias, the page below it)`` when ``rest`` names the cluster's own application."""
    for alias in (LIVE_APPLICATION, HISTORY_APPLICATION):
        if rest == alias or rest.startswith(alias + "/"):
            return alias, rest[len(alias) :].lstrip("/")
    return None
