"""Running stack operations in the background: one asyncio task per stack.

The stack's document in the store is the state machine; the runner reads the
stack's status, does that phase's work one resource at a time, recording
every transition (and an event) as it goes, and moves the stack on::

    CREATE_IN_PROGRESS ─▶ CREATE_COMPLETE
        │ a resource fails
        ├─▶ ROLLBACK_IN_PROGRESS ─▶ ROLLBACK_COMPLETE | ROLLBACK_FAILED   (OnFailure ROLLBACK)
        ├─▶ DELETE_IN_PROGRESS ─▶ DELETE_COMPLETE                         (OnFailure DELETE)
        └─▶ CREATE_FAILED                                                  (OnFailure DO_NOTHING)
    UPDATE_IN_PROGRESS ─▶ UPDATE_COMPLETE_CLEANUP_IN_PROGRESS ─▶ UPDATE_COMPLETE
        └─▶ UPDATE_ROLLBACK_IN_PROGRESS ─▶ UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS
                                           ─▶ UPDATE_ROLLBACK_COMPLETE | UPDATE_ROLLBACK_FAILED
    DELETE_IN_PROGRESS ─▶ DELETE_COMPLETE | DELETE_FAILED

Because every step is recorded before and after it happens, a runner
started again for a stack (after a server restart) carries on where the last
one stopped.

A runner shares the event loop with every account's calls, so nothing that
grows with the stack runs on it: reading and writing the stack's document
(hundreds of resources are hundreds of kilobytes of JSON), parsing and
planning the template, rendering its outputs all run in the stack account's
share of the platform's worker pool, and the runner gives the loop its turn
between two steps. Store sessions are never held across an ``await``; the
runners' writes go one at a time, and the API's one write to a stack being
worked on (a deletion asked for during creation) goes in turn with them
(:meth:`StackRunner.change`), so no write is lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from clusterport.errors import ServiceError
from clusterport.services.calls import ServiceCaller
from clusterport.services.cloudformation import stacks as st
from clusterport.services.cloudformation.resources.base import (
    ResourceApi,
    ResourceFailed,
    ResourceHandler,
    ResourceRequest,
    StackScope,
)
from clusterport.services.cloudformation.resources.registry import handler_for
from clusterport.services.cloudformation.stacks import StackStore, iso, when
from clusterport.services.principals import principal_from_document
from clusterport.store.resources import ResourceStore
from clusterport.templates import (
    NO_ECHO_MASK,
    ResolvedParameters,
    StackContext,
    StackOutput,
    StackPlan,
    TemplateError,
    load_template,
    plan,
    resolve_parameters,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds between two looks at a resource that is still being created or deleted.
DEFAULT_POLL_INTERVAL = 1.0

#: Resource statuses whose physical ID and attributes other resources may use.
_LIVE = frozenset({st.CREATE_COMPLETE, st.UPDATE_COMPLETE, st.UPDATE_IN_PROGRESS})


@dataclass(frozen=True)
class StackKey:
    """Where a stack is kept."""

    account_id: str
    region: str
    stack_id: str


class _ResourceError(Exception):
    """A resource failed; the phase decides what happens to the stack."""

    def __init__(self, logical_id: str | None, reason: str) -> None:
        super().__init__(reason)
        self.logical_id = logical_id
        self.reason = reason


class _Cancelled(Exception):
    """The stack's deletion was asked for while it was being created."""


class StackValues:
    """The values of a stack's created resources, for ``Ref``/``Fn::GetAtt`` (ResourceValues)."""

    def __init__(self, resources: Mapping[str, Mapping[str, Any]]) -> None:
        self.resources = resources

    def ref(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        physical = resource.get("PhysicalResourceId")
        if not physical or resource.get("Status") not in _LIVE:
            raise KeyError(logical_id)
        return handler_for(str(resource["Type"])).ref(
            str(physical), resource.get("Attributes") or {}
        )

    def get_att(self, logical_id: str, attribute: str) -> Any:
        self.ref(logical_id)
        return (self.resources[logical_id].get("Attributes") or {})[attribute]


def exports_of(session: Session, account_id: str, region: str) -> dict[str, tuple[str, str]]:
    """Export name → (value, exporting stack ID) for the account and region."""
    found: dict[str, tuple[str, str]] = {}
    rows = ResourceStore(session, st.SERVICE).find(st.STACK, account_id=account_id, region=region)
    for row in rows:
        if row.state == st.DELETE_COMPLETE:
            continue
        for output in row.data.get("Outputs") or ():
            if output.get("ExportName"):
                found[str(output["ExportName"])] = (str(output["OutputValue"]), row.resource_id)
    return found


def output_documents(outputs: list[StackOutput]) -> list[dict[str, Any]]:
    """Evaluated outputs as DescribeStacks shows them."""
    documents: list[dict[str, Any]] = []
    for output in outputs:
        entry: dict[str, Any] = {"OutputKey": output.key, "OutputValue": output.value}
        if output.description is not None:
            entry["Description"] = output.description
        if output.export_name is not None:
            entry["ExportName"] = output.export_name
        documents.append(entry)
    return documents


class StackRunner:
    """Runs the operations of every stack in the background."""

    def __init__(
        self, caller: ServiceCaller, *, poll_interval: float = DEFAULT_POLL_INTERVAL
    ) -> None:
        self.caller = caller
        self.platform = caller.platform
        self.poll_interval = poll_interval
        #: The running task of each stack (kept so tasks are not garbage-collected).
        self._tasks: dict[str, asyncio.Task[None]] = {}
        #: Held while a stack document is being changed (see :meth:`_change`).
        self._writing = asyncio.Lock()
        #: Stacks to work on once more when their running task ends (see :meth:`start`).
        self._again: set[str] = set()
        self._closing = False

    # ------------------------------------------------------------------ tasks

    def start(self, key: StackKey) -> None:
        """Work on ``key``'s stack in the background, unless a task already does.

        A task that is finishing may already have read the status it ends on: it
        then starts once more, so the status the caller just set is worked on.
        """
        if key.stack_id in self._tasks:
            self._again.add(key.stack_id)
            return
        task = asyncio.get_running_loop().create_task(self._run(key), name=f"stack {key.stack_id}")
        self._tasks[key.stack_id] = task
        task.add_done_callback(lambda _: self._finished(key))

    def _finished(self, key: StackKey) -> None:
        self._tasks.pop(key.stack_id, None)
        if key.stack_id in self._again:
            self._again.discard(key.stack_id)
            if not self._closing:
                self.start(key)

    async def close(self) -> None:
        """Cancel every running task and wait for them (their stacks stay in progress)."""
        self._closing = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def running(self, stack_id: str) -> bool:
        """True while a task works on the stack."""
        return stack_id in self._tasks

    async def _run(self, key: StackKey) -> None:
        phases: dict[str, Callable[[StackKey], Awaitable[None]]] = {
            st.CREATE_IN_PROGRESS: self._create,
            st.ROLLBACK_IN_PROGRESS: self._rollback,
            st.DELETE_IN_PROGRESS: self._delete,
            st.UPDATE_IN_PROGRESS: self._update,
            st.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: self._cleanup,
            st.UPDATE_ROLLBACK_IN_PROGRESS: self._update_rollback,
            st.UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: self._cleanup,
        }
        status = ""
        try:
            while True:
                document = await self._document(key)
                status = str(document["StackStatus"])
                phase = phases.get(status)
                if phase is None:
                    return
                await phase(key)
                if (await self._document(key))["StackStatus"] == status:
                    return  # the phase could not move on (it recorded why)
        except Exception:  # a bug: record it on the stack rather than leave it in progress
            log.exception("stack %s failed in %s", key.stack_id, status)
            failed = {
                st.CREATE_IN_PROGRESS: st.CREATE_FAILED,
                st.ROLLBACK_IN_PROGRESS: st.ROLLBACK_FAILED,
                st.DELETE_IN_PROGRESS: st.DELETE_FAILED,
                st.UPDATE_IN_PROGRESS: st.UPDATE_FAILED,
                st.UPDATE_ROLLBACK_IN_PROGRESS: st.UPDATE_ROLLBACK_FAILED,
            }.get(status, st.UPDATE_ROLLBACK_FAILED)
            await self._set_stack(
                key, failed, "Internal error while working on the stack; see the server log."
            )

    # ------------------------------------------------------------------ store access

    async def _document(self, key: StackKey) -> dict[str, Any]:
        """The stack's document, read in the account's share of the worker pool."""
        return await self.platform.workers.run(key.account_id, self._read, key)

    def _read(self, key: StackKey) -> dict[str, Any]:
        with self.platform.db.session() as session:
            row = StackStore(session, key.account_id, key.region).get(key.stack_id)
            if row is None:
                raise LookupError(f"stack {key.stack_id} disappeared from the store")
            # Decoded afresh by this session, which closes here: nobody else holds it.
            return dict(row.data)

    async def _change(
        self,
        key: StackKey,
        change: Callable[[dict[str, Any]], None],
        event: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Change the stored document; ``event`` (of the changed document) is recorded with it.

        The document is read, changed and written once, in the account's share of the
        worker pool: with hundreds of resources, decoding and encoding it is most of a
        step's work. Writes go one at a time (:meth:`change`), so a write of the API
        (a deletion asked for during creation) is never lost.
        """
        async with self._writing:
            return await self.platform.workers.run(key.account_id, self._write, key, change, event)

    async def change(self, key: StackKey, change: Callable[[dict[str, Any]], None]) -> None:
        """Change a stack's stored document, in turn with the runners' own writes."""
        await self._change(key, change)

    def _write(
        self,
        key: StackKey,
        change: Callable[[dict[str, Any]], None],
        event: Callable[[dict[str, Any]], Mapping[str, Any]] | None,
    ) -> dict[str, Any]:
        now = self.platform.now()
        with self.platform.db.session() as session:
            store = StackStore(session, key.account_id, key.region)
            row = store.get(key.stack_id)
            if row is None:
                raise LookupError(f"stack {key.stack_id} disappeared from the store")
            # Decoded afresh by this session: changed in place (no copy) and marked changed,
            # since JSON columns are otherwise compared whole with what was read.
            document = row.data
            change(document)
            flag_modified(row, "data")
            store.save(row, document, now)
            if event is not None:
                store.add_event(document, now, **event(document))
            return dict(document)

    async def _set_stack(
        self, key: StackKey, status: str, reason: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        now = self.platform.now()

        def change(document: dict[str, Any]) -> None:
            document["StackStatus"] = status
            if reason is not None:
                document["StackStatusReason"] = reason
            else:
                document.pop("StackStatusReason", None)
            if status == st.DELETE_COMPLETE:
                document["DeletionTime"] = iso(now)
            document.update(extra)

        def event(document: Mapping[str, Any]) -> Mapping[str, Any]:
            return {
                "logical_id": document["StackName"],
                "physical_id": document["StackId"],
                "resource_type": st.STACK_TYPE,
                "status": status,
                "reason": reason,
            }

        return await self._change(key, change, event)

    @staticmethod
    def _masked(document: Mapping[str, Any], properties: Mapping[str, Any]) -> Any:
        """``properties`` with the values of NoEcho parameters shown as ``****`` (for events)."""
        hidden = {
            str(p["Value"])
            for p in document.get("Parameters") or ()
            if p.get("NoEcho") and p.get("Value")
        }
        return _mask(properties, hidden) if hidden else properties

    async def _set_resource(
        self,
        key: StackKey,
        logical_id: str,
        status: str,
        *,
        reason: str | None = None,
        fields: Mapping[str, Any] | None = None,
        event_properties: Mapping[str, Any] | None = None,
        in_cleanup: bool = False,
    ) -> None:
        now = self.platform.now()
        record: dict[str, Any] = {}

        def change(document: dict[str, Any]) -> None:
            if in_cleanup:
                target = next(
                    e for e in document["Cleanup"] if e["LogicalResourceId"] == logical_id
                )
            else:
                target = document["Resources"].setdefault(logical_id, {})
            target.update(fields or {})
            target["Status"] = status
            target["Timestamp"] = iso(now)
            if reason is not None:
                target["StatusReason"] = reason
            else:
                target.pop("StatusReason", None)
            if not in_cleanup and logical_id not in document.setdefault("Order", []):
                document["Order"].append(logical_id)
            record.update(target)

        def event(document: Mapping[str, Any]) -> Mapping[str, Any]:
            return {
                "logical_id": logical_id,
                "physical_id": record.get("PhysicalResourceId"),
                "resource_type": str(record.get("Type", "")),
                "status": status,
                "reason": reason,
                "properties": (
                    None if event_properties is None else self._masked(document, event_properties)
                ),
            }

        await self._change(key, change, event)

    async def _cancel_requested(self, key: StackKey) -> bool:
        return bool((await self._document(key)).get("CancelRequested"))

    # ------------------------------------------------------------------ planning

    def _api(self, document: Mapping[str, Any], key: StackKey) -> ResourceApi:
        scope = StackScope(
            stack_name=str(document["StackName"]),
            stack_id=str(document["StackId"]),
            account_id=key.account_id,
            region=key.region,
            tags=tuple((str(t["Key"]), str(t["Value"])) for t in document.get("Tags") or ()),
        )
        return ResourceApi(self.caller, principal_from_document(document["Principal"]), scope)

    async def _planned(self, key: StackKey) -> StackPlan:
        """The stack's plan, made in the account's share of the worker pool."""
        return await self.platform.workers.run(
            key.account_id, lambda: self._plan(key, self._read(key))
        )

    def _plan(self, key: StackKey, document: Mapping[str, Any]) -> StackPlan:
        template = load_template(str(document["TemplateBody"]))
        given = {str(p["Key"]): str(p["Value"]) for p in document.get("Parameters") or ()}
        context = StackContext(
            account_id=key.account_id,
            region=key.region,
            stack_name=str(document["StackName"]),
            stack_id=str(document["StackId"]),
            notification_arns=tuple(document.get("NotificationARNs") or ()),
        )
        resolved: ResolvedParameters = resolve_parameters(template, given, context=context)

        def import_value(name: str) -> str | None:
            with self.platform.db.session() as session:
                found = exports_of(session, key.account_id, key.region).get(name)
            return None if found is None or found[1] == key.stack_id else found[0]

        return plan(template, resolved, context, import_value=import_value)

    def _outputs(self, key: StackKey, stack_plan: StackPlan) -> list[dict[str, Any]]:
        document = self._read(key)
        outputs = output_documents(stack_plan.render_outputs(StackValues(document["Resources"])))
        with self.platform.db.session() as session:
            exported = exports_of(session, key.account_id, key.region)
        for output in outputs:
            name = output.get("ExportName")
            if name and name in exported and exported[name][1] != key.stack_id:
                raise TemplateError(
                    f"Export with name {name} is already exported by stack "
                    f"{exported[name][1]}; export names are unique in an account and region."
                )
        return outputs

    async def _poll(
        self,
        key: StackKey,
        check: Callable[[], Awaitable[T | None]],
        *,
        cancellable: bool = False,
    ) -> T:
        """Call ``check`` until it returns a value (not None), honouring timeout and cancel."""
        while True:
            await _turn()
            result = await check()
            if result is not None:
                return result
            document = await self._document(key)
            if cancellable and document.get("CancelRequested"):
                raise _Cancelled
            deadline = when(document.get("Deadline"))
            if deadline is not None and self.platform.now() >= deadline:
                raise ResourceFailed("Resource creation cancelled: the stack's timeout expired.")
            await asyncio.sleep(self.poll_interval)

    # ------------------------------------------------------------------ creating

    async def _create_resource(
        self,
        key: StackKey,
        stack_plan: StackPlan,
        logical_id: str,
        *,
        cancellable: bool,
        update_action: str | None = None,
    ) -> None:
        """Create one resource (or a replacement) and wait until it is ready."""
        document = await self._document(key)
        resource = document["Resources"].get(logical_id) or {}
        planned = stack_plan.resources[logical_id]
        handler = handler_for(planned.type)
        api = self._api(document, key)
        replacing = update_action == "Replace"
        physical_key = "NewPhysicalId" if update_action else "PhysicalResourceId"
        in_progress = st.UPDATE_IN_PROGRESS if replacing else st.CREATE_IN_PROGRESS
        physical = resource.get(physical_key) if resource.get("Status") == in_progress else None
        if physical:
            properties = resource.get("Properties") or {}
        else:
            try:
                properties = stack_plan.render_properties(
                    logical_id, StackValues(document["Resources"])
                )
                metadata = stack_plan.render_metadata(
                    logical_id, StackValues(document["Resources"])
                )
            except TemplateError as error:
                raise _ResourceError(logical_id, error.message) from None
            declaration = stack_plan.template.resources[logical_id]
            fields: dict[str, Any] = {
                "Type": planned.type,
                "DeletionPolicy": declaration.deletion_policy,
                "Metadata": metadata,
            }
            if update_action:
                fields["Action"] = update_action
                fields["NewProperties"] = properties
            else:
                fields["Properties"] = properties
            reason = (
                "Requested update requires the creation of a new physical resource; hence "
                "creating one."
                if replacing
                else None
            )
            await self._set_resource(
                key,
                logical_id,
                in_progress,
                reason=reason,
                fields=fields,
                event_properties=properties,
            )
            await self._touch(key, logical_id, update_action)
            await _turn()
            try:
                physical = await handler.create(
                    api, ResourceRequest(logical_id, planned.type, properties)
                )
            except ResourceFailed as failure:
                raise _ResourceError(logical_id, failure.reason) from None
            await self._set_resource(
                key,
                logical_id,
                in_progress,
                reason="Resource creation Initiated",
                fields={physical_key: physical},
            )
        request = ResourceRequest(logical_id, planned.type, properties, physical_id=str(physical))
        try:
            attributes = await self._poll(
                key, lambda: handler.check_created(api, request), cancellable=cancellable
            )
        except ResourceFailed as failure:
            raise _ResourceError(logical_id, failure.reason) from None
        done: dict[str, Any] = {"Attributes": dict(attributes)}
        if update_action:
            done.update(
                {
                    "PhysicalResourceId": physical,
                    "Properties": properties,
                    "UpdateDone": True,
                }
            )
        await self._set_resource(
            key,
            logical_id,
            st.UPDATE_COMPLETE if replacing else st.CREATE_COMPLETE,
            fields=done,
        )

    async def _touch(self, key: StackKey, logical_id: str, update_action: str | None) -> None:
        if update_action is None:
            return

        def change(document: dict[str, Any]) -> None:
            touched = document.setdefault("Touched", [])
            if logical_id not in touched:
                touched.append(logical_id)

        await self._change(key, change)

    async def _create(self, key: StackKey) -> None:
        try:
            stack_plan = await self._planned(key)
            for logical_id in stack_plan.creation_order:
                await _turn()
                if await self._cancel_requested(key):
                    raise _Cancelled
                resource = (await self._document(key))["Resources"].get(logical_id) or {}
                if resource.get("Status") == st.CREATE_COMPLETE:
                    continue
                await self._create_resource(key, stack_plan, logical_id, cancellable=True)
            outputs = await self.platform.workers.run(
                key.account_id, self._outputs, key, stack_plan
            )
        except _Cancelled:
            await self._cancel_create(key)
            return
        except _ResourceError as error:
            await self._create_failed(key, error.logical_id, error.reason)
            return
        except (TemplateError, ServiceError) as error:
            await self._create_failed(key, None, error.message)
            return
        await self._set_stack(key, st.CREATE_COMPLETE, Outputs=outputs, Deadline=None)

    async def _cancel_create(self, key: StackKey) -> None:
        document = await self._document(key)
        for logical_id, resource in document["Resources"].items():
            if resource.get("Status") == st.CREATE_IN_PROGRESS:
                await self._set_resource(
                    key, logical_id, st.CREATE_FAILED, reason="Resource creation cancelled"
                )
        await self._set_stack(key, st.DELETE_IN_PROGRESS, "User Initiated", Deadline=None)

    async def _create_failed(self, key: StackKey, logical_id: str | None, reason: str) -> None:
        if logical_id is not None:
            await self._set_resource(key, logical_id, st.CREATE_FAILED, reason=reason)
            failure = {"LogicalResourceId": logical_id, "Reason": reason}
            await self._change(key, lambda d: d.setdefault("Failures", []).append(failure))
            summary = f"The following resource(s) failed to create: [{logical_id}] ({reason})."
        else:
            summary = reason
        on_failure = (await self._document(key)).get("OnFailure", "ROLLBACK")
        if on_failure == "DO_NOTHING":
            await self._set_stack(key, st.CREATE_FAILED, summary, Deadline=None)
        elif on_failure == "DELETE":
            await self._set_stack(
                key, st.DELETE_IN_PROGRESS, f"{summary} Delete requested by user.", Deadline=None
            )
        else:
            await self._set_stack(
                key,
                st.ROLLBACK_IN_PROGRESS,
                f"{summary} Rollback requested by user.",
                Deadline=None,
            )

    # ------------------------------------------------------------------ deleting

    def _deletion_order(self, document: Mapping[str, Any]) -> list[str]:
        order = [k for k in document.get("Order") or () if k in document["Resources"]]
        order += [k for k in document["Resources"] if k not in order]
        return list(reversed(order))

    async def _delete_one(
        self,
        key: StackKey,
        api: ResourceApi,
        entry: Mapping[str, Any],
        logical_id: str,
        *,
        retain: bool,
        in_cleanup: bool = False,
    ) -> str | None:
        """Delete one resource; returns the failure reason, or None when it is gone."""
        status = entry.get("Status")
        if status in (st.DELETE_COMPLETE, st.DELETE_SKIPPED):
            return None
        physical = entry.get("PhysicalResourceId")
        if not physical:
            await self._set_resource(key, logical_id, st.DELETE_COMPLETE, in_cleanup=in_cleanup)
            return None
        if retain:
            await self._set_resource(key, logical_id, st.DELETE_SKIPPED, in_cleanup=in_cleanup)
            return None
        await self._set_resource(key, logical_id, st.DELETE_IN_PROGRESS, in_cleanup=in_cleanup)
        await _turn()
        handler: ResourceHandler = handler_for(str(entry["Type"]))
        request = ResourceRequest(
            logical_id,
            str(entry["Type"]),
            entry.get("Properties") or {},
            physical_id=str(physical),
            attributes=entry.get("Attributes") or {},
        )
        try:
            await handler.delete(api, request)
            await self._poll(key, lambda: _true_or_none(handler.check_deleted(api, request)))
        except ResourceFailed as failure:
            await self._set_resource(
                key, logical_id, st.DELETE_FAILED, reason=failure.reason, in_cleanup=in_cleanup
            )
            return failure.reason
        await self._set_resource(key, logical_id, st.DELETE_COMPLETE, in_cleanup=in_cleanup)
        return None

    async def _delete_all(self, key: StackKey, *, honour_retain: bool) -> tuple[str, str] | None:
        """Delete every resource in reverse creation order; the first failure, if any."""
        document = await self._document(key)
        api = self._api(document, key)
        retained = set(document.get("RetainResources") or ())
        for logical_id in self._deletion_order(document):
            await _turn()
            entry = (await self._document(key))["Resources"][logical_id]
            policy = entry.get("DeletionPolicy", "Delete")
            retain = honour_retain and (policy in ("Retain", "Snapshot") or logical_id in retained)
            failure = await self._delete_one(key, api, entry, logical_id, retain=retain)
            if failure is not None:
                return logical_id, failure
        return None

    async def _rollback(self, key: StackKey) -> None:
        reason = (await self._document(key)).get("StackStatusReason")
        failed = await self._delete_all(key, honour_retain=True)
        if failed is not None:
            await self._set_stack(
                key,
                st.ROLLBACK_FAILED,
                f"The following resource(s) failed to delete: [{failed[0]}] ({failed[1]}).",
            )
            return
        if await self._cancel_requested(key):  # deletion was asked for during the rollback
            await self._set_stack(key, st.DELETE_IN_PROGRESS, "User Initiated")
            return
        await self._set_stack(key, st.ROLLBACK_COMPLETE, reason)

    async def _delete(self, key: StackKey) -> None:
        failed = await self._delete_all(key, honour_retain=True)
        if failed is not None:
            await self._set_stack(
                key,
                st.DELETE_FAILED,
                f"The following resource(s) failed to delete: [{failed[0]}] ({failed[1]}). "
                "Fix the cause and delete the stack again (RetainResources keeps resources "
                "that cannot be deleted).",
            )
            return
        await self._set_stack(key, st.DELETE_COMPLETE, CancelRequested=False)

    # ------------------------------------------------------------------ updating

    async def _update(self, key: StackKey) -> None:
        try:
            stack_plan = await self._planned(key)
            for logical_id in stack_plan.creation_order:
                await _turn()
                await self._update_resource(key, stack_plan, logical_id)
            outputs = await self.platform.workers.run(
                key.account_id, self._outputs, key, stack_plan
            )
        except _ResourceError as error:
            await self._update_failed(key, error.logical_id, error.reason)
            return
        except (TemplateError, ServiceError) as error:
            await self._update_failed(key, None, error.message)
            return
        await self._finish_update(key, stack_plan, outputs)

    async def _update_resource(self, key: StackKey, stack_plan: StackPlan, logical_id: str) -> None:
        document = await self._document(key)
        current = document["Resources"].get(logical_id) or {}
        if current.get("UpdateDone"):
            return
        previous = (document.get("Previous") or {}).get("Resources", {}).get(logical_id)
        planned = stack_plan.resources[logical_id]
        alive = previous is not None and previous.get("Status") in (
            st.CREATE_COMPLETE,
            st.UPDATE_COMPLETE,
        )
        if not alive:
            await self._create_resource(
                key, stack_plan, logical_id, cancellable=False, update_action="Create"
            )
            return
        assert previous is not None
        if previous.get("Type") != planned.type:
            raise _ResourceError(
                logical_id,
                f"Update of resource type is not permitted. The new template changes the type "
                f"of {logical_id} from {previous.get('Type')} to {planned.type}; give the new "
                "resource another logical ID.",
            )
        if current.get("Action") == "Replace":
            await self._create_resource(
                key, stack_plan, logical_id, cancellable=False, update_action="Replace"
            )
            return
        handler = handler_for(planned.type)
        if current.get("Action") == "Update" and current.get("Status") == st.UPDATE_IN_PROGRESS:
            properties = current.get("NewProperties") or {}
        else:
            try:
                properties = stack_plan.render_properties(
                    logical_id, StackValues(document["Resources"])
                )
            except TemplateError as error:
                raise _ResourceError(logical_id, error.message) from None
            kind = handler.update_kind(previous.get("Properties"), properties)
            if kind == "none":
                await self._change(
                    key,
                    lambda d: d["Resources"][logical_id].update(
                        {
                            "UpdateDone": True,
                            "DeletionPolicy": stack_plan.template.resources[
                                logical_id
                            ].deletion_policy,
                        }
                    ),
                )
                return
            if kind == "replace":
                await self._create_resource(
                    key, stack_plan, logical_id, cancellable=False, update_action="Replace"
                )
                return
            await self._set_resource(
                key,
                logical_id,
                st.UPDATE_IN_PROGRESS,
                fields={"Action": "Update", "NewProperties": properties},
                event_properties=properties,
            )
            await self._touch(key, logical_id, "Update")
        api = self._api(document, key)
        request = ResourceRequest(
            logical_id,
            planned.type,
            properties,
            physical_id=str(previous["PhysicalResourceId"]),
            attributes=previous.get("Attributes") or {},
            previous_properties=previous.get("Properties") or {},
        )
        try:
            await handler.update(api, request)
            attributes = await self._poll(key, lambda: handler.check_updated(api, request))
        except ResourceFailed as failure:
            raise _ResourceError(logical_id, failure.reason) from None
        await self._set_resource(
            key,
            logical_id,
            st.UPDATE_COMPLETE,
            fields={
                "Properties": properties,
                "Attributes": {**(previous.get("Attributes") or {}), **dict(attributes)},
                "UpdateDone": True,
            },
        )

    async def _update_failed(self, key: StackKey, logical_id: str | None, reason: str) -> None:
        summary = reason
        if logical_id is not None:
            current = (await self._document(key))["Resources"].get(logical_id) or {}
            status = (
                st.CREATE_FAILED if current.get("Action") in ("Create", None) else st.UPDATE_FAILED
            )
            await self._set_resource(key, logical_id, status, reason=reason)
            failure = {"LogicalResourceId": logical_id, "Reason": reason}
            await self._change(key, lambda d: d.setdefault("Failures", []).append(failure))
            summary = f"The following resource(s) failed to update: [{logical_id}] ({reason})."
        await self._set_stack(key, st.UPDATE_ROLLBACK_IN_PROGRESS, summary, RollbackReason=summary)

    async def _finish_update(
        self, key: StackKey, stack_plan: StackPlan, outputs: list[dict[str, Any]]
    ) -> None:
        def change(document: dict[str, Any]) -> None:
            previous = document.get("Previous") or {}
            cleanup: list[dict[str, Any]] = []
            for logical_id in reversed(previous.get("Order") or []):
                old = (previous.get("Resources") or {}).get(logical_id)
                if old is None or not old.get("PhysicalResourceId"):
                    continue
                current = document["Resources"].get(logical_id) or {}
                removed = logical_id not in stack_plan.resources
                replaced = current.get("Action") == "Replace"
                if removed or replaced:
                    cleanup.append({"LogicalResourceId": logical_id, **old})
                if removed:
                    document["Resources"].pop(logical_id, None)
            for resource in document["Resources"].values():
                for flag in ("Action", "NewPhysicalId", "NewProperties", "UpdateDone"):
                    resource.pop(flag, None)
            document["Order"] = list(stack_plan.creation_order)
            document["Cleanup"] = cleanup
            document["CleanupDone"] = st.UPDATE_COMPLETE
            document["Outputs"] = outputs
            document.pop("Touched", None)

        await self._change(key, change)
        await self._set_stack(key, st.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS)

    async def _update_rollback(self, key: StackKey) -> None:
        document = await self._document(key)
        previous = document.get("Previous") or {}
        api = self._api(document, key)
        cleanup: list[dict[str, Any]] = []
        try:
            for logical_id in reversed(document.get("Touched") or []):
                await _turn()
                current = (await self._document(key))["Resources"].get(logical_id) or {}
                old = (previous.get("Resources") or {}).get(logical_id)
                action = current.get("Action")
                if current.get("NewPhysicalId"):
                    cleanup.append(
                        {
                            "LogicalResourceId": logical_id,
                            "Type": current.get("Type"),
                            "PhysicalResourceId": current["NewPhysicalId"],
                            "Properties": current.get("NewProperties") or {},
                            "Attributes": current.get("Attributes") or {},
                            "Status": st.CREATE_COMPLETE,
                        }
                    )
                if action == "Update" and old is not None:
                    await self._revert(key, api, logical_id, current, old)
                elif old is not None:
                    await self._set_resource(
                        key, logical_id, st.UPDATE_COMPLETE, fields=_restored(old)
                    )
                else:
                    await self._change(key, _dropping(logical_id))
        except ResourceFailed as failure:
            await self._set_stack(
                key,
                st.UPDATE_ROLLBACK_FAILED,
                f"Rollback of the update failed: {failure.reason} Fix the cause, then continue "
                "the rollback or delete the stack.",
            )
            return

        def restore(d: dict[str, Any]) -> None:
            for field in (
                "TemplateBody",
                "Parameters",
                "Outputs",
                "Tags",
                "Capabilities",
                "Description",
                "Order",
            ):
                if field in previous:
                    d[field] = previous[field]
            for resource in d["Resources"].values():
                for flag in ("Action", "NewPhysicalId", "NewProperties", "UpdateDone"):
                    resource.pop(flag, None)
            d["Cleanup"] = cleanup
            d["CleanupDone"] = st.UPDATE_ROLLBACK_COMPLETE
            d.pop("Touched", None)

        await self._change(key, restore)
        await self._set_stack(
            key,
            st.UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
            (await self._document(key)).get("RollbackReason"),
        )

    async def _revert(
        self,
        key: StackKey,
        api: ResourceApi,
        logical_id: str,
        current: Mapping[str, Any],
        old: Mapping[str, Any],
    ) -> None:
        await self._set_resource(key, logical_id, st.UPDATE_IN_PROGRESS)
        handler = handler_for(str(old["Type"]))
        request = ResourceRequest(
            logical_id,
            str(old["Type"]),
            old.get("Properties") or {},
            physical_id=str(old["PhysicalResourceId"]),
            attributes=old.get("Attributes") or {},
            previous_properties=current.get("NewProperties") or current.get("Properties") or {},
        )
        await handler.update(api, request)
        await self._poll(key, lambda: handler.check_updated(api, request))
        await self._set_resource(key, logical_id, st.UPDATE_COMPLETE, fields=_restored(old))

    async def _cleanup(self, key: StackKey) -> None:
        document = await self._document(key)
        api = self._api(document, key)
        for entry in list(document.get("Cleanup") or ()):
            await _turn()
            logical_id = str(entry["LogicalResourceId"])
            # Cleanup failures leave the resource behind but do not fail the stack, as on AWS.
            await self._delete_one(key, api, entry, logical_id, retain=False, in_cleanup=True)

        def finish(d: dict[str, Any]) -> None:
            d.pop("Cleanup", None)
            d.pop("Previous", None)
            d.pop("RollbackReason", None)

        done = str(document.get("CleanupDone") or st.UPDATE_COMPLETE)
        reason = document.get("RollbackReason") if done == st.UPDATE_ROLLBACK_COMPLETE else None
        await self._change(key, finish)
        await self._set_stack(key, done, reason)


async def _turn() -> None:
    """Let the event loop answer other calls before the stack's next step."""
    await asyncio.sleep(0)


def _mask(value: Any, hidden: set[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _mask(v, hidden) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, hidden) for v in value]
    if isinstance(value, str):
        for secret in hidden:
            value = value.replace(secret, NO_ECHO_MASK)
    return value


def _dropping(logical_id: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["Resources"].pop(logical_id, None)

    return change


def _restored(old: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "PhysicalResourceId": old.get("PhysicalResourceId"),
        "Properties": old.get("Properties") or {},
        "Attributes": old.get("Attributes") or {},
        "Type": old.get("Type"),
    }


async def _true_or_none(check: Awaitable[bool]) -> bool | None:
    return True if await check else None


def timestamp_deadline(now: dt.datetime, minutes: int | None) -> str | None:
    """The stored deadline of an operation with a timeout in minutes."""
    return iso(now + dt.timedelta(minutes=minutes)) if minutes else None
