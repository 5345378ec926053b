"""No tenant stalls another: heavy work of one account never holds another's calls.

Each test asserts an order of events (a call answered while another
account's work is still in progress), never a duration; speed is measured in
bench/fairness.py.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config

from catalog_support import wait_stack
from clusterport.workers import WorkerPool
from conftest import RunningServer, start_server

A = "111111111111"
B = "222222222222"
#: Enough resources that creating or deleting them takes many turns of the loop.
RESOURCES = 150


def handles_template(count: int) -> str:
    """``count`` wait-condition handles: resources that need no other service."""
    resources = {
        f"Handle{i}": {"Type": "AWS::CloudFormation::WaitConditionHandle"} for i in range(count)
    }
    return json.dumps({"Resources": resources})


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_clusterport/health", timeout=60) as answer:
        found: dict[str, Any] = json.loads(answer.read())
    return found


def status(cf: Any, stack_id: str) -> str:
    return str(cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"])


def code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response["Error"]["Code"])


def message(error: botocore.exceptions.ClientError) -> str:
    return str(error.response["Error"]["Message"])


# ---------------------------------------------------------------------------- stacks


def test_another_account_is_answered_while_a_big_stack_is_created_and_deleted(
    server: RunningServer,
) -> None:
    cf = server.client("cloudformation", B)
    sts = server.client("sts", A)
    stack_id = cf.create_stack(StackName="big", TemplateBody=handles_template(RESOURCES))["StackId"]
    assert sts.get_caller_identity()["Account"] == A
    assert health(server.url)["status"] == "ok"
    assert status(cf, stack_id) == "CREATE_IN_PROGRESS"  # A was answered first
    assert wait_stack(cf, stack_id, timeout=600)["StackStatus"] == "CREATE_COMPLETE"
    assert len(cf.describe_stack_resources(StackName=stack_id)["StackResources"]) == RESOURCES

    cf.delete_stack(StackName=stack_id)
    assert sts.get_caller_identity()["Account"] == A
    assert health(server.url)["status"] == "ok"
    assert status(cf, stack_id) == "DELETE_IN_PROGRESS"
    assert wait_stack(cf, stack_id, timeout=600)["StackStatus"] == "DELETE_COMPLETE"


def test_the_server_answers_before_it_resumes_an_interrupted_stack(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first, uv, thread = start_server(data)
    try:
        cf = first.client("cloudformation", B)
        stack_id = cf.create_stack(StackName="resumed", TemplateBody=handles_template(RESOURCES))[
            "StackId"
        ]
        keys = dict(first.keys)
    finally:
        uv.should_exit = True
        thread.join(60)
    assert not thread.is_alive()
    second, uv, thread = start_server(data)
    second.keys.update(keys)
    try:
        assert health(second.url)["status"] == "ok"
        assert second.client("sts", A).get_caller_identity()["Account"] == A
        cf = second.client("cloudformation", B)
        assert status(cf, stack_id) == "CREATE_IN_PROGRESS"  # answered before it resumed
        assert wait_stack(cf, stack_id, timeout=600)["StackStatus"] == "CREATE_COMPLETE"
        found = cf.describe_stack_resources(StackName=stack_id)["StackResources"]
        assert len(found) == RESOURCES
        assert {r["ResourceStatus"] for r in found} == {"CREATE_COMPLETE"}
    finally:
        uv.should_exit = True
        thread.join(60)


# ---------------------------------------------------------------------------- simulation


def test_a_simulation_of_a_million_pairs_answers_page_by_page(server: RunningServer) -> None:
    iam = server.client("iam", B)
    actions = [f"ec2:DescribeThing{i}" for i in range(1000)]
    arns = [f"arn:aws:s3:::bucket/key-{i}" for i in range(1000)]
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ec2:DescribeThing1", "Resource": "*"},
            ],
        }
    )
    first = iam.simulate_custom_policy(
        PolicyInputList=[document], ActionNames=actions, ResourceArns=arns, MaxItems=1000
    )
    results = first["EvaluationResults"]
    assert first["IsTruncated"] is True
    assert len(results) == 1000
    assert {r["EvalActionName"] for r in results} == {"ec2:DescribeThing0"}
    assert [r["EvalResourceName"] for r in results] == arns
    assert {r["EvalDecision"] for r in results} == {"allowed"}
    second = iam.simulate_custom_policy(
        PolicyInputList=[document],
        ActionNames=actions,
        ResourceArns=arns,
        MaxItems=1000,
        Marker=first["Marker"],
    )
    assert {r["EvalActionName"] for r in second["EvaluationResults"]} == {"ec2:DescribeThing1"}
    assert {r["EvalDecision"] for r in second["EvaluationResults"]} == {"explicitDeny"}


def test_simulation_pages_together_are_the_whole_simulation(server: RunningServer) -> None:
    iam = server.client("iam", B)
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    arns = [f"arn:aws:s3:::bucket/{name}" for name in ("a", "b", "c", "d")]
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bucket/b"},
            ],
        }
    )
    pairs: list[tuple[str, str, str]] = []
    marker: dict[str, str] = {}
    while True:
        page = iam.simulate_custom_policy(
            PolicyInputList=[document], ActionNames=actions, ResourceArns=arns, MaxItems=5, **marker
        )
        pairs += [
            (r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"])
            for r in page["EvaluationResults"]
        ]
        if not page["IsTruncated"]:
            break
        marker = {"Marker": page["Marker"]}
    assert pairs == [
        (action, arn, "explicitDeny" if (action, arn[-1]) == ("s3:PutObject", "b") else "allowed")
        for action in actions
        for arn in arns
    ]


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        (
            {"PolicyInputList": ["{" + " " * 131072 + "}"]},
            "Member must have length less than or equal to 131072",
        ),
        ({"ActionNames": ["s3:" + "G" * 126]}, "Member must have length less than or equal to 128"),
        (
            {"ResourceArns": ["arn:aws:s3:::" + "b" * 2040]},
            "Member must have length less than or equal to 2048",
        ),
        ({"MaxItems": 1001}, "Member must have value less than or equal to 1000"),
    ],
)
def test_simulation_inputs_over_aws_limits_are_refused(
    server: RunningServer, change: dict[str, Any], constraint: str
) -> None:
    iam = server.client("iam", B, config=Config(parameter_validation=False))
    params: dict[str, Any] = {
        "PolicyInputList": [json.dumps({"Version": "2012-10-17", "Statement": []})],
        "ActionNames": ["s3:GetObject"],
        **change,
    }
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.simulate_custom_policy(**params)
    assert code(caught.value) == "ValidationError"
    assert constraint in message(caught.value)


# ---------------------------------------------------------------------------- the pool


def test_one_account_cannot_take_every_worker() -> None:
    async def scenario() -> list[str]:
        pool = WorkerPool(workers=4, per_account=2)
        release = threading.Event()
        order: list[str] = []

        def held(name: str) -> str:
            order.append(f"{name} started")
            release.wait(60)
            return name

        try:
            busy = [asyncio.create_task(pool.run(B, held, f"B{i}")) for i in range(3)]
            while len(order) < 2:
                await asyncio.sleep(0.01)
            # B holds its share (two workers, a third job waiting); A still gets a worker.
            assert await pool.run(A, lambda: "A done") == "A done"
            order.append("A answered")
            assert pool.busy(B) == 3
            release.set()
            assert sorted(await asyncio.gather(*busy)) == ["B0", "B1", "B2"]
            assert pool.busy(B) == 0
        finally:
            release.set()
            pool.close()
        return order

    order = asyncio.run(scenario())
    assert order[:3] == ["B0 started", "B1 started", "A answered"]
    assert order[3] == "B2 started"  # B's third job waited for B's own, not for A


def test_the_loop_answers_while_a_job_runs() -> None:
    async def scenario() -> list[str]:
        pool = WorkerPool(workers=2)
        release = threading.Event()
        events: list[str] = []

        def job() -> str:
            release.wait(60)
            return "job done"

        async def other() -> None:
            events.append("other answered")

        try:
            running = asyncio.create_task(pool.run(B, job))
            await asyncio.sleep(0)
            await asyncio.create_task(other())
            release.set()
            events.append(await running)
        finally:
            release.set()
            pool.close()
        return events

    assert asyncio.run(scenario()) == ["other answered", "job done"]


def test_errors_of_a_job_reach_its_caller_and_free_its_worker() -> None:
    async def scenario() -> int:
        pool = WorkerPool(workers=1, per_account=1)

        def fails() -> None:
            raise ValueError("bad input")

        try:
            with pytest.raises(ValueError, match="bad input"):
                await pool.run(B, fails)
            assert await pool.run(B, lambda: 7) == 7
            return pool.busy(B)
        finally:
            pool.close()

    assert asyncio.run(scenario()) == 0
