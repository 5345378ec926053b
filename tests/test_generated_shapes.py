"""The generated TypedDicts of the served operations match botocore's models and type the providers.

``python -m clusterport.services.gen_shapes`` writes ``services/<service>/shapes_generated.py``;
these tests regenerate them into a temporary folder and compare, and check that every served
operation's provider method takes its input class and returns its output class.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from pathlib import Path

import botocore
from botocore import xform_name

from clusterport.services import gen_shapes
from clusterport.services.emr import shapes_generated as emr
from clusterport.services.registry import PROVIDER_CLASSES
from clusterport.services.sts import shapes_generated as sts
from conftest import REPO, served_models
from test_docs import locked_version

SERVICES_DIR = REPO / "src" / "clusterport" / "services"
REGENERATE = f"run '{gen_shapes.COMMAND}' and commit what it writes"


def test_generated_shapes_are_current(tmp_path: Path) -> None:
    # The modules name botocore's version and follow its models: compare under the pinned one.
    assert botocore.__version__ == locked_version("botocore"), (
        f"botocore {botocore.__version__} is installed but requirements.lock pins "
        f"{locked_version('botocore')}: run ./dev setup"
    )
    written = gen_shapes.write(tmp_path)
    expected = {path.relative_to(tmp_path).as_posix() for path in written}
    committed = {
        path.relative_to(SERVICES_DIR).as_posix()
        for path in SERVICES_DIR.glob(f"*/{gen_shapes.MODULE_NAME}.py")
    }
    assert committed == expected, f"generated shape modules missing or left over: {REGENERATE}"
    stale = [
        relative
        for relative in sorted(expected)
        if (SERVICES_DIR / relative).read_text() != (tmp_path / relative).read_text()
    ]
    assert not stale, f"{', '.join(stale)} differ from botocore's models: {REGENERATE}"


def test_every_served_service_has_a_module_with_its_operations() -> None:
    models = served_models()
    for cls in PROVIDER_CLASSES:
        info = models.get(cls.service)
        module = importlib.import_module(f"{cls.__module__.rsplit('.', 1)[0]}.shapes_generated")
        operations = gen_shapes.served_operations(cls, info)
        assert operations, f"{cls.service} serves no operation"
        for op in operations:
            assert op.input_shape is not None
            assert hasattr(module, op.input_shape.name), (cls.service, op.name)
            if op.output_shape is not None:
                assert hasattr(module, op.output_shape.name), (cls.service, op.name)


def test_inputs_require_what_the_model_requires_and_outputs_require_nothing() -> None:
    assert sts.AssumeRoleRequest.__required_keys__ == {"RoleArn", "RoleSessionName"}
    assert sts.Tag.__required_keys__ == {"Key", "Value"}
    assert sts.AssumeRoleResponse.__required_keys__ == frozenset()
    assert sts.Credentials.__optional_keys__ >= {"AccessKeyId", "Expiration"}
    # A structure both sides carry is generated for each: required members only on input.
    assert emr.Tag.__required_keys__ == frozenset()  # EMR's Tag requires nothing
    assert emr.RunJobFlowInput.__required_keys__ == {"Name", "Instances"}
    assert "Configuration" in vars(emr) and "ConfigurationOut" in vars(emr)
    assert typing.get_type_hints(emr.Configuration)["Configurations"] == list[emr.Configuration]
    assert (
        typing.get_type_hints(emr.ConfigurationOut)["Configurations"] == list[emr.ConfigurationOut]
    )
    # Enums are Literal aliases on the input side and plain text on the output side.
    assert typing.get_args(emr.ActionOnFailure) == (
        "CANCEL_AND_WAIT",
        "CONTINUE",
        "TERMINATE_CLUSTER",
        "TERMINATE_JOB_FLOW",
    )
    assert typing.get_type_hints(emr.StepConfig)["ActionOnFailure"] == emr.ActionOnFailure
    assert typing.get_type_hints(emr.StepSummary)["ActionOnFailure"] is str


def test_served_operations_take_and_return_their_generated_classes() -> None:
    models = served_models()
    for cls in PROVIDER_CLASSES:
        module = importlib.import_module(f"{cls.__module__.rsplit('.', 1)[0]}.shapes_generated")
        for op in gen_shapes.served_operations(cls, models.get(cls.service)):
            method = getattr(cls, xform_name(op.name))
            hints = typing.get_type_hints(method, globalns=vars(inspect.getmodule(method)))
            params = list(inspect.signature(method).parameters)
            assert op.input_shape is not None
            expected_in = getattr(module, op.input_shape.name)
            assert hints[params[2]] is expected_in, f"{cls.service} {op.name} takes {hints}"
            out_name = op.output_shape.name if op.output_shape else gen_shapes.NO_OUTPUT
            assert hints["return"] is getattr(module, out_name), (
                f"{cls.service} {op.name} returns {hints['return']}"
            )
