"""The Jupyter server extension: mounts the Clusters panel's API on the server.

Enabled with ``{"ServerApp": {"jpserver_extensions": {"clusterport.studio.extension": true}}}``
(``build_labextension`` writes that file). Settings, from any Jupyter config::

    c.ClusterportStudio.home = "/home/user"                  # where the role file is read
    c.ClusterportStudio.assumable_role_arns = ["arn:aws:iam::222222222222:role/..."]
    c.ClusterportStudio.execution_role_arns = [...]          # EmrSettings of the user profile

The role file is read once, here, when the server starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from traitlets import List, Unicode
from traitlets.config import Configurable

from clusterport.studio.handlers import MANAGER_SETTING, handlers
from clusterport.studio.manager import ClustersManager

__all__ = [
    "ClusterportStudio",
    "_jupyter_server_extension_points",
    "_load_jupyter_server_extension",
]


class ClusterportStudio(Configurable):
    """Settings of the Clusters panel's server side."""

    home = Unicode("", help="Home folder holding the cross-account role file (default: ~).").tag(
        config=True
    )
    assumable_role_arns = List(
        Unicode(), help="EmrSettings.AssumableRoleArns of the user profile / domain."
    ).tag(config=True)
    execution_role_arns = List(
        Unicode(), help="EmrSettings.ExecutionRoleArns of the user profile / domain."
    ).tag(config=True)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "clusterport.studio.extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = ClusterportStudio(config=serverapp.config)
    home = Path(settings.home).expanduser() if settings.home else Path.home()
    manager = ClustersManager(
        boto3.session.Session,
        home,
        emr_settings={
            "AssumableRoleArns": list(settings.assumable_role_arns),
            "ExecutionRoleArns": list(settings.execution_role_arns),
        },
    )
    web_app = serverapp.web_app
    web_app.settings[MANAGER_SETTING] = manager
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    roles = manager.configuration.assumable_roles
    serverapp.log.info(
        "clusterport studio: Clusters API at /clusterport/ (cross-account roles for %s)",
        ", ".join(sorted(roles)) or "no other account",
    )
    for error in manager.configuration.errors:
        serverapp.log.warning("clusterport studio configuration: %s", error)
