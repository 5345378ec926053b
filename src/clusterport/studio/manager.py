"""The Clusters panel's logic: EMR clusters across accounts, Spark UIs, products, termination.

:class:`ClustersManager` uses only boto3, so it works against clusterport and
against AWS alike; the endpoint comes from the standard AWS configuration
(``AWS_ENDPOINT_URL``, a profile's ``endpoint_url``). Its methods are
coroutines: boto3 calls run in the manager's thread pool so the Jupyter
server's event loop never blocks, and the accounts of a listing are queried
concurrently.

Credentials: the user's own (the session factory's) for the Studio account,
and for each account named by the cross-account configuration the role's,
obtained with ``sts:AssumeRole`` (``RoleSessionName="SageMakerStudioUser"``)
and kept until shortly before they expire.

Failures from AWS keep their code and message (:class:`StudioError`); in a
listing, an account that fails is reported beside the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from clusterport.studio.command import connect_line
from clusterport.studio.errors import StudioError, from_boto
from clusterport.studio.parameters import ParameterGroup, ProvisioningParameter
from clusterport.studio.role_config import CrossAccountConfiguration, account_of_role

__all__ = [
    "ACTIVE_STATES",
    "ALL_STATES",
    "HIDDEN_PARAMETERS",
    "STUDIO_SESSION_NAME",
    "VISIBILITY_TAG",
    "AccountFailure",
    "ClusterListing",
    "ClusterSummary",
    "ClustersManager",
    "PendingLaunch",
    "Product",
    "ProvisioningForm",
    "RecordStatus",
    "SessionFactory",
    "TerminationResult",
]

log = logging.getLogger(__name__)

SessionFactory = Callable[[], boto3.session.Session]
P = ParamSpec("P")
T = TypeVar("T")

STUDIO_SESSION_NAME = "SageMakerStudioUser"
ACTIVE_STATES: tuple[str, ...] = ("RUNNING", "WAITING")
ALL_STATES: tuple[str, ...] = (
    "STARTING",
    "BOOTSTRAPPING",
    "RUNNING",
    "WAITING",
    "TERMINATING",
    "TERMINATED",
    "TERMINATED_WITH_ERRORS",
)
_STARTING_OR_UP = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")
#: A provisioned product in these states is still being made (or changed).
_LAUNCHING = ("UNDER_CHANGE", "PLAN_IN_PROGRESS")
#: At most this many new clusters are described to find the launches they belong to.
_MAX_LAUNCH_MATCHES = 20
VISIBILITY_TAG = "sagemaker:studio-visibility:emr"
HIDDEN_PARAMETERS = frozenset({"SageMakerProjectName", "SageMakerProjectId"})
PROVISIONED_PRODUCT_TAG = "aws:servicecatalog:provisionedProductArn"
STACK_ID_TAG = "aws:cloudformation:stack-id"
_CLUSTER_ID = re.compile(r"^j-[0-9A-Z]+$")
_PRODUCT_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$")
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


@dataclass(frozen=True)
class ClusterSummary:
    """One row of the Clusters table."""

    id: str
    name: str
    state: str
    creation_time: datetime | None
    account_id: str
    arn: str
    role_arn: str | None
    state_reason_code: str = ""
    state_reason_message: str = ""
    end_time: datetime | None = None

    @property
    def connect_cell(self) -> str:
        """The magic the panel inserts to connect a notebook to this cluster."""
        return connect_line(self.id, self.role_arn)

    def to_json(self) -> dict[str, Any]:
        """The row as the panel reads it."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.state,
            "creationTime": _iso(self.creation_time),
            "accountId": self.account_id,
            "arn": self.arn,
            "roleArn": self.role_arn,
            "connectCell": self.connect_cell,
            "stateReason": {"code": self.state_reason_code, "message": self.state_reason_message},
            "endTime": _iso(self.end_time),
        }


@dataclass(frozen=True)
class AccountFailure:
    """An account whose clusters could not be listed, with AWS's explanation."""

    account_id: str
    role_arn: str | None
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """The failure as the panel shows it beside the table."""
        return {
            "accountId": self.account_id,
            "roleArn": self.role_arn,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class PendingLaunch:
    """A cluster the user launched from Service Catalog that EMR does not list yet.

    Its provisioned product is still being made (``UNDER_CHANGE``) and no
    cluster carries its tag: the stack has not created the cluster so far.
    It comes from ``SearchProvisionedProducts``, so it survives a page reload.
    """

    provisioned_product_id: str
    name: str
    status: str
    status_message: str
    created_time: datetime | None
    account_id: str
    record_id: str | None = None
    product_name: str = ""

    def to_json(self) -> dict[str, Any]:
        """The launch as the panel shows it among the clusters."""
        return {
            "provisionedProductId": self.provisioned_product_id,
            "name": self.name,
            "status": self.status,
            "statusMessage": self.status_message,
            "createdTime": _iso(self.created_time),
            "accountId": self.account_id,
            "recordId": self.record_id,
            "productName": self.product_name,
        }


@dataclass(frozen=True)
class ClusterListing:
    """Clusters of every account the user may see, and the accounts that failed.

    ``launching`` holds the user's launches whose cluster does not exist yet
    (listed when the wanted states include STARTING).
    """

    clusters: tuple[ClusterSummary, ...]
    failures: tuple[AccountFailure, ...] = ()
    configuration_errors: tuple[str, ...] = ()
    launching: tuple[PendingLaunch, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The listing as ``GET /clusterport/clusters`` returns it."""
        return {
            "clusters": [c.to_json() for c in self.clusters],
            "failures": [f.to_json() for f in self.failures],
            "configurationErrors": list(self.configuration_errors),
            "launching": [p.to_json() for p in self.launching],
        }


@dataclass(frozen=True)
class Product:
    """A Service Catalog product the user may launch from Studio."""

    id: str
    view_id: str
    name: str
    owner: str = ""
    short_description: str = ""
    distributor: str = ""
    support_url: str = ""

    def to_json(self) -> dict[str, Any]:
        """The product as the panel's picker lists it."""
        return {
            "id": self.id,
            "viewId": self.view_id,
            "name": self.name,
            "owner": self.owner,
            "shortDescription": self.short_description,
            "distributor": self.distributor,
            "supportUrl": self.support_url,
        }


@dataclass(frozen=True)
class ProvisioningForm:
    """What the panel needs to build the Create cluster form of one product version."""

    product_id: str
    product_name: str
    artifact_id: str
    artifact_name: str
    path_id: str | None
    parameters: tuple[ProvisioningParameter, ...]
    hidden_keys: tuple[str, ...] = ()
    groups: tuple[ParameterGroup, ...] = ()
    constraints: tuple[str, ...] = ()
    usage_instructions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The form as ``GET /clusterport/products/{id}/parameters`` returns it."""
        return {
            "productId": self.product_id,
            "productName": self.product_name,
            "artifactId": self.artifact_id,
            "artifactName": self.artifact_name,
            "pathId": self.path_id,
            "parameters": [p.to_json() for p in self.parameters],
            "groups": [g.to_json() for g in self.groups],
            "constraints": list(self.constraints),
            "usageInstructions": list(self.usage_instructions),
        }


@dataclass(frozen=True)
class RecordStatus:
    """Progress of a provisioning request, and the cluster it created once known."""

    record_id: str
    status: str
    record_type: str = ""
    provisioned_product_id: str | None = None
    provisioned_product_name: str | None = None
    errors: tuple[str, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)
    cluster_id: str | None = None
    cluster_state: str | None = None
    cluster_state_reason: str | None = None

    @property
    def done(self) -> bool:
        """Whether polling can stop: the cluster is ready, or something failed."""
        if self.status in {"FAILED", "IN_PROGRESS_IN_ERROR"}:
            return True
        if self.status == "SUCCEEDED" and self.cluster_id is None:
            return True  # the template made no cluster we can find; nothing more to follow
        return self.cluster_state in {"WAITING", "RUNNING", "TERMINATED_WITH_ERRORS", "TERMINATED"}

    def to_json(self) -> dict[str, Any]:
        """The status as ``GET /clusterport/records/{id}`` returns it."""
        return {
            "recordId": self.record_id,
            "status": self.status,
            "recordType": self.record_type,
            "provisionedProductId": self.provisioned_product_id,
            "provisionedProductName": self.provisioned_product_name,
            "errors": list(self.errors),
            "outputs": dict(self.outputs),
            "clusterId": self.cluster_id,
            "clusterState": self.cluster_state,
            "clusterStateReason": self.cluster_state_reason,
            "done": self.done,
        }


@dataclass(frozen=True)
class TerminationResult:
    """How a cluster was stopped: through its provisioned product, or directly."""

    cluster_id: str
    method: str  # "servicecatalog" or "emr"
    provisioned_product_id: str | None = None
    record_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as ``POST /clusterport/clusters/{id}/terminate`` returns it."""
        return {
            "clusterId": self.cluster_id,
            "method": self.method,
            "provisionedProductId": self.provisioned_product_id,
            "recordId": self.record_id,
        }


@dataclass(frozen=True)
class _RoleCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime


class ClustersManager:
    """Everything the Clusters panel does, through boto3 only.

    ``session_factory`` gives the user's own boto3 session (called once, lazily);
    ``home`` is where the cross-account role file is read, once, now.
    ``request_timeout`` bounds every AWS call (botocore's connect and read
    timeouts) and each account's share of a listing, so one endpoint that hangs
    never holds the panel's refresh: that account is reported as timed out.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        home: Path,
        *,
        emr_settings: Mapping[str, Any] | None = None,
        max_workers: int = 8,
        poll_interval: float = 2.0,
        ui_attach_timeout: float = 30.0,
        credential_refresh_margin: timedelta = timedelta(minutes=5),
        request_timeout: float = 15.0,
    ) -> None:
        self.configuration = CrossAccountConfiguration.load(home, emr_settings)
        self._session_factory = session_factory
        self._session: boto3.session.Session | None = None
        self._poll_interval = poll_interval
        self._ui_attach_timeout = ui_attach_timeout
        self._refresh_margin = credential_refresh_margin
        self._request_timeout = request_timeout
        self._config = Config(
            connect_timeout=min(5.0, request_timeout), read_timeout=request_timeout
        )
        self._lock = threading.Lock()
        self._role_locks: dict[str, threading.Lock] = {}
        self._credentials: dict[str, _RoleCredentials] = {}
        self._clients: dict[tuple[str, str | None], tuple[str | None, Any]] = {}
        self._own_account: str | None = None
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="clusterport-studio")

    def close(self) -> None:
        """Stop the thread pool (pending calls are cancelled)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- credentials and clients ---------------------------------------------------------

    def client(self, service: str, account_id: str | None = None) -> Any:
        """The boto3 client the manager uses for ``service`` in ``account_id`` (blocking).

        An account named by the cross-account configuration (and not the user's
        own) is reached with its role's credentials; anything else with the user's.
        """
        return self._client(service, self._role_for(account_id))

    def _client(self, service: str, role_arn: str | None) -> Any:
        credentials = self._assume(role_arn) if role_arn else None
        access_key = credentials.access_key_id if credentials else None
        with self._lock:
            cached = self._clients.get((service, role_arn))
            if cached is not None and cached[0] == access_key:
                return cached[1]
            session = self._base_session()
            if credentials is None:
                made = session.client(service, config=self._config)
            else:
                made = session.client(
                    service,
                    config=self._config,
                    aws_access_key_id=credentials.access_key_id,
                    aws_secret_access_key=credentials.secret_access_key,
                    aws_session_token=credentials.session_token,
                )
            self._clients[(service, role_arn)] = (access_key, made)
            return made

    def _base_session(self) -> boto3.session.Session:
        # Called with self._lock held: boto3 sessions are not thread-safe, clients are.
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    def _assume(self, role_arn: str) -> _RoleCredentials:
        with self._lock:
            role_lock = self._role_locks.setdefault(role_arn, threading.Lock())
        with role_lock:
            cached = self._credentials.get(role_arn)
            if cached is not None and cached.expiration - self._refresh_margin > _now():
                return cached
            sts = self._client("sts", None)
            response = sts.assume_role(RoleArn=role_arn, RoleSessionName=STUDIO_SESSION_NAME)
            raw = response["Credentials"]
            expiration = raw["Expiration"]
            if expiration.tzinfo is None:
                expiration = expiration.replace(tzinfo=UTC)
            fresh = _RoleCredentials(
                access_key_id=raw["AccessKeyId"],
                secret_access_key=raw["SecretAccessKey"],
                session_token=raw["SessionToken"],
                expiration=expiration,
            )
            self._credentials[role_arn] = fresh
            return fresh

    def _role_for(self, account_id: str | None) -> str | None:
        if not account_id or account_id == self._own_account:
            return None
        return self.configuration.assumable_roles.get(account_id)

    async def _run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking boto3 function in the pool; botocore errors become StudioError."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, functools.partial(_translated, fn, *args, **kwargs)
        )

    def _own_account_sync(self) -> str:
        if self._own_account is None:
            identity = self._client("sts", None).get_caller_identity()
            self._own_account = str(identity["Account"])
        return self._own_account

    async def own_account_id(self) -> str:
        """The account of the user's own credentials (``sts:GetCallerIdentity``, cached)."""
        return await self._run(self._own_account_sync)

    # -- clusters --------------------------------------------------------------------------

    async def list_clusters(self, states: Iterable[str] | None = None) -> ClusterListing:
        """Clusters in ``states`` (default RUNNING and WAITING) of every account the user may see.

        Each assumable role's account and the user's own are queried concurrently;
        rows are deduplicated by cluster id (the own-credentials row wins, so its
        connect cell carries no role); a failing account is reported, not fatal.
        """
        wanted = _states(states)
        roles = list(self.configuration.assumable_roles.values())
        identity = asyncio.ensure_future(self._run(self._own_account_sync))
        outcomes = await asyncio.gather(
            self._bounded(self._list_account, None, wanted),
            *(self._bounded(self._list_account, arn, wanted) for arn in roles),
            return_exceptions=True,
        )
        try:
            own_account = await asyncio.wait_for(
                _settled(identity), timeout=self._request_timeout * 1.5
            )
        except TimeoutError:
            own_account = None
        rows: dict[str, ClusterSummary] = {}
        failures: list[AccountFailure] = []
        for role_arn, outcome in zip([None, *roles], outcomes, strict=True):
            if isinstance(outcome, StudioError):
                account = account_of_role(role_arn) if role_arn else own_account
                failures.append(
                    AccountFailure(account or "", role_arn, outcome.code, outcome.message)
                )
                continue
            if isinstance(outcome, BaseException):
                raise outcome
            for found in outcome:
                row = found
                if role_arn is not None and found.account_id == own_account:
                    row = dataclasses.replace(found, role_arn=None)
                rows.setdefault(row.id, row)
        ordered = sorted(
            rows.values(),
            key=lambda r: r.creation_time or datetime.min.replace(tzinfo=UTC),
            reverse=True,
        )
        launching: list[PendingLaunch] = []
        if "STARTING" in wanted and own_account is not None:
            own_rows = [r for r in ordered if r.role_arn is None and r.state in _STARTING_OR_UP]
            try:
                launching = await asyncio.wait_for(
                    self._run(self._pending_launches, own_account, own_rows),
                    timeout=self._request_timeout * 1.5,
                )
            except (StudioError, TimeoutError) as exc:
                # Launch progress is a courtesy: a user who may not search provisioned
                # products (or a slow catalog) still gets the clusters.
                log.info("launches in progress not listed: %s", exc)
        return ClusterListing(
            tuple(ordered), tuple(failures), self.configuration.errors, tuple(launching)
        )

    def _pending_launches(self, account_id: str, rows: list[ClusterSummary]) -> list[PendingLaunch]:
        """The user's provisioned products still being made whose cluster is not among ``rows``.

        A product is matched to a cluster by the cluster's
        ``aws:servicecatalog:provisionedProductArn`` tag; only clusters created
        since the oldest such launch are described.
        """
        catalog = self._client("servicecatalog", None)
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "Filters": {"SearchQuery": ["status:UNDER_CHANGE"]},
                "PageSize": 100,
            }
            if token:
                request["PageToken"] = token
            page = catalog.search_provisioned_products(**request)
            found.extend(page.get("ProvisionedProducts", []))
            token = page.get("NextPageToken")
            if not token:
                break
        launches = [
            p
            for p in found
            if p.get("Status") in _LAUNCHING
            and not p.get("LastSuccessfulProvisioningRecordId")
            and p.get("LastRecordId") == p.get("LastProvisioningRecordId", p.get("LastRecordId"))
        ]
        if not launches:
            return []
        oldest = min(
            (p["CreatedTime"] for p in launches if isinstance(p.get("CreatedTime"), datetime)),
            default=None,
        )
        candidates = [
            r
            for r in rows
            if oldest is None
            or r.creation_time is None
            or r.creation_time >= oldest - timedelta(minutes=1)
        ][:_MAX_LAUNCH_MATCHES]
        emr = self._client("emr", None)
        made: set[str] = set()
        for row in candidates:
            tags = emr.describe_cluster(ClusterId=row.id)["Cluster"].get("Tags", [])
            made.update(
                str(t.get("Value", "")).rsplit("/", 1)[-1]
                for t in tags
                if t.get("Key") == PROVISIONED_PRODUCT_TAG
            )
        return [
            PendingLaunch(
                provisioned_product_id=str(p["Id"]),
                name=str(p.get("Name", "")),
                status=str(p.get("Status", "")),
                status_message=str(p.get("StatusMessage") or ""),
                created_time=p.get("CreatedTime"),
                account_id=account_id,
                record_id=p.get("LastRecordId"),
                product_name=str(p.get("ProductName") or ""),
            )
            for p in launches
            if p["Id"] not in made
        ]

    async def _bounded(
        self,
        fn: Callable[[str | None, tuple[str, ...]], list[ClusterSummary]],
        role_arn: str | None,
        states: tuple[str, ...],
    ) -> list[ClusterSummary]:
        """One account's listing, given up (``RequestTimeout``) after the request timeout.

        Each page is one call bounded by botocore's timeouts; this bounds the
        whole (role assumption, every page) so a slow account never holds the others.
        """
        try:
            return await asyncio.wait_for(
                self._run(fn, role_arn, states), timeout=self._request_timeout * 1.5
            )
        except TimeoutError as exc:
            raise StudioError(
                "RequestTimeout",
                f"Listing the clusters took longer than {self._request_timeout * 1.5:.0f} s "
                f"{'through ' + role_arn if role_arn else 'with your own credentials'}; the "
                "endpoint did not answer in time. The next refresh tries again.",
                504,
            ) from exc

    def _list_account(self, role_arn: str | None, states: tuple[str, ...]) -> list[ClusterSummary]:
        emr = self._client("emr", role_arn)
        rows: list[ClusterSummary] = []
        marker: str | None = None
        while True:
            request: dict[str, Any] = {"ClusterStates": list(states)}
            if marker:
                request["Marker"] = marker
            page = emr.list_clusters(**request)
            for cluster in page.get("Clusters", []):
                rows.append(_summary(cluster, role_arn))
            marker = page.get("Marker")
            if not marker:
                return rows

    def connect_cell(self, cluster_id: str, account_id: str | None = None) -> str:
        """The exact magic line the panel inserts to connect to ``cluster_id``.

        A cluster of another account (one with a role in the cross-account
        configuration) gets ``--assumable-role-arn`` with that role.
        """
        return connect_line(cluster_id, self._role_for(account_id))

    async def describe_cluster(self, cluster_id: str, account_id: str | None = None) -> Any:
        """``DescribeCluster`` of ``cluster_id`` in ``account_id`` (raw ``Cluster`` structure)."""
        return await self._run(self._describe, cluster_id, self._role_for(account_id))

    def _describe(self, cluster_id: str, role_arn: str | None) -> Any:
        return self._client("emr", role_arn).describe_cluster(ClusterId=cluster_id)["Cluster"]

    async def spark_ui_url(self, cluster_id: str, account_id: str | None = None) -> str:
        """A presigned URL of the cluster's Spark UI.

        A RUNNING/WAITING cluster gets its live application UI
        (``GetOnClusterAppUIPresignedURL``); otherwise a persistent app UI is
        created and polled until ATTACHED, then presigned.
        """
        role = self._role_for(account_id)
        cluster = await self._run(self._describe, cluster_id, role)
        state = cluster["Status"]["State"]
        emr = await self._run(self._client, "emr", role)
        if state in ACTIVE_STATES:
            response = await self._run(
                emr.get_on_cluster_app_ui_presigned_url,
                ClusterId=cluster_id,
                OnClusterAppUIType="ApplicationMaster",
            )
            return _presigned(response, cluster_id)
        created = await self._run(
            emr.create_persistent_app_ui, TargetResourceArn=cluster["ClusterArn"]
        )
        ui_id = created["PersistentAppUIId"]
        deadline = time.monotonic() + self._ui_attach_timeout
        while True:
            described = await self._run(emr.describe_persistent_app_ui, PersistentAppUIId=ui_id)
            status = described["PersistentAppUI"].get("PersistentAppUIStatus")
            if status == "ATTACHED":
                break
            if time.monotonic() >= deadline:
                raise StudioError(
                    "PersistentAppUINotAttached",
                    f"The Spark History Server UI {ui_id} of {cluster_id} is still {status} after "
                    f"{self._ui_attach_timeout:.0f} s; try again in a minute.",
                    504,
                )
            await asyncio.sleep(self._poll_interval)
        response = await self._run(
            emr.get_persistent_app_ui_presigned_url,
            PersistentAppUIId=ui_id,
            PersistentAppUIType="SHS",
        )
        return _presigned(response, cluster_id)

    async def terminate(self, cluster_id: str, account_id: str | None = None) -> TerminationResult:
        """Stop a cluster: through its provisioned product when it has one, else directly.

        A cluster launched from Service Catalog carries the tag
        ``aws:servicecatalog:provisionedProductArn`` (or is the stack of a
        provisioned product found with ``SearchProvisionedProducts``); terminating
        that product deletes the stack, which stops the cluster, as Studio does.
        Any other cluster is stopped with ``TerminateJobFlows``.
        """
        return await self._run(self._terminate, cluster_id, self._role_for(account_id))

    def _terminate(self, cluster_id: str, role_arn: str | None) -> TerminationResult:
        cluster = self._describe(cluster_id, role_arn)
        tags = {t["Key"]: t.get("Value", "") for t in cluster.get("Tags", [])}
        product_id: str | None = None
        if tags.get(PROVISIONED_PRODUCT_TAG):
            product_id = tags[PROVISIONED_PRODUCT_TAG].rsplit("/", 1)[-1]
        elif tags.get(STACK_ID_TAG):
            found = self._client("servicecatalog", role_arn).search_provisioned_products(
                Filters={"SearchQuery": [f"physicalId:{tags[STACK_ID_TAG]}"]}
            )
            products = found.get("ProvisionedProducts", [])
            product_id = products[0]["Id"] if products else None
        if product_id:
            response = self._client("servicecatalog", role_arn).terminate_provisioned_product(
                ProvisionedProductId=product_id, TerminateToken=uuid.uuid4().hex
            )
            return TerminationResult(
                cluster_id, "servicecatalog", product_id, response["RecordDetail"]["RecordId"]
            )
        self._client("emr", role_arn).terminate_job_flows(JobFlowIds=[cluster_id])
        return TerminationResult(cluster_id, "emr")

    # -- products --------------------------------------------------------------------------

    async def list_products(self) -> list[Product]:
        """Products the user may launch that are tagged ``sagemaker:studio-visibility:emr=true``.

        ``SearchProducts`` carries no tags, so each product's tags are read with
        ``DescribeProductAsAdmin``, or, when the caller may not use it, from the
        tags of its launch paths (``ListLaunchPaths``).
        """
        summaries = await self._run(self._search_products)
        visible = await asyncio.gather(
            *(self._run(self._is_studio_visible, s["ProductId"]) for s in summaries)
        )
        return [
            Product(
                id=s["ProductId"],
                view_id=s.get("Id", ""),
                name=s.get("Name", ""),
                owner=s.get("Owner", ""),
                short_description=s.get("ShortDescription", ""),
                distributor=s.get("Distributor", ""),
                support_url=s.get("SupportUrl", ""),
            )
            for s, shown in zip(summaries, visible, strict=True)
            if shown
        ]

    def _search_products(self) -> list[dict[str, Any]]:
        catalog = self._client("servicecatalog", None)
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {"PageSize": 100}
            if token:
                request["PageToken"] = token
            page = catalog.search_products(**request)
            found.extend(page.get("ProductViewSummaries", []))
            token = page.get("NextPageToken")
            if not token:
                return found

    def _is_studio_visible(self, product_id: str) -> bool:
        catalog = self._client("servicecatalog", None)
        try:
            tags = catalog.describe_product_as_admin(Id=product_id).get("Tags", [])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _ACCESS_DENIED:
                raise
            paths = catalog.list_launch_paths(ProductId=product_id).get("LaunchPathSummaries", [])
            tags = [tag for path in paths for tag in path.get("Tags", [])]
        return any(
            t.get("Key") == VISIBILITY_TAG and str(t.get("Value", "")).lower() == "true"
            for t in tags
        )

    async def provisioning_parameters(
        self, product_id: str, artifact_id: str | None = None
    ) -> ProvisioningForm:
        """The launch form of ``product_id``'s latest default version (or ``artifact_id``).

        ``SageMakerProjectName`` and ``SageMakerProjectId`` are hidden: Studio
        fills them itself when it provisions.
        """
        return await self._run(self._form, product_id, artifact_id)

    def _form(self, product_id: str, artifact_id: str | None) -> ProvisioningForm:
        catalog = self._client("servicecatalog", None)
        product = catalog.describe_product(Id=product_id)
        artifact = _pick_artifact(product.get("ProvisioningArtifacts", []), artifact_id, product_id)
        paths = product.get("LaunchPaths") or []
        path_id = paths[0]["Id"] if paths else None
        request: dict[str, Any] = {
            "ProductId": product_id,
            "ProvisioningArtifactId": artifact["Id"],
        }
        if path_id:
            request["PathId"] = path_id
        described = catalog.describe_provisioning_parameters(**request)
        labels, groups = self._interface(catalog, product_id, artifact["Id"])
        raw = described.get("ProvisioningArtifactParameters", [])
        return ProvisioningForm(
            product_id=product_id,
            product_name=product.get("ProductViewSummary", {}).get("Name", ""),
            artifact_id=artifact["Id"],
            artifact_name=artifact.get("Name", ""),
            path_id=path_id,
            parameters=tuple(
                ProvisioningParameter.from_aws(p, labels)
                for p in raw
                if p["ParameterKey"] not in HIDDEN_PARAMETERS
            ),
            hidden_keys=tuple(
                p["ParameterKey"] for p in raw if p["ParameterKey"] in HIDDEN_PARAMETERS
            ),
            groups=groups,
            constraints=tuple(
                c.get("Description") or c.get("Type", "")
                for c in described.get("ConstraintSummaries", [])
            ),
            usage_instructions=tuple(
                f"{u.get('Type', '')}: {u.get('Value', '')}"
                for u in described.get("UsageInstructions", [])
            ),
        )

    def _interface(
        self, catalog: Any, product_id: str, artifact_id: str
    ) -> tuple[dict[str, str], tuple[ParameterGroup, ...]]:
        """Parameter labels and groups of the template's ``AWS::CloudFormation::Interface``.

        Cosmetic, so best effort: reading the template needs admin-level
        catalog rights and CloudFormation's ``GetTemplateSummary``; without
        them the form shows parameter keys.
        """
        try:
            info = catalog.describe_provisioning_artifact(
                ProductId=product_id, ProvisioningArtifactId=artifact_id, Verbose=True
            ).get("Info", {})
            url = info.get("TemplateUrl") or info.get("LoadTemplateFromURL")
            if not url:
                return {}, ()
            summary = self._client("cloudformation", None).get_template_summary(TemplateURL=url)
            metadata = json.loads(summary.get("Metadata") or "{}")
        except (ClientError, BotoCoreError, ValueError) as exc:
            log.debug("no parameter labels for %s/%s: %s", product_id, artifact_id, exc)
            return {}, ()
        interface = metadata.get("AWS::CloudFormation::Interface", {}) if metadata else {}
        labels = {
            key: str(value.get("default"))
            for key, value in interface.get("ParameterLabels", {}).items()
            if isinstance(value, dict) and value.get("default")
        }
        groups = tuple(
            ParameterGroup(
                str(group.get("Label", {}).get("default", "")),
                tuple(p for p in group.get("Parameters", []) if p not in HIDDEN_PARAMETERS),
            )
            for group in interface.get("ParameterGroups", [])
            if isinstance(group, dict)
        )
        return labels, groups

    async def ec2_choices(self, parameter_type: str) -> list[dict[str, str]]:
        """The account's values for a parameter typed ``AWS::EC2::…::Id`` (or its ``List<…>``).

        Each choice is ``{"value", "label"}``; the label carries the Name tag, the CIDR
        and the VPC, as the CloudFormation console shows them. A user who may not list
        them gets the refusal with the permission to ask for.
        """
        kind = _ec2_kind(parameter_type)
        if kind is None:
            raise StudioError(
                "ValidationException",
                f"{parameter_type} has no picker; use one of {', '.join(sorted(EC2_PICKERS))} "
                "or their List<…> forms.",
            )
        return await self._run(self._ec2_choices, kind)

    def _ec2_choices(self, kind: str) -> list[dict[str, str]]:
        ec2 = self._client("ec2", None)
        operation, key = EC2_PICKERS[kind]
        try:
            pages = ec2.get_paginator(operation).paginate()
            items = [item for page in pages for item in page.get(key, [])]
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _ACCESS_DENIED:
                action = "ec2:" + "".join(p.title() for p in operation.split("_"))
                raise StudioError(
                    code,
                    f"You may not list the account's {kind} ({action} is not allowed: "
                    f"{exc.response.get('Error', {}).get('Message', '')}). Type the id, or ask "
                    f"your administrator to allow {action}.",
                    403,
                ) from exc
            raise
        return sorted((_ec2_choice(kind, item) for item in items), key=lambda c: c["label"])

    async def create_cluster(
        self,
        product_id: str,
        artifact_id: str | None,
        name: str,
        params: Mapping[str, str],
        path_id: str | None = None,
    ) -> str:
        """Provision ``product_id`` as ``name`` with ``params``; returns the record id.

        Every value is checked against the product's guardrails first; the
        SageMaker project parameters are filled in when the template has them.
        """
        return await self._run(self._provision, product_id, artifact_id, name, params, path_id)

    def _provision(
        self,
        product_id: str,
        artifact_id: str | None,
        name: str,
        params: Mapping[str, str],
        path_id: str | None,
    ) -> str:
        if not _PRODUCT_NAME.match(name):
            raise StudioError(
                "ValidationException",
                f"Cluster name {name!r} is not allowed: use 1-128 letters, digits, '.', '_' or "
                "'-', starting with a letter or digit.",
            )
        form = self._form(product_id, artifact_id)
        known = {p.key: p for p in form.parameters}
        unknown = sorted(set(params) - set(known) - HIDDEN_PARAMETERS)
        if unknown:
            raise StudioError(
                "ValidationException",
                f"Parameters {', '.join(unknown)} are not parameters of this product version "
                f"(it has {', '.join(known) or 'none'}).",
            )
        problems: list[str] = []
        for key, parameter in known.items():
            value = params.get(key)
            if value is None:
                if parameter.default is None:
                    problems.append(f"{parameter.label or key}: a value is required")
                continue
            problem = parameter.check(str(value))
            if problem:
                problems.append(problem)
        if problems:
            raise StudioError("ValidationException", "; ".join(problems))
        values = [{"Key": k, "Value": str(v)} for k, v in params.items() if k in known]
        if "SageMakerProjectName" in form.hidden_keys:
            values.append({"Key": "SageMakerProjectName", "Value": _project_name(name)})
        if "SageMakerProjectId" in form.hidden_keys:
            values.append({"Key": "SageMakerProjectId", "Value": _project_id()})
        request: dict[str, Any] = {
            "ProductId": product_id,
            "ProvisioningArtifactId": form.artifact_id,
            "ProvisionedProductName": name,
            "ProvisioningParameters": values,
            "ProvisionToken": uuid.uuid4().hex,
        }
        if path_id or form.path_id:
            request["PathId"] = path_id or form.path_id
        response = self._client("servicecatalog", None).provision_product(**request)
        return str(response["RecordDetail"]["RecordId"])

    async def provisioning_status(self, record_id: str) -> RecordStatus:
        """``DescribeRecord`` of a provisioning request, with the cluster once it is known.

        The cluster id comes from the record's outputs when the template outputs
        it; otherwise from the cluster tagged with the provisioned product.
        """
        return await self._run(self._record, record_id)

    def _record(self, record_id: str) -> RecordStatus:
        response = self._client("servicecatalog", None).describe_record(Id=record_id)
        detail = response["RecordDetail"]
        outputs = {
            o["OutputKey"]: str(o.get("OutputValue", ""))
            for o in response.get("RecordOutputs", [])
            if "OutputKey" in o
        }
        cluster_id = next(
            (v for k, v in outputs.items() if "clusterid" in k.lower() and _CLUSTER_ID.match(v)),
            None,
        ) or next((v for v in outputs.values() if _CLUSTER_ID.match(v)), None)
        product_id = detail.get("ProvisionedProductId")
        if cluster_id is None and product_id and detail.get("RecordType", "") != "TERMINATE":
            cluster_id = self._cluster_of_product(product_id, detail.get("CreatedTime"))
        state = reason = None
        if cluster_id:
            status = self._describe(cluster_id, None)["Status"]
            state = status.get("State")
            reason = status.get("StateChangeReason", {}).get("Message")
        return RecordStatus(
            record_id=record_id,
            status=str(detail.get("Status", "")),
            record_type=str(detail.get("RecordType", "")),
            provisioned_product_id=product_id,
            provisioned_product_name=detail.get("ProvisionedProductName"),
            errors=tuple(
                f"{e.get('Code', '')}: {e.get('Description', '')}".strip(": ")
                for e in detail.get("RecordErrors", [])
            ),
            outputs=outputs,
            cluster_id=cluster_id,
            cluster_state=state,
            cluster_state_reason=reason,
        )

    def _cluster_of_product(self, product_id: str, since: datetime | None) -> str | None:
        emr = self._client("emr", None)
        request: dict[str, Any] = {"ClusterStates": list(ALL_STATES)}
        if isinstance(since, datetime):
            request["CreatedAfter"] = since - timedelta(minutes=1)
        marker: str | None = None
        while True:
            page = emr.list_clusters(**request, **({"Marker": marker} if marker else {}))
            for cluster in page.get("Clusters", []):
                tags = emr.describe_cluster(ClusterId=cluster["Id"])["Cluster"].get("Tags", [])
                for tag in tags:
                    if tag.get("Key") == PROVISIONED_PRODUCT_TAG and str(
                        tag.get("Value", "")
                    ).endswith(f"/{product_id}"):
                        return str(cluster["Id"])
            marker = page.get("Marker")
            if not marker:
                return None


def _translated(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise from_boto(exc) from exc


async def _settled(task: asyncio.Future[str]) -> str | None:
    try:
        return await task
    except StudioError:
        return None


#: Picker kind → (paginated EC2 operation, result key); see :func:`_ec2_kind`.
EC2_PICKERS: dict[str, tuple[str, str]] = {
    "subnets": ("describe_subnets", "Subnets"),
    "security groups": ("describe_security_groups", "SecurityGroups"),
    "VPCs": ("describe_vpcs", "Vpcs"),
}
_EC2_TYPES = {
    "AWS::EC2::Subnet::Id": "subnets",
    "AWS::EC2::SecurityGroup::Id": "security groups",
    "AWS::EC2::VPC::Id": "VPCs",
}


def _ec2_kind(parameter_type: str) -> str | None:
    inner = parameter_type.strip()
    if inner.startswith("List<") and inner.endswith(">"):
        inner = inner[5:-1].strip()
    return _EC2_TYPES.get(inner)


def _ec2_choice(kind: str, item: Mapping[str, Any]) -> dict[str, str]:
    name = next((t["Value"] for t in item.get("Tags") or [] if t.get("Key") == "Name"), "")
    if kind == "subnets":
        value = str(item["SubnetId"])
        details = [item.get("CidrBlock"), item.get("AvailabilityZone"), item.get("VpcId")]
    elif kind == "security groups":
        value = str(item["GroupId"])
        name = name or str(item.get("GroupName") or "")
        details = [item.get("Description"), item.get("VpcId")]
    else:
        value = str(item["VpcId"])
        details = [item.get("CidrBlock"), "default VPC" if item.get("IsDefault") else None]
    parts = [value, name, *(str(d) for d in details if d)]
    return {"value": value, "label": " · ".join(p for p in parts if p)}


def _now() -> datetime:
    return datetime.now(UTC)


def _states(states: Iterable[str] | None) -> tuple[str, ...]:
    if states is None:
        return ACTIVE_STATES
    wanted = tuple(dict.fromkeys(s.strip().upper() for s in states if s.strip()))
    unknown = [s for s in wanted if s not in ALL_STATES]
    if unknown:
        raise StudioError(
            "ValidationException",
            f"Unknown cluster state(s) {', '.join(unknown)}; use {', '.join(ALL_STATES)}.",
        )
    return wanted or ACTIVE_STATES


def _summary(cluster: Mapping[str, Any], role_arn: str | None) -> ClusterSummary:
    arn = str(cluster.get("ClusterArn", ""))
    parts = arn.split(":")
    account = parts[4] if len(parts) > 5 else (account_of_role(role_arn) if role_arn else "")
    status = cluster.get("Status", {})
    reason = status.get("StateChangeReason") or {}
    timeline = status.get("Timeline") or {}
    return ClusterSummary(
        id=str(cluster["Id"]),
        name=str(cluster.get("Name", "")),
        state=str(status.get("State", "")),
        creation_time=timeline.get("CreationDateTime"),
        account_id=account or "",
        arn=arn,
        role_arn=role_arn,
        state_reason_code=str(reason.get("Code") or ""),
        state_reason_message=str(reason.get("Message") or ""),
        end_time=timeline.get("EndDateTime"),
    )


def _presigned(response: Mapping[str, Any], cluster_id: str) -> str:
    url = response.get("PresignedURL")
    if not response.get("PresignedURLReady", bool(url)) or not url:
        raise StudioError(
            "PresignedURLNotReady",
            f"The Spark UI of {cluster_id} is not ready yet; try again in a few seconds.",
            503,
        )
    return str(url)


def _pick_artifact(
    artifacts: list[dict[str, Any]], artifact_id: str | None, product_id: str
) -> dict[str, Any]:
    if artifact_id:
        for artifact in artifacts:
            if artifact.get("Id") == artifact_id:
                return artifact
        raise StudioError(
            "ResourceNotFoundException",
            f"Product {product_id} has no version {artifact_id} you may launch; "
            f"its versions are {', '.join(a.get('Id', '') for a in artifacts) or 'none'}.",
            404,
        )
    usable = [a for a in artifacts if a.get("Guidance", "DEFAULT") != "DEPRECATED"]
    if not usable:
        raise StudioError(
            "ResourceNotFoundException",
            f"Product {product_id} has no active version to launch; ask the catalog admin to "
            "publish one.",
            404,
        )
    oldest = datetime.min.replace(tzinfo=UTC)
    return max(usable, key=lambda a: a.get("CreatedTime") or oldest)


def _project_name(name: str) -> str:
    # SageMaker project names: 1-32 letters, digits and single hyphens.
    cleaned = re.sub(r"[^a-zA-Z0-9-]+", "-", name).strip("-")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:32].strip("-")
    return cleaned or "studio-cluster"


def _project_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "p-" + "".join(secrets.choice(alphabet) for _ in range(12))
