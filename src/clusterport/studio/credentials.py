"""How a Studio app gets its execution role's credentials: from the platform, as on SageMaker.

SageMaker hands a Studio app its execution role through a container-credentials
endpoint, which botocore finds in the app's environment and calls whenever it
needs fresh credentials::

    AWS_CONTAINER_CREDENTIALS_FULL_URI = <platform>/_credentials/studio/<domain id>/<profile>
    AWS_CONTAINER_AUTHORIZATION_TOKEN  = <a random token of this run of the app>

The launcher (``clusterport studio``) sets both for JupyterLab, its kernels,
terminals and lifecycle scripts, and registers the token's digest with the
platform; the platform assumes the role as ``sagemaker.amazonaws.com`` with the
profile as source identity and the domain and profile ARNs as transitive
session tags (:data:`DOMAIN_TAG`, :data:`PROFILE_TAG`), so a role chained from
it into another account still tells which Studio domain and profile it comes
from. No credential of the admin who started the app is ever placed where the
app can read it; stopping the app revokes its token.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__all__ = [
    "DOMAIN_TAG",
    "PROFILE_TAG",
    "CredentialError",
    "container_credentials_uri",
    "fetch_credentials",
    "session_name_for",
]

DOMAIN_TAG = "sagemaker:domain-arn"
PROFILE_TAG = "sagemaker:user-profile-arn"
#: Hosts botocore accepts in an ``http`` ``AWS_CONTAINER_CREDENTIALS_FULL_URI``.
_LOOPBACK_NAMES = frozenset({"localhost"})


class CredentialError(Exception):
    """The execution role's credentials cannot be delivered; the message says what to fix."""


def session_name_for(profile: str) -> str:
    """A ``RoleSessionName``/``SourceIdentity`` for a profile (STS wants 2 to 64 characters)."""
    name = profile if len(profile) >= 2 else f"{profile}-studio"
    return name[:64]


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def container_credentials_uri(endpoint_url: str, domain_id: str, profile: str) -> str:
    """The app's ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` on the platform at ``endpoint_url``.

    botocore calls a full URI over plain HTTP only on a loopback address; a
    platform reached over HTTP elsewhere is refused with the fix.
    """
    parsed = urllib.parse.urlsplit(endpoint_url)
    host = parsed.hostname or ""
    if parsed.scheme != "https" and not (parsed.scheme == "http" and _loopback(host)):
        raise CredentialError(
            f"The platform's URL {endpoint_url} cannot serve a Studio app's credentials: "
            "botocore calls a container-credentials endpoint over http only on a loopback "
            "address. Point --endpoint-url at http://127.0.0.1:<port> of the server on this "
            "host (or at its https URL)."
        )
    base = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, "", "", "")).rstrip("/")
    quoted = "/".join(urllib.parse.quote(part, safe="") for part in (domain_id, profile))
    return f"{base}/_credentials/studio/{quoted}"


def fetch_credentials(uri: str, token: str, timeout: float = 30.0) -> dict[str, Any]:
    """Call the container-credentials endpoint as botocore does; its JSON answer.

    Raises :class:`CredentialError` with the platform's reason when it refuses.
    """
    request = urllib.request.Request(uri, headers={"Authorization": token})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            message = str(json.loads(exc.read()).get("Message", ""))
        except ValueError:
            message = str(exc)
        raise CredentialError(message or str(exc)) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CredentialError(
            f"Cannot reach the platform's credentials endpoint {uri}: {exc}; check that the "
            "server runs."
        ) from exc
    if not isinstance(answer, dict) or not str(answer.get("AccessKeyId", "")).startswith("ASIA"):
        raise CredentialError(f"The credentials endpoint {uri} answered without credentials.")
    return answer
