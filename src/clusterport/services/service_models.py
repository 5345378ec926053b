"""botocore's service models: the single source of truth for operations and shapes.

:class:`ServiceModels` loads the models of the services it is given (the served ones are
the providers' of :mod:`clusterport.services.registry`),
merges the patch files in ``model_patches/`` (operations the installed
botocore lacks; a patch never replaces an operation botocore has), and finds
a service by the keys requests carry: the JSON ``X-Amz-Target`` prefix, the
RPCv2 path's service name and the SigV4 credential scope's signing name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


@dataclass(frozen=True)
class ServiceInfo:
    """One served service: its botocore model and how requests address it."""

    name: str
    model: ServiceModel
    protocols: tuple[str, ...]
    signing_name: str
    target_prefix: str | None

    @property
    def api_version(self) -> str:
        return str(self.model.metadata["apiVersion"])

    @property
    def xml_namespace(self) -> str:
        ns = self.model.metadata.get("xmlNamespace")
        if isinstance(ns, str) and ns:
            return ns
        if self.name == "ec2":
            return f"http://ec2.amazonaws.com/doc/{self.api_version}/"
        return f"https://{self.name}.amazonaws.com/doc/{self.api_version}/"

    def operation(self, name: str) -> OperationModel | None:
        if name not in self.model.operation_names:
            return None
        return self.model.operation_model(name)


def _merge_patch(raw: dict[str, Any], patch: dict[str, Any]) -> None:
    for name, op in patch.get("operations", {}).items():
        raw["operations"].setdefault(name, op)
    for name, shape in patch.get("shapes", {}).items():
        raw["shapes"].setdefault(name, shape)


def _load_patches(service: str) -> list[dict[str, Any]]:
    folder = resources.files("clusterport.services").joinpath("model_patches")
    patches: list[dict[str, Any]] = []
    if not folder.is_dir():
        return patches
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            if data.get("service") == service:
                patches.append(data)
    return patches


class ServiceModels:
    """The loaded, patched models of every served service, with lookups by request keys."""

    def __init__(self, services: tuple[str, ...]) -> None:
        loader = Loader()
        self._by_name: dict[str, ServiceInfo] = {}
        for name in services:
            raw = loader.load_service_model(name, "service-2")
            for patch in _load_patches(name):
                _merge_patch(raw, patch)
            model = ServiceModel(raw, service_name=name)
            meta = model.metadata
            protocols = tuple(meta.get("protocols") or [meta["protocol"]])
            signing = str(meta.get("signingName") or meta["endpointPrefix"])
            prefix = meta.get("targetPrefix")
            self._by_name[name] = ServiceInfo(
                name=name,
                model=model,
                protocols=protocols,
                signing_name=signing,
                target_prefix=str(prefix) if prefix else None,
            )
        self._by_target = {
            s.target_prefix: s for s in self._by_name.values() if s.target_prefix is not None
        }
        self._by_signing = {s.signing_name: s for s in self._by_name.values()}

    def __iter__(self) -> Any:
        return iter(self._by_name.values())

    def get(self, name: str) -> ServiceInfo:
        return self._by_name[name]

    def by_target_prefix(self, prefix: str) -> ServiceInfo | None:
        return self._by_target.get(prefix)

    def by_signing_name(self, signing_name: str) -> ServiceInfo | None:
        return self._by_signing.get(signing_name)
