"""Steps: their stored documents, their states, and what a failure does to the rest.

::

    PENDING ─▶ RUNNING ─▶ COMPLETED | FAILED | CANCELLED
       │          └─▶ CANCEL_PENDING ─▶ CANCELLED
       └─▶ CANCELLED (CancelSteps, CANCEL_AND_WAIT, or the cluster terminating)

A step running when the control plane stopped does not survive it (the engine
ends its process); after the restart it is INTERRUPTED.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.engines.base import StepResult, StepSpec
from clusterport.services.emr.documents import api_view, iso, with_status

PENDING = "PENDING"
CANCEL_PENDING = "CANCEL_PENDING"
RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
CANCELLED = "CANCELLED"
FAILED = "FAILED"
INTERRUPTED = "INTERRUPTED"

OPEN_STATES: tuple[str, ...] = (PENDING, CANCEL_PENDING, RUNNING)
CLOSED_STATES: tuple[str, ...] = (COMPLETED, CANCELLED, FAILED, INTERRUPTED)

CONTINUE = "CONTINUE"
CANCEL_AND_WAIT = "CANCEL_AND_WAIT"
TERMINATING_ACTIONS: tuple[str, ...] = ("TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW")

_STEP_TIMES = ("StartDateTime",)


def new_step(
    step_id: str, config: Mapping[str, Any], now: dt.datetime, execution_role: str | None = None
) -> dict[str, Any]:
    """A PENDING step from a checked step configuration."""
    data: dict[str, Any] = {
        "Id": step_id,
        "Name": config["Name"],
        "Config": copy.deepcopy(dict(config["Config"])),
        "ActionOnFailure": config["ActionOnFailure"],
        "Status": {
            "State": PENDING,
            "StateChangeReason": {},
            "Timeline": {"CreationDateTime": iso(now)},
        },
    }
    if execution_role:
        data["ExecutionRoleArn"] = execution_role
    return data


def moved(
    step: Mapping[str, Any],
    state: str,
    now: dt.datetime,
    *,
    message: str | None = None,
    failure: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A copy of ``step`` in ``state``: start and end times filled in."""
    out = copy.deepcopy(dict(step))
    status = with_status(out["Status"], state, now, ready_states=(), final_states=CLOSED_STATES)
    status["StateChangeReason"] = {"Message": message} if message else {}
    timeline = status["Timeline"]
    if state == RUNNING and "StartDateTime" not in timeline:
        timeline["StartDateTime"] = iso(now)
    if failure is not None:
        status["FailureDetails"] = dict(failure)
    out["Status"] = status
    return out


def finished(step: Mapping[str, Any], result: StepResult, now: dt.datetime) -> dict[str, Any]:
    """The step after the engine reported how it ended."""
    if result.cancelled:
        return moved(step, CANCELLED, now, message="Cancelled by request.")
    if result.succeeded:
        return moved(step, COMPLETED, now)
    return moved(
        step,
        FAILED,
        now,
        failure={
            "Reason": f"The step exited with code {result.exit_code}.",
            "Message": result.message[-4000:] or f"exit code {result.exit_code}",
            "LogFile": result.stderr_log,
        },
    )


def step_spec(step: Mapping[str, Any]) -> StepSpec:
    """The engine's view of a step."""
    config = step["Config"]
    return StepSpec(
        step_id=str(step["Id"]),
        jar=str(config["Jar"]),
        args=list(config.get("Args") or ()),
        main_class=config.get("MainClass") or None,
        properties=dict(config.get("Properties") or {}),
        name=str(step.get("Name") or ""),
    )


def api(step: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Step``/``StepSummary`` shape."""
    out: dict[str, Any] = api_view(step)
    if not out["Config"].get("MainClass"):
        out["Config"].pop("MainClass", None)
    return out
