"""The engine a platform's clusters run on, as its settings name it."""

from __future__ import annotations

from clusterport.engines.base import Engine, EngineSettings
from clusterport.engines.registry import load_engine
from clusterport.platform import Platform


def platform_engine(platform: Platform) -> Engine:
    """The engine the platform's settings name (``clusterport server --engine``).

    Raises :class:`~clusterport.engines.base.EngineError` naming the fix when
    the name is unknown or the engine cannot run here.
    """
    settings = platform.settings
    return load_engine(
        settings.engine,
        EngineSettings(
            data_dir=platform.data_dir,
            clock=platform.now,
            options=dict(settings.engine_options),
            sandbox=settings.sandbox,
        ),
    )
