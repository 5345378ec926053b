"""A Livy-compatible REST endpoint that runs PySpark sessions on a cluster's Spark Connect server.

sparkmagic (and any Livy client) creates sessions and submits statements over
Livy's REST API; each session is a separate Python interpreter process holding
its own Spark Connect session, bound as ``spark``. Only PySpark is served
(kinds ``pyspark`` and ``sql``); Scala and R sessions are refused. Spark Connect
has no SparkContext, so ``sc`` is not available in these sessions.

Modules: :mod:`.server` (HTTP routes), :mod:`.sessions` (session and statement
state machines, registry, timeouts), :mod:`.process` (the interpreter child
handle), :mod:`.interpreter` (the child itself), :mod:`.protocol` (their line
protocol), :mod:`.compat` (classic-PySpark shims), :mod:`.config`, :mod:`.errors`.

Run it with ``python -m clusterport.engines.livy --host 127.0.0.1 --port P
--spark-remote "sc://localhost:C/;token=T" --work-dir DIR``.
"""

from clusterport.engines.livy.config import LivyConfig
from clusterport.engines.livy.server import create_app
from clusterport.engines.livy.sessions import SessionRegistry, SessionState, StatementState

__all__ = ["LivyConfig", "SessionRegistry", "SessionState", "StatementState", "create_app"]
