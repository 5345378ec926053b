"""Which engine runs clusters: chosen by name in the settings, never constructed directly.

``clusterport server --engine NAME`` picks it (default :data:`DEFAULT_ENGINE`).
The names built into clusterport resolve directly, so they work from a source
checkout without an install:

* ``local`` — :class:`~clusterport.engines.local_spark.LocalSparkEngine`, real
  Spark processes on this host;
* ``inprocess`` — :class:`~clusterport.engines.inprocess.InProcessEngine`, an
  API-only test engine that runs no Spark.

Any other name is looked up in the ``clusterport.engines`` entry-point group,
where a third-party package declares its engine class::

    [project.entry-points."clusterport.engines"]
    hostpool = "mypackage.engine:HostPoolEngine"

The class is an :class:`~clusterport.engines.base.Engine` and is created with
:meth:`Engine.from_settings <clusterport.engines.base.Engine.from_settings>`.
See ``docs/engines.md`` for what an engine implements.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points
from types import MappingProxyType

from clusterport.engines.base import Engine, EngineError, EngineSettings

ENTRY_POINT_GROUP = "clusterport.engines"
DEFAULT_ENGINE = "local"

#: Engines built into clusterport: name -> "module:Class".
BUILTIN_ENGINES: Mapping[str, str] = MappingProxyType(
    {
        "local": "clusterport.engines.local_spark:LocalSparkEngine",
        "inprocess": "clusterport.engines.inprocess:InProcessEngine",
    }
)


def engine_names() -> list[str]:
    """Every engine name the settings may give: the built-in ones, then installed ones."""
    installed = [ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(set(BUILTIN_ENGINES)) + sorted(set(installed) - set(BUILTIN_ENGINES))


def _load_class(name: str) -> type[Engine]:
    target = BUILTIN_ENGINES.get(name)
    if target is not None:
        module, _, attribute = target.partition(":")
        loaded: object = getattr(importlib.import_module(module), attribute)
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not found:
            raise EngineError(
                f"There is no engine named {name!r}; choose one of {', '.join(engine_names())} "
                f"(or install a package declaring it in the {ENTRY_POINT_GROUP!r} "
                "entry-point group)."
            )
        try:
            loaded = found[0].load()
        except (ImportError, AttributeError) as exc:
            raise EngineError(
                f"The engine {name!r} ({found[0].value}) cannot be loaded: {exc}. Reinstall "
                "the package that provides it."
            ) from exc
    if not (isinstance(loaded, type) and issubclass(loaded, Engine)):
        raise EngineError(f"The engine {name!r} names {loaded!r}, which is not an Engine class.")
    return loaded


def load_engine(name: str, settings: EngineSettings) -> Engine:
    """The engine called ``name``, created from ``settings`` (EngineError names the fix)."""
    return _load_class(name).from_settings(settings)
