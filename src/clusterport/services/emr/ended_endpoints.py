"""Ended clusters' Spark Connect ports: every call is told the cluster's state, for a while.

A notebook holds a cluster's Spark Connect endpoint (``sc://localhost:<proxy
port>``, from ``GetSessionEndpoint``). While the cluster stops, its proxy ends
every call with the reason (see :mod:`clusterport.engines.connect_proxy`); once
its processes are gone the port would be closed, and a Spark Connect client
retries a closed port (``UNAVAILABLE``) for many minutes without a word. So
the control plane then listens on that port itself and answers every call at
once with ``FAILED_PRECONDITION``: "Cluster j-… is TERMINATED (…)".

It does so for :data:`~clusterport.services.emr.sessions.TOKEN_LIFETIME`: no
session token handed out before the end outlives that. A port another process
took meanwhile is left alone. The answers stop with the control plane (a
restarted one does not take them up again).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from clusterport.engines.connect_proxy import EndedEndpoint, ended_message
from clusterport.services.emr.sessions import TOKEN_LIFETIME

__all__ = ["EndedEndpoints"]

log = logging.getLogger(__name__)


@dataclass
class _Ended:
    endpoint: EndedEndpoint
    until: float


class EndedEndpoints:
    """The Spark Connect ports of ended clusters that this control plane answers on.

    ``lifetime`` is in seconds; ``clock`` is monotonic.
    """

    def __init__(
        self,
        lifetime: float = TOKEN_LIFETIME.total_seconds(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._ended: dict[str, _Ended] = {}

    def open(self, cluster_id: str, port: int, state: str, reason: str = "") -> bool:
        """Answer on ``port`` for ``cluster_id``, now in ``state``; False if the port is taken."""
        self.close(cluster_id)
        endpoint = EndedEndpoint(ended_message(cluster_id, state, reason))
        if not endpoint.start(port):
            log.info("port %d of ended cluster %s is taken; not answering on it", port, cluster_id)
            return False
        self._ended[cluster_id] = _Ended(endpoint, self._clock() + self.lifetime)
        return True

    def close(self, cluster_id: str) -> None:
        """Stop answering for one cluster; idempotent."""
        ended = self._ended.pop(cluster_id, None)
        if ended is not None:
            ended.endpoint.stop()

    def expire(self) -> None:
        """Stop answering for the clusters whose time is up."""
        now = self._clock()
        for cluster_id in [c for c, e in self._ended.items() if e.until <= now]:
            self.close(cluster_id)

    def close_all(self) -> None:
        """Stop answering for every cluster (the control plane stops)."""
        for cluster_id in list(self._ended):
            self.close(cluster_id)

    def answering(self) -> dict[str, str]:
        """Cluster id → the message its port answers with."""
        return {c: e.endpoint.message for c, e in self._ended.items()}
