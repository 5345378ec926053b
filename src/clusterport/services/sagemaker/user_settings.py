"""``UserSettings``: which lifecycle configurations they reference, and partial updates.

A domain's ``DefaultUserSettings`` and a profile's ``UserSettings`` name Studio
lifecycle configurations per app: ``<App>AppSettings.DefaultResourceSpec.LifecycleConfigArn``
(the one run when the app starts) and ``<App>AppSettings.LifecycleConfigArns`` (the
ones attached). Each must be of its app's type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: ``UserSettings`` member → the ``StudioLifecycleConfigAppType`` its configurations must have.
APP_TYPE_OF_SETTINGS: Mapping[str, str] = {
    "JupyterServerAppSettings": "JupyterServer",
    "JupyterLabAppSettings": "JupyterLab",
    "KernelGatewayAppSettings": "KernelGateway",
    "CodeEditorAppSettings": "CodeEditor",
}


@dataclass(frozen=True)
class LifecycleReference:
    """One lifecycle configuration ARN named in a settings document, and where."""

    settings: str
    field: str
    arn: str

    @property
    def app_type(self) -> str:
        return APP_TYPE_OF_SETTINGS[self.settings]


def lifecycle_references(user_settings: Mapping[str, Any] | None) -> Iterator[LifecycleReference]:
    """Every lifecycle configuration ARN a ``UserSettings`` document names."""
    for settings_name in APP_TYPE_OF_SETTINGS:
        app = (user_settings or {}).get(settings_name) or {}
        default = (app.get("DefaultResourceSpec") or {}).get("LifecycleConfigArn")
        if default:
            yield LifecycleReference(
                settings_name, "DefaultResourceSpec.LifecycleConfigArn", str(default)
            )
        for arn in app.get("LifecycleConfigArns") or []:
            yield LifecycleReference(settings_name, "LifecycleConfigArns", str(arn))


def merge_settings(
    current: Mapping[str, Any], update: Mapping[str, Any], depth: int = 2
) -> dict[str, Any]:
    """``current`` with ``update`` applied, as SageMaker's update operations do.

    Members given replace the current ones, except that an app's settings
    structure (``JupyterServerAppSettings`` …) is updated member by member: passing
    only its ``EmrSettings`` keeps its lifecycle configurations. Below that level
    (``DefaultResourceSpec``, ``EmrSettings``, lists such as ``LifecycleConfigArns``)
    a member is replaced whole, so ``LifecycleConfigArns=[]`` and a
    ``DefaultResourceSpec`` without ``LifecycleConfigArn`` detach configurations.
    """
    merged: dict[str, Any] = dict(current)
    for key, value in update.items():
        old = merged.get(key)
        if depth > 1 and isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = merge_settings(old, value, depth - 1)
        else:
            merged[key] = value
    return merged
