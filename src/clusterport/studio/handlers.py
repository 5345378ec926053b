"""The Clusters panel's HTTP API: thin Tornado handlers over :class:`ClustersManager`.

Every route lives under ``<base_url>/clusterport/`` and needs an authenticated
Jupyter user. Bodies and answers are JSON; a failure answers
``{"code", "message"}`` with the status of the AWS error (4xx/5xx), never a
traceback.

=======  ======================================  =========================================
verb     path                                    manager call
=======  ======================================  =========================================
GET      clusters?states=RUNNING,WAITING         ``list_clusters``
GET      clusters/{id}?accountId=                ``describe_cluster``
POST     clusters/{id}/spark-ui  {accountId}     ``spark_ui_url`` → ``{"url"}``
POST     clusters/{id}/terminate {accountId}     ``terminate``
GET      products                                ``list_products``
GET      products/{id}/parameters?artifactId=    ``provisioning_parameters``
POST     products/{id}/provision {name, ...}     ``create_cluster`` → ``{"recordId"}``
GET      records/{id}                            ``provisioning_status``
GET      ec2-choices?type=AWS::EC2::Subnet::Id   ``ec2_choices`` → ``{"choices"}``
GET      config                                  the role configuration read at start
=======  ======================================  =========================================
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from clusterport.studio.errors import StudioError
from clusterport.studio.manager import ClustersManager

__all__ = ["MANAGER_SETTING", "handlers"]

MANAGER_SETTING = "clusterport_studio_manager"


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _Handler(APIHandler):
    """Shared plumbing: the manager, JSON in and out, errors as ``{"code", "message"}``."""

    @property
    def manager(self) -> ClustersManager:
        manager: ClustersManager = self.settings[MANAGER_SETTING]
        return manager

    def body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        try:
            parsed = json.loads(self.request.body)
        except json.JSONDecodeError as exc:
            raise StudioError("BadRequest", f"The request body is not JSON: {exc.msg}.") from exc
        if not isinstance(parsed, dict):
            raise StudioError("BadRequest", "The request body must be a JSON object.")
        return parsed

    async def answer(self, work: Awaitable[Any], status: int = 200) -> None:
        try:
            result = await work
        except StudioError as error:
            self.set_status(error.status)
            self.finish(json.dumps(error.to_json()))
            return
        if hasattr(result, "to_json"):
            result = result.to_json()
        self.set_status(status)
        self.finish(json.dumps(result, default=_default))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Anything unexpected still answers ``{"code", "message"}``, never a traceback."""
        self.set_header("Content-Type", "application/json")
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, tornado.web.HTTPError):
            code = error.reason or str(status_code)
            message = error.log_message or code
        else:
            code = "InternalFailure"
            message = "The Clusters extension failed; the Jupyter server log has the details."
        self.finish(json.dumps({"code": code, "message": message}))

    def fail(self, error: StudioError) -> None:
        self.set_status(error.status)
        self.finish(json.dumps(error.to_json()))


class ClustersHandler(_Handler):
    """``GET clusters?states=…``: every visible cluster across accounts."""

    @tornado.web.authenticated
    async def get(self) -> None:
        raw = self.get_query_argument("states", "")
        states = [s for s in raw.split(",") if s.strip()] or None
        await self.answer(self.manager.list_clusters(states))


class ClusterHandler(_Handler):
    """``GET clusters/{id}?accountId=``: ``DescribeCluster``."""

    @tornado.web.authenticated
    async def get(self, cluster_id: str) -> None:
        account = self.get_query_argument("accountId", None)
        await self.answer(self._described(cluster_id, account))

    async def _described(self, cluster_id: str, account: str | None) -> dict[str, Any]:
        return {"cluster": await self.manager.describe_cluster(cluster_id, account)}


class SparkUiHandler(_Handler):
    """``POST clusters/{id}/spark-ui``: a presigned Spark UI URL."""

    @tornado.web.authenticated
    async def post(self, cluster_id: str) -> None:
        try:
            account = self.body().get("accountId")
        except StudioError as error:
            self.fail(error)
            return
        await self.answer(self._url(cluster_id, account))

    async def _url(self, cluster_id: str, account: str | None) -> dict[str, str]:
        return {"url": await self.manager.spark_ui_url(cluster_id, account)}


class TerminateHandler(_Handler):
    """``POST clusters/{id}/terminate``: stop the cluster (through its product if it has one)."""

    @tornado.web.authenticated
    async def post(self, cluster_id: str) -> None:
        try:
            account = self.body().get("accountId")
        except StudioError as error:
            self.fail(error)
            return
        await self.answer(self.manager.terminate(cluster_id, account))


class ProductsHandler(_Handler):
    """``GET products``: products visible in Studio."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self._products())

    async def _products(self) -> dict[str, Any]:
        return {"products": [p.to_json() for p in await self.manager.list_products()]}


class ParametersHandler(_Handler):
    """``GET products/{id}/parameters?artifactId=``: the launch form."""

    @tornado.web.authenticated
    async def get(self, product_id: str) -> None:
        artifact = self.get_query_argument("artifactId", None)
        await self.answer(self.manager.provisioning_parameters(product_id, artifact))


class ProvisionHandler(_Handler):
    """``POST products/{id}/provision``: launch a cluster from a product."""

    @tornado.web.authenticated
    async def post(self, product_id: str) -> None:
        try:
            body = self.body()
            name = body.get("name")
            parameters = body.get("parameters") or {}
            if not isinstance(name, str) or not name:
                raise StudioError("BadRequest", 'The body needs "name", the cluster\'s name.')
            if not isinstance(parameters, dict):
                raise StudioError("BadRequest", '"parameters" must be an object of strings.')
        except StudioError as error:
            self.fail(error)
            return
        await self.answer(
            self._provision(
                product_id,
                body.get("artifactId"),
                name,
                {str(k): str(v) for k, v in parameters.items()},
                body.get("pathId"),
            ),
            status=201,
        )

    async def _provision(
        self,
        product_id: str,
        artifact_id: str | None,
        name: str,
        parameters: dict[str, str],
        path_id: str | None,
    ) -> dict[str, str]:
        record = await self.manager.create_cluster(
            product_id, artifact_id, name, parameters, path_id
        )
        return {"recordId": record}


class RecordHandler(_Handler):
    """``GET records/{id}``: provisioning progress."""

    @tornado.web.authenticated
    async def get(self, record_id: str) -> None:
        await self.answer(self.manager.provisioning_status(record_id))


class Ec2ChoicesHandler(_Handler):
    """``GET ec2-choices?type=``: the account's subnets, security groups or VPCs."""

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self._choices(self.get_query_argument("type", "")))

    async def _choices(self, parameter_type: str) -> dict[str, Any]:
        return {"choices": await self.manager.ec2_choices(parameter_type)}


class ConfigHandler(_Handler):
    """``GET config``: the cross-account configuration as read at start, with its errors."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.finish(json.dumps(self.manager.configuration.to_json()))


def handlers(base_url: str) -> list[tuple[str, type[_Handler]]]:
    """The routes of the API under ``base_url``."""
    segment = r"([^/]+)"

    def route(path: str) -> str:
        return url_path_join(base_url, "clusterport", path)

    return [
        (route("clusters"), ClustersHandler),
        (route(f"clusters/{segment}"), ClusterHandler),
        (route(f"clusters/{segment}/spark-ui"), SparkUiHandler),
        (route(f"clusters/{segment}/terminate"), TerminateHandler),
        (route("products"), ProductsHandler),
        (route(f"products/{segment}/parameters"), ParametersHandler),
        (route(f"products/{segment}/provision"), ProvisionHandler),
        (route(f"records/{segment}"), RecordHandler),
        (route("ec2-choices"), Ec2ChoicesHandler),
        (route("config"), ConfigHandler),
    ]
