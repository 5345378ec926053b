"""Where clusters really run: the engine interface and its implementations (local Spark).

Public surface:

* :mod:`clusterport.engines.base` — :class:`Engine` and the data it exchanges
  (re-exported here);
* :mod:`clusterport.engines.local_spark` — :class:`LocalSparkEngine`, real
  Spark processes on this host;
* :mod:`clusterport.engines.host_budget` — :class:`HostBudget`, how node sizes
  are scaled to the host.

The other modules (processes, state, CDS archives, command lines, steps,
bootstrap actions, Spark status) are the local engine's parts.
"""

from clusterport.engines.base import (
    HISTORY_UI_SUFFIX,
    SIDECAR_PLACEHOLDERS,
    BootstrapAction,
    Checkpoint,
    ClusterEndpoints,
    ClusterHealth,
    ClusterNotFoundError,
    ClusterSpec,
    Engine,
    EngineError,
    InvalidSpecError,
    NodeNotFoundError,
    NodeRole,
    NodeSpec,
    Phase,
    ProcessHealth,
    SidecarSpec,
    StepJar,
    StepNotFoundError,
    StepResult,
    StepSpec,
)

__all__ = [
    "HISTORY_UI_SUFFIX",
    "SIDECAR_PLACEHOLDERS",
    "BootstrapAction",
    "Checkpoint",
    "ClusterEndpoints",
    "ClusterHealth",
    "ClusterNotFoundError",
    "ClusterSpec",
    "Engine",
    "EngineError",
    "InvalidSpecError",
    "NodeNotFoundError",
    "NodeRole",
    "NodeSpec",
    "Phase",
    "ProcessHealth",
    "SidecarSpec",
    "StepJar",
    "StepNotFoundError",
    "StepResult",
    "StepSpec",
]
