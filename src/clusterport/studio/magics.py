"""The ``%sm_analytics`` IPython magic: connect a notebook to an EMR cluster.

Load it with ``%load_ext clusterport.studio.magics`` (the Studio set-up loads
it in every kernel). ``%sm_analytics emr connect …`` by default starts an EMR
session and binds a Spark Connect session to ``spark``; with ``--livy`` (or
``--language scala``) it drives sparkmagic against the cluster's Livy
endpoint. Either way it says in one line what is bound (``spark`` → cluster name,
id, account, Spark version), then prints exactly one status line::

    {"namespace": "sagemaker-analytics", "cluster_id": "j-…", "error_message": null,
     "success": true, "service": "emr", "operation": "connect"}

and on failure raises :class:`EmrConnectError` with the reason.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, line_magic, magics_class

from clusterport.studio.command import (
    CommandError,
    ConnectRequest,
    HelpRequest,
    parse_command,
    usage,
)
from clusterport.studio.emr_connect import (
    EmrAccess,
    EmrConnectError,
    LivyEndpoint,
    check_reachable,
    emr_client,
    livy_endpoint,
    ready_cluster,
    refuse_unsupported,
)
from clusterport.studio.errors import from_boto
from clusterport.studio.livy_auth import SigV4Livy

__all__ = ["AnalyticsMagics", "EmrConnectError", "load_ipython_extension", "status_line"]


def status_line(cluster_id: str, error_message: str | None) -> str:
    """The one JSON line the magic prints after a connect attempt."""
    return json.dumps(
        {
            "namespace": "sagemaker-analytics",
            "cluster_id": cluster_id,
            "error_message": error_message,
            "success": error_message is None,
            "service": "emr",
            "operation": "connect",
        }
    )


def bound_line(what: str, cluster_id: str, cluster: Mapping[str, Any]) -> str:
    """One readable line: what the notebook now has, and the cluster behind it."""
    arn = str(cluster.get("ClusterArn") or "")
    parts = arn.split(":")
    account = parts[4] if len(parts) > 5 else "?"
    spark = next(
        (
            str(a.get("Version") or "")
            for a in cluster.get("Applications") or []
            if str(a.get("Name", "")).lower() == "spark"
        ),
        "",
    )
    release = cluster.get("ReleaseLabel") or ""
    version = f"Spark {spark}" if spark else "Spark"
    version += f" ({release})" if release else ""
    name = cluster.get("Name") or cluster_id
    return f"Connected: {what} → {name} ({cluster_id}), account {account}, {version}"


@magics_class
class AnalyticsMagics(Magics):
    """Provides ``%sm_analytics``."""

    def __init__(
        self,
        shell: InteractiveShell,
        session_factory: Callable[[], boto3.session.Session] = boto3.session.Session,
    ) -> None:
        super().__init__(shell)
        self._shell = shell
        self._session_factory = session_factory

    @line_magic
    def sm_analytics(self, line: str) -> None:
        """Connect to an EMR cluster: ``%sm_analytics emr connect --cluster-id j-… …``."""
        try:
            request = parse_command(line)
        except CommandError as exc:
            raise UsageError(str(exc)) from exc
        if isinstance(request, HelpRequest):
            print(usage())
            return
        try:
            bound = self._connect(request)
        except EmrConnectError as exc:
            print(status_line(request.cluster_id, exc.message))
            raise
        except Exception as exc:
            # Whatever failed (Spark, sparkmagic), the status line reports it; the error stays.
            print(status_line(request.cluster_id, f"{type(exc).__name__}: {exc}"))
            raise
        print(bound)
        print(status_line(request.cluster_id, None))

    def _connect(self, request: ConnectRequest) -> str:
        refuse_unsupported(request)
        access = emr_client(request, self._session_factory)
        cluster = ready_cluster(access.client, request)
        if request.livy:
            self._connect_livy(access, cluster, request)
            return bound_line("%%spark cells (Livy)", request.cluster_id, cluster)
        self._connect_spark_connect(access.client, request)
        return bound_line("spark (Spark Connect)", request.cluster_id, cluster)

    def _connect_spark_connect(self, emr: Any, request: ConnectRequest) -> None:
        # Imported on use: it pulls in pyspark, which a kernel should not pay for at start-up.
        from clusterport.studio import spark_session  # noqa: PLC0415

        try:
            spark = spark_session.connect_session(
                emr, request.cluster_id, execution_role_arn=request.emr_execution_role_arn
            )
        except (ClientError, BotoCoreError) as exc:
            error = from_boto(exc)
            raise EmrConnectError(
                f"Cannot open a Spark session on {request.cluster_id}: "
                f"{error.code}: {error.message}",
                error.code,
            ) from exc
        except (spark_session.SparkSessionError, ValueError) as exc:
            raise EmrConnectError(
                f"Cannot open a Spark session on {request.cluster_id}: {exc}",
                type(exc).__name__,
            ) from exc
        self._shell.user_ns["spark"] = spark

    def _connect_livy(self, access: EmrAccess, cluster: Any, request: ConnectRequest) -> None:
        endpoint = livy_endpoint(access, cluster)
        check_reachable(endpoint, request.cluster_id)
        name = f"{request.cluster_id}-{uuid.uuid4().hex[:8]}"
        self._shell.run_line_magic("load_ext", "sparkmagic.magics")
        spark_magics = self._shell.magics_manager.registry.get("RemoteSparkMagics")
        if endpoint.signed and spark_magics is not None:
            self._add_signed_session(spark_magics, name, endpoint, access, request)
        else:
            self._shell.run_line_magic(
                "spark", f"add -s {name} -l {request.language} -u {endpoint.url} -t None"
            )
        sessions = (
            spark_magics.spark_controller.session_manager.get_sessions_list()
            if spark_magics is not None
            else []
        )
        if name not in sessions:
            raise EmrConnectError(
                f"sparkmagic could not start a Livy session at {endpoint.url} for "
                f"{request.cluster_id}; its error is printed above.",
                "LivySessionFailed",
            )

    @staticmethod
    def _add_signed_session(
        spark_magics: Any,
        name: str,
        endpoint: LivyEndpoint,
        access: EmrAccess,
        request: ConnectRequest,
    ) -> None:
        """What ``%spark add`` does, with requests signed for the platform's Livy route."""
        # Imported on use, as sparkmagic itself is: it pulls in widgets and pandas.
        from sparkmagic.livyclientlib.endpoint import Endpoint  # noqa: PLC0415
        from sparkmagic.livyclientlib.exceptions import HttpClientException  # noqa: PLC0415
        from sparkmagic.utils import configuration  # noqa: PLC0415

        auth = SigV4Livy(access.credentials, access.region, endpoint.url)
        properties = configuration.get_session_properties(request.language)
        try:
            spark_magics.spark_controller.add_session(
                name, Endpoint(endpoint.url, auth), False, properties
            )
        except HttpClientException as exc:
            raise EmrConnectError(
                f"The Livy endpoint of {request.cluster_id} refused the session: "
                f"{livy_refusal(str(exc))}",
                "LivySessionFailed",
            ) from exc


def livy_refusal(text: str) -> str:
    """The ``msg`` of a Livy error sparkmagic reports as "… with error payload: {json}"."""
    _, found, payload = text.partition("error payload: ")
    if found:
        try:
            message = json.loads(payload).get("msg")
        except (ValueError, AttributeError):
            message = None
        if isinstance(message, str) and message:
            return message
    return text


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register ``%sm_analytics`` (``%load_ext clusterport.studio.magics``)."""
    ipython.register_magics(AnalyticsMagics(ipython))
