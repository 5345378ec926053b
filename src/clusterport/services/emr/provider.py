"""The EMR API: clusters that really run on this host's Spark.

Operations store what is wanted and return at once; the :class:`Reconciler`
(started with the app, or on the first call) makes the engine do it and keeps
the stored state up to date. Local engine naming: every node runs on this
host; instances' private IPs and DNS names come from their EC2 subnet (the
network model), while ``MasterPublicDnsName`` is ``localhost``, the name a
client on this host connects to (the Livy port is in the ``livy-conf``
configuration, Spark Connect comes through ``GetSessionEndpoint``). A Studio
user's sessions and Spark UI links are refused when the network from the
Studio domain cannot reach the primary node (:mod:`.connect_guard`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from clusterport.engines.base import ClusterNotFoundError, Engine, EngineError, StepNotFoundError
from clusterport.errors import ServiceError, ValidationError
from clusterport.platform import Platform
from clusterport.services.base import Provider, RequestContext, ResourceArns
from clusterport.services.emr import (
    app_ui,
    clusters,
    groups,
    paging,
    request,
    sessions,
    steps,
    ui_links,
)
from clusterport.services.emr import shapes_generated as shapes
from clusterport.services.emr.connect_guard import (
    SPARK_CONNECT_PORT,
    SPARK_HISTORY_PORT,
    check_connect,
    on_cluster_ui_port,
)
from clusterport.services.emr.documents import FINAL_STATES, cluster_state
from clusterport.services.emr.engine import platform_engine
from clusterport.services.emr.reconciler import ClusterKey, Reconciler
from clusterport.services.emr.records import records_of
from clusterport.services.emr.releases import (
    DEFAULT_RELEASE_LABEL,
    RELEASE_LABELS,
    application_filter_matches,
    check_release_label,
    release_applications,
)

log = logging.getLogger(__name__)

MAX_OPEN_STEPS = 256


def _cluster_arn(member: str) -> ResourceArns:
    def arns(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
        return [ctx.arn("elasticmapreduce", f"cluster/{params[member]}")]

    return arns


def _cluster_arns(member: str) -> ResourceArns:
    def arns(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
        return [ctx.arn("elasticmapreduce", f"cluster/{c}") for c in params[member]]

    return arns


def _optional_cluster_arn(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    cluster = params.get("ClusterId")
    return [ctx.arn("elasticmapreduce", f"cluster/{cluster}")] if cluster else ["*"]


def _persistent_ui_cluster_arn(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    """A persistent app UI is authorized against the cluster it shows, as on AWS."""
    with records_of(ctx) as rec:
        try:
            row = app_ui.find(rec, str(params["PersistentAppUIId"]))
        except ValidationError:
            return ["*"]  # the operation itself then reports the unknown id
        return [str(row.data["TargetResourceArn"])]


_BY_CLUSTER_ID = (
    "DescribeCluster",
    "ListInstanceGroups",
    "ListInstances",
    "ListSteps",
    "DescribeStep",
    "CancelSteps",
    "ListBootstrapActions",
    "PutAutoTerminationPolicy",
    "GetAutoTerminationPolicy",
    "RemoveAutoTerminationPolicy",
    "PutManagedScalingPolicy",
    "GetManagedScalingPolicy",
    "RemoveManagedScalingPolicy",
    "StartSession",
    "GetSession",
    "ListSessions",
    "TerminateSession",
    "GetSessionEndpoint",
    "GetOnClusterAppUIPresignedURL",
)


class EmrRuntime:
    """The engine and the reconciler one platform's clusters run with."""

    def __init__(self, platform: Platform) -> None:
        self.engine = platform_engine(platform)
        self.reconciler = Reconciler(
            platform, self.engine, resync_interval=platform.settings.resync_interval
        )


class EmrProvider(Provider):
    """The EMR API (json protocol, IAM prefix ``elasticmapreduce``).

    Beyond the API, each cluster's Livy endpoint is served at ``/_livy/<cluster-id>/``
    for SigV4-signed requests (service ``elasticmapreduce``). Every Livy request is
    authorized as the IAM action ``elasticmapreduce:AccessLivyEndpoints`` on the
    cluster's ARN (``arn:aws:elasticmapreduce:<region>:<account>:cluster/<id>``), an
    explicit Deny winning as for any call, and recorded in CloudTrail as the event
    ``AccessLivyEndpoints``. The action is this platform's (on AWS the VPC alone guards
    Livy on a cluster's primary node); grant it where notebooks connect with sparkmagic.
    Logins through presigned Spark UI URLs are recorded as ``AppUILogin`` events.
    """

    service = "emr"
    iam_prefix = "elasticmapreduce"
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = {
        **{op: _cluster_arn("ClusterId") for op in _BY_CLUSTER_ID},
        "TerminateJobFlows": _cluster_arns("JobFlowIds"),
        "SetTerminationProtection": _cluster_arns("JobFlowIds"),
        "SetKeepJobFlowAliveWhenNoSteps": _cluster_arns("JobFlowIds"),
        "SetVisibleToAllUsers": _cluster_arns("JobFlowIds"),
        "AddJobFlowSteps": _cluster_arn("JobFlowId"),
        "AddTags": _cluster_arn("ResourceId"),
        "RemoveTags": _cluster_arn("ResourceId"),
        "ModifyInstanceGroups": _optional_cluster_arn,
        "CreatePersistentAppUI": lambda ctx, p: [str(p["TargetResourceArn"])],
        "DescribePersistentAppUI": _persistent_ui_cluster_arn,
        "GetPersistentAppUIPresignedURL": _persistent_ui_cluster_arn,
    }
    no_resource_operations: ClassVar[frozenset[str]] = frozenset(
        {"RunJobFlow", "ListClusters", "ListReleaseLabels", "DescribeReleaseLabel"}
    )

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self._runtime: EmrRuntime | None = None

    # ------------------------------------------------------------------ runtime

    @property
    def engine(self) -> Engine | None:
        """The engine clusters run on, once the runtime started (None before)."""
        return self._runtime.engine if self._runtime is not None else None

    async def runtime(self) -> EmrRuntime:
        """The engine and the running reconciler (started on first use)."""
        if self._runtime is None:
            try:
                self._runtime = EmrRuntime(self.platform)
            except EngineError as exc:
                raise ServiceError(
                    f"Clusters cannot run on this host: {exc}", code="InternalServerError"
                ) from exc
        await self._runtime.reconciler.start()
        return self._runtime

    async def startup(self) -> None:
        """Start the reconciler with the app: clusters alive in the store are adopted.

        A host that cannot run Spark (no Java, say) still serves every other API;
        EMR calls then answer with the reason.
        """
        try:
            await self.runtime()
        except ServiceError as exc:
            log.warning("EMR clusters are unavailable: %s", exc.message)

    async def shutdown(self) -> None:
        """Stop the reconciler; the clusters keep running for the next start to adopt."""
        if self._runtime is not None:
            await self._runtime.reconciler.close()

    async def _notify(self, ctx: RequestContext, *cluster_ids: str) -> None:
        runtime = await self.runtime()
        for cluster_id in cluster_ids:
            runtime.reconciler.notify(ClusterKey(ctx.account_id, ctx.region, cluster_id))

    # ------------------------------------------------------------------ clusters

    async def run_job_flow(
        self, ctx: RequestContext, params: shapes.RunJobFlowInput
    ) -> shapes.RunJobFlowOutput:
        """A ``ServiceRole`` or ``JobFlowRole`` (instance profile) that does not exist or that
        the caller may not ``iam:PassRole`` is a ValidationException naming it; nothing is
        stored."""
        runtime = await self.runtime()
        cluster_id, arn = clusters.create_cluster(ctx, params, runtime.engine)
        await self._notify(ctx, cluster_id)
        return {"JobFlowId": cluster_id, "ClusterArn": arn}

    async def describe_cluster(
        self, ctx: RequestContext, params: shapes.DescribeClusterInput
    ) -> shapes.DescribeClusterOutput:
        """An unknown cluster id answers ``InvalidRequestException`` "Cluster id '…' is not valid."
        with ``ErrorCode: NoSuchCluster``, as EMR does (every call naming a cluster).
        """
        with records_of(ctx) as rec:
            return {"Cluster": clusters.describe_cluster(rec, params["ClusterId"], ctx.now)}

    async def list_clusters(
        self, ctx: RequestContext, params: shapes.ListClustersInput
    ) -> shapes.ListClustersOutput:
        with records_of(ctx) as rec:
            return clusters.list_clusters(rec, params, ctx.now)

    async def terminate_job_flows(
        self, ctx: RequestContext, params: shapes.TerminateJobFlowsInput
    ) -> shapes.NoOutput:
        with records_of(ctx) as rec:
            changed = clusters.terminate_clusters(rec, list(params["JobFlowIds"]), ctx.now)
        await self._notify(ctx, *changed)
        return {}

    async def set_termination_protection(
        self, ctx: RequestContext, params: shapes.SetTerminationProtectionInput
    ) -> shapes.NoOutput:
        with records_of(ctx) as rec:
            clusters.set_cluster_flag(
                rec,
                list(params["JobFlowIds"]),
                "TerminationProtected",
                bool(params["TerminationProtected"]),
                ctx.now,
            )
        return {}

    async def set_keep_job_flow_alive_when_no_steps(
        self, ctx: RequestContext, params: shapes.SetKeepJobFlowAliveWhenNoStepsInput
    ) -> shapes.NoOutput:
        keep = bool(params["KeepJobFlowAliveWhenNoSteps"])
        with records_of(ctx) as rec:
            clusters.set_cluster_flag(
                rec, list(params["JobFlowIds"]), "AutoTerminate", not keep, ctx.now
            )
        await self._notify(ctx, *params["JobFlowIds"])
        return {}

    async def set_visible_to_all_users(
        self, ctx: RequestContext, params: shapes.SetVisibleToAllUsersInput
    ) -> shapes.NoOutput:
        with records_of(ctx) as rec:
            clusters.set_cluster_flag(
                rec,
                list(params["JobFlowIds"]),
                "VisibleToAllUsers",
                bool(params["VisibleToAllUsers"]),
                ctx.now,
            )
        return {}

    async def list_bootstrap_actions(
        self, ctx: RequestContext, params: shapes.ListBootstrapActionsInput
    ) -> shapes.ListBootstrapActionsOutput:
        with records_of(ctx) as rec:
            actions = rec.cluster(params["ClusterId"]).data.get("BootstrapActions", [])
        chosen, marker = paging.page(
            actions, params.get("Marker"), f"bootstrap|{params['ClusterId']}"
        )
        return {"BootstrapActions": chosen, **({"Marker": marker} if marker else {})}

    # ------------------------------------------------------------------ tags

    async def add_tags(
        self, ctx: RequestContext, params: shapes.AddTagsInput
    ) -> shapes.AddTagsOutput:
        added = request.tag_list(params["Tags"])
        with records_of(ctx) as rec:
            row = rec.cluster(params["ResourceId"])
            doc = dict(row.data)
            doc["Cluster"] = {
                **doc["Cluster"],
                "Tags": clusters.merge_tags(doc["Cluster"].get("Tags", []), added, []),
            }
            rec.store.update(row, doc, ctx.now)
        return {}

    async def remove_tags(
        self, ctx: RequestContext, params: shapes.RemoveTagsInput
    ) -> shapes.RemoveTagsOutput:
        with records_of(ctx) as rec:
            row = rec.cluster(params["ResourceId"])
            doc = dict(row.data)
            doc["Cluster"] = {
                **doc["Cluster"],
                "Tags": clusters.merge_tags(
                    doc["Cluster"].get("Tags", []), [], [str(k) for k in params["TagKeys"]]
                ),
            }
            rec.store.update(row, doc, ctx.now)
        return {}

    # ------------------------------------------------------------------ policies

    def _set_policy(self, ctx: RequestContext, cluster_id: str, name: str, value: Any) -> None:
        with records_of(ctx) as rec:
            row = clusters.open_cluster(rec, cluster_id, "change the policy of")
            rec.store.update(row, {**row.data, name: value}, ctx.now)

    def _get_policy(self, ctx: RequestContext, cluster_id: str, name: str) -> dict[str, Any]:
        with records_of(ctx) as rec:
            value = rec.cluster(cluster_id).data.get(name)
        return {name: value} if value else {}

    async def put_auto_termination_policy(
        self, ctx: RequestContext, params: shapes.PutAutoTerminationPolicyInput
    ) -> shapes.PutAutoTerminationPolicyOutput:
        policy = params.get("AutoTerminationPolicy") or {}
        timeout = request.check_idle_timeout(policy.get("IdleTimeout"))
        self._set_policy(
            ctx, params["ClusterId"], "AutoTerminationPolicy", {"IdleTimeout": timeout}
        )
        await self._notify(ctx, params["ClusterId"])
        return {}

    async def get_auto_termination_policy(
        self, ctx: RequestContext, params: shapes.GetAutoTerminationPolicyInput
    ) -> shapes.GetAutoTerminationPolicyOutput:
        found = self._get_policy(ctx, params["ClusterId"], "AutoTerminationPolicy")
        return cast(shapes.GetAutoTerminationPolicyOutput, found)

    async def remove_auto_termination_policy(
        self, ctx: RequestContext, params: shapes.RemoveAutoTerminationPolicyInput
    ) -> shapes.RemoveAutoTerminationPolicyOutput:
        self._set_policy(ctx, params["ClusterId"], "AutoTerminationPolicy", None)
        return {}

    async def put_managed_scaling_policy(
        self, ctx: RequestContext, params: shapes.PutManagedScalingPolicyInput
    ) -> shapes.PutManagedScalingPolicyOutput:
        policy = request.check_managed_scaling(params["ManagedScalingPolicy"])
        self._set_policy(ctx, params["ClusterId"], "ManagedScalingPolicy", policy)
        await self._notify(ctx, params["ClusterId"])
        return {}

    async def get_managed_scaling_policy(
        self, ctx: RequestContext, params: shapes.GetManagedScalingPolicyInput
    ) -> shapes.GetManagedScalingPolicyOutput:
        found = self._get_policy(ctx, params["ClusterId"], "ManagedScalingPolicy")
        return cast(shapes.GetManagedScalingPolicyOutput, found)

    async def remove_managed_scaling_policy(
        self, ctx: RequestContext, params: shapes.RemoveManagedScalingPolicyInput
    ) -> shapes.RemoveManagedScalingPolicyOutput:
        self._set_policy(ctx, params["ClusterId"], "ManagedScalingPolicy", None)
        return {}

    # ------------------------------------------------------------------ instances

    async def list_instance_groups(
        self, ctx: RequestContext, params: shapes.ListInstanceGroupsInput
    ) -> shapes.ListInstanceGroupsOutput:
        with records_of(ctx) as rec:
            return groups.list_groups(rec, params)

    async def list_instances(
        self, ctx: RequestContext, params: shapes.ListInstancesInput
    ) -> shapes.ListInstancesOutput:
        with records_of(ctx) as rec:
            return groups.list_instances(rec, params)

    async def modify_instance_groups(
        self, ctx: RequestContext, params: shapes.ModifyInstanceGroupsInput
    ) -> shapes.NoOutput:
        runtime = await self.runtime()
        with records_of(ctx) as rec:
            changed = groups.modify_groups(
                rec, params, self.platform, runtime.engine.capacity(), ctx.now
            )
        await self._notify(ctx, *changed)
        return {}

    # ------------------------------------------------------------------ steps

    async def add_job_flow_steps(
        self, ctx: RequestContext, params: shapes.AddJobFlowStepsInput
    ) -> shapes.AddJobFlowStepsOutput:
        configs = request.check_steps(params["Steps"])
        cluster_id = params["JobFlowId"]
        with records_of(ctx) as rec:
            clusters.open_cluster(rec, cluster_id, "add steps to")
            open_steps = [s for s in rec.steps(cluster_id) if s.state in steps.OPEN_STATES]
            if len(open_steps) + len(configs) > MAX_OPEN_STEPS:
                raise ValidationError(
                    f"A cluster can have at most {MAX_OPEN_STEPS} pending and running steps; "
                    f"{cluster_id} has {len(open_steps)}. Wait for some to finish."
                )
            step_ids = clusters.add_steps(
                rec, cluster_id, configs, ctx.now, params.get("ExecutionRoleArn")
            )
        await self._notify(ctx, cluster_id)
        return {"StepIds": step_ids}

    async def list_steps(
        self, ctx: RequestContext, params: shapes.ListStepsInput
    ) -> shapes.ListStepsOutput:
        cluster_id = params["ClusterId"]
        wanted_states = params.get("StepStates")
        wanted_ids = params.get("StepIds")
        with records_of(ctx) as rec:
            rec.cluster(cluster_id)
            rows = list(reversed(rec.steps(cluster_id)))
        found = [
            cast(shapes.StepSummary, steps.api(r.data))
            for r in rows
            if (not wanted_states or r.state in wanted_states)
            and (not wanted_ids or r.resource_id in wanted_ids)
        ]
        scope = f"steps|{cluster_id}|{sorted(wanted_states or [])}|{sorted(wanted_ids or [])}"
        chosen, marker = paging.page(found, params.get("Marker"), scope)
        return {"Steps": chosen, **({"Marker": marker} if marker else {})}

    async def describe_step(
        self, ctx: RequestContext, params: shapes.DescribeStepInput
    ) -> shapes.DescribeStepOutput:
        with records_of(ctx) as rec:
            rec.cluster(params["ClusterId"])
            step = steps.api(rec.step(params["ClusterId"], params["StepId"]).data)
            return {"Step": cast(shapes.Step, step)}

    async def cancel_steps(
        self, ctx: RequestContext, params: shapes.CancelStepsInput
    ) -> shapes.CancelStepsOutput:
        runtime = await self.runtime()
        cluster_id = params["ClusterId"]
        results: list[shapes.CancelStepsInfo] = []
        running: list[str] = []
        with records_of(ctx) as rec:
            rec.cluster(cluster_id)
            for step_id in params["StepIds"]:
                row = rec.store.get(ctx.account_id, ctx.region, "step", step_id)
                if row is None or row.parent_id != cluster_id:
                    results.append(
                        {"StepId": step_id, "Status": "FAILED", "Reason": "No such step."}
                    )
                elif row.state == steps.PENDING:
                    data = steps.moved(
                        row.data, steps.CANCELLED, ctx.now, message="Cancelled by request."
                    )
                    rec.store.update(row, data, ctx.now, state=steps.CANCELLED)
                    results.append({"StepId": step_id, "Status": "SUBMITTED"})
                elif row.state == steps.RUNNING:
                    data = steps.moved(row.data, steps.CANCEL_PENDING, ctx.now)
                    rec.store.update(row, data, ctx.now, state=steps.CANCEL_PENDING)
                    running.append(step_id)
                    results.append({"StepId": step_id, "Status": "SUBMITTED"})
                else:
                    results.append(
                        {
                            "StepId": step_id,
                            "Status": "FAILED",
                            "Reason": f"The step is {row.state}; only PENDING and RUNNING "
                            "steps can be cancelled.",
                        }
                    )
        for step_id in running:
            # A step that ended meanwhile has nothing left to cancel; its run reports it.
            with contextlib.suppress(StepNotFoundError, ClusterNotFoundError):
                await runtime.engine.cancel_step(cluster_id, step_id)
        await self._notify(ctx, cluster_id)
        return {"CancelStepsInfoList": results}

    # ------------------------------------------------------------------ sessions

    async def start_session(
        self, ctx: RequestContext, params: shapes.StartSessionInput
    ) -> shapes.StartSessionOutput:
        with records_of(ctx) as rec:
            cluster = rec.cluster(params["ClusterId"])
            check_connect(rec.session, ctx, cluster, SPARK_CONNECT_PORT, "a Spark Connect session")
            data = sessions.start_session(rec, params, ctx.now)
        answer = {k: data[k] for k in ("Id", "ClusterId", "Arn", "AccountId", "State")}
        return cast(shapes.StartSessionOutput, answer)

    async def get_session(
        self, ctx: RequestContext, params: shapes.GetSessionInput
    ) -> shapes.GetSessionOutput:
        with records_of(ctx) as rec:
            found = sessions.get_session(rec, params["ClusterId"], params["SessionId"])
            return {"Session": cast(shapes.Session, found)}

    async def list_sessions(
        self, ctx: RequestContext, params: shapes.ListSessionsInput
    ) -> shapes.ListSessionsOutput:
        with records_of(ctx) as rec:
            return cast(shapes.ListSessionsOutput, sessions.list_sessions(rec, params))

    async def terminate_session(
        self, ctx: RequestContext, params: shapes.TerminateSessionInput
    ) -> shapes.TerminateSessionOutput:
        runtime = await self.runtime()
        cluster_id, session_id = str(params["ClusterId"]), str(params["SessionId"])
        with records_of(ctx) as rec:
            ended = sessions.terminate_session(rec, cluster_id, session_id, ctx.now)
        if ended:  # a cluster never started had no proxy that accepted its tokens
            with contextlib.suppress(ClusterNotFoundError):
                await runtime.engine.revoke_session(cluster_id, session_id)
        return cast(shapes.TerminateSessionOutput, sessions.terminated(cluster_id, session_id))

    async def get_session_endpoint(
        self, ctx: RequestContext, params: shapes.GetSessionEndpointInput
    ) -> shapes.GetSessionEndpointOutput:
        runtime = await self.runtime()
        with records_of(ctx) as rec:
            cluster = rec.cluster(params["ClusterId"])
            check_connect(rec.session, ctx, cluster, SPARK_CONNECT_PORT, "a Spark Connect session")
            endpoint = await sessions.session_endpoint(
                rec, runtime.engine, params["ClusterId"], params["SessionId"], ctx.now
            )
            return cast(shapes.GetSessionEndpointOutput, endpoint)

    # ------------------------------------------------------------------ Spark UIs

    async def get_on_cluster_app_ui_presigned_url(
        self, ctx: RequestContext, params: shapes.GetOnClusterAppUIPresignedURLInput
    ) -> shapes.GetOnClusterAppUIPresignedURLOutput:
        """``ApplicationMaster`` without an ``ApplicationId`` lands on the jobs page of the
        cluster's own application (its Spark Connect driver); ``ResourceManager`` is the
        Spark master's page.
        """
        with records_of(ctx) as rec:
            answer = app_ui.on_cluster_url(ctx, rec, params)
            kind = params.get("OnClusterAppUIType") or "ApplicationMaster"
            check_connect(
                rec.session,
                ctx,
                rec.cluster(params["ClusterId"]),
                on_cluster_ui_port(kind),
                f"the {kind} UI",
            )
            return cast(shapes.GetOnClusterAppUIPresignedURLOutput, answer)

    async def create_persistent_app_ui(
        self, ctx: RequestContext, params: shapes.CreatePersistentAppUIInput
    ) -> shapes.CreatePersistentAppUIOutput:
        runtime = await self.runtime()
        with records_of(ctx) as rec:
            row, attached = app_ui.create(ctx, rec, params)
            ui_id, cluster_id = row.resource_id, str(row.parent_id)
        if not attached:
            runtime.reconciler.attach_history(ClusterKey(ctx.account_id, ctx.region, cluster_id))
        return {"PersistentAppUIId": ui_id, "RuntimeRoleEnabledCluster": False}

    async def describe_persistent_app_ui(
        self, ctx: RequestContext, params: shapes.DescribePersistentAppUIInput
    ) -> shapes.DescribePersistentAppUIOutput:
        runtime = await self.runtime()
        with records_of(ctx) as rec:
            row = app_ui.find(rec, params["PersistentAppUIId"])
            view = app_ui.describe(row)
            key = ClusterKey(ctx.account_id, ctx.region, str(row.parent_id))
        if view["PersistentAppUIStatus"] == app_ui.ATTACHING:
            runtime.reconciler.attach_history(key)
        return {"PersistentAppUI": cast(shapes.PersistentAppUI, view)}

    async def get_persistent_app_ui_presigned_url(
        self, ctx: RequestContext, params: shapes.GetPersistentAppUIPresignedURLInput
    ) -> shapes.GetPersistentAppUIPresignedURLOutput:
        """Without an ``ApplicationId`` the link lands on the history server's page of the
        cluster's own application (its Spark Connect driver), also after it terminated.
        """
        runtime = await self.runtime()
        with records_of(ctx) as rec:
            row = app_ui.find(rec, params["PersistentAppUIId"])
            cluster_row = rec.cluster(str(row.parent_id))
            # A running cluster's UI comes from its primary node; a terminated one's from
            # kept event logs, which no network path leads to.
            check_connect(
                rec.session, ctx, cluster_row, SPARK_HISTORY_PORT, "the persistent Spark UI"
            )
            cluster = cluster_row.data
        key = ClusterKey(ctx.account_id, ctx.region, str(row.parent_id))
        if cluster_state(cluster) in FINAL_STATES and not await runtime.engine.history_served(
            key.cluster_id
        ):
            await runtime.reconciler.history_ready(key)
        with records_of(ctx) as rec:
            row = app_ui.find(rec, params["PersistentAppUIId"])
            answer = app_ui.presigned(
                ctx, row, params, row.state == app_ui.ATTACHED, ui_links.ui_prefix_of(cluster)
            )
            return cast(shapes.GetPersistentAppUIPresignedURLOutput, answer)

    # ------------------------------------------------------------------ releases

    async def list_release_labels(
        self, ctx: RequestContext, params: shapes.ListReleaseLabelsInput
    ) -> shapes.ListReleaseLabelsOutput:
        filters = params.get("Filters") or {}
        prefix = filters.get("Prefix") or ""
        app = filters.get("Application")
        labels = [
            label
            for label in RELEASE_LABELS
            if label.startswith(prefix) and (not app or application_filter_matches(app))
        ]
        size = int(params.get("MaxResults") or paging.PAGE_SIZE)
        scope = f"labels|{prefix}|{app}"
        chosen, token = paging.page(labels, params.get("NextToken"), scope, size)
        return {"ReleaseLabels": chosen, **({"NextToken": token} if token else {})}

    async def describe_release_label(
        self, ctx: RequestContext, params: shapes.DescribeReleaseLabelInput
    ) -> shapes.DescribeReleaseLabelOutput:
        label = check_release_label(params.get("ReleaseLabel") or DEFAULT_RELEASE_LABEL)
        return {
            "ReleaseLabel": label,
            "Applications": release_applications(),
            "AvailableOSReleases": [],
        }


async def emr_engine(platform: Platform) -> Engine:
    """The engine the platform's clusters run on (the EMR service's, started on first use).

    The gateway's Livy and Spark UI routes reach a cluster's keys through it.
    """
    provider = platform.providers["emr"]
    assert isinstance(provider, EmrProvider)
    return (await provider.runtime()).engine
