"""Where a running Studio app is recorded: the launcher's app file.

``clusterport studio`` (the launcher) runs one JupyterLab per user profile on
this host and records it in ``<data dir>/studio/<domain id>/apps/<profile>.json``
as ``{"url", "token", "pid", ...}``; it removes the file when it stops. The
platform reads the file to redirect a presigned login and to refuse deleting a
profile whose app still runs. The launcher keeps the same layout on its side
(it talks to the platform only through the AWS APIs, so it cannot import this).

Beside it, ``<profile>.credentials.json`` registers the app with the
container-credentials endpoint (``/_credentials/studio/<domain id>/<profile>``):
the launcher writes it before anything of the app runs (lifecycle scripts
included), with the SHA-256 digest of the app's credentials token
(``credentials_token_sha256``), the domain's account and region and its own
PID. A request is answered while the registration exists, its digest matches
and the launcher lives; the launcher removes it when the app stops, which
revokes the token. Both files live under the data dir (0700), which no
sandboxed app sees.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path


def domain_dir(data_dir: Path, domain_id: str) -> Path:
    """The domain's folder: its shared home file system and its app files."""
    return data_dir / "studio" / domain_id


def app_file(data_dir: Path, domain_id: str, profile: str) -> Path:
    return domain_dir(data_dir, domain_id) / "apps" / f"{profile}.json"


def credentials_registration(data_dir: Path, domain_id: str, profile: str) -> Path:
    return domain_dir(data_dir, domain_id) / "apps" / f"{profile}.credentials.json"


@dataclass(frozen=True)
class RunningApp:
    """A user's JupyterLab as its launcher recorded it."""

    url: str
    token: str
    pid: int

    def lab_url(self, path: str = "") -> str:
        """The URL that logs into the lab (``path`` is a folder or file to open)."""
        where = f"lab/tree/{path.strip('/')}" if path.strip("/") else "lab"
        return f"{self.url.rstrip('/')}/{where}?token={self.token}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_app(data_dir: Path, domain_id: str, profile: str) -> RunningApp | None:
    """The profile's app if its file exists, is well-formed and its process is alive."""
    try:
        data = json.loads(app_file(data_dir, domain_id, profile).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, token, pid = data.get("url"), data.get("token"), data.get("pid")
    if not isinstance(url, str) or not isinstance(token, str) or not isinstance(pid, int):
        return None
    if pid <= 0 or not _alive(pid):
        return None
    return RunningApp(url=url, token=token, pid=pid)


@dataclass(frozen=True)
class AppRegistration:
    """A Studio app as registered with the container-credentials endpoint."""

    account_id: str
    region: str
    domain_id: str
    profile: str
    token_sha256: str
    launcher_pid: int

    def accepts(self, token: str) -> bool:
        """True when ``token`` is this app's and the app still runs."""
        presented = hashlib.sha256(token.encode()).hexdigest()
        return hmac.compare_digest(presented, self.token_sha256) and _alive(self.launcher_pid)


def registration(data_dir: Path, domain_id: str, profile: str) -> AppRegistration | None:
    """The app registered for ``profile``, or None (none runs, or its record is damaged)."""
    if any(part in ("", ".", "..") or "/" in part for part in (domain_id, profile)):
        return None
    try:
        path = credentials_registration(data_dir, domain_id, profile)
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    digest, launcher = data.get("credentials_token_sha256"), data.get("launcher_pid")
    account, region = data.get("account_id"), data.get("region")
    if not (isinstance(digest, str) and isinstance(launcher, int) and launcher > 0):
        return None
    if not (isinstance(account, str) and isinstance(region, str)):
        return None
    return AppRegistration(account, region, domain_id, profile, digest, launcher)
