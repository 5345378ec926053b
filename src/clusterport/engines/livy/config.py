"""Settings of one Livy-compatible endpoint (one per cluster, on its primary node)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ACCESS_KEY_HEADER", "LivyConfig"]

#: The header that carries the endpoint's access key (see ``LivyConfig.access_key``).
ACCESS_KEY_HEADER = "X-Clusterport-Livy-Key"


@dataclass(frozen=True)
class LivyConfig:
    """Everything the endpoint needs to know; the command line fills it in.

    ``spark_remote`` is the Spark Connect URL every session connects to (with
    the literal host ``localhost`` when it carries a token, or the Python client
    switches to TLS). Timeouts are seconds; ``0`` disables a timeout.

    ``access_key``, when set, is required in the :data:`ACCESS_KEY_HEADER` of
    every request: a cluster's endpoint is reached through the platform, which
    verifies the caller and the network path and adds the key on the way in.
    """

    spark_remote: str
    work_dir: Path
    python: str = sys.executable
    spark_ui_url: str | None = None
    session_timeout: float = 3600.0
    max_sessions: int = 16
    max_code_bytes: int = 8 << 20
    max_output_bytes: int = 16 << 20
    startup_timeout: float = 180.0
    cancel_grace: float = 15.0
    stop_grace: float = 15.0
    retained_finished_sessions: int = 32
    log_lines: int = 5000
    reap_interval: float = 1.0
    access_key: str | None = None

    @property
    def max_body_bytes(self) -> int:
        """The largest request body accepted: a statement's code plus room for JSON."""
        return self.max_code_bytes * 2 + (64 << 10)

    @property
    def sessions_dir(self) -> Path:
        """Where each session's interpreter gets its working directory."""
        return self.work_dir / "livy-sessions"
