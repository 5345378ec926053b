"""The suite's own scheduling: every Spark module on one xdist worker, nothing else forced there."""

from __future__ import annotations

import subprocess
import sys

from conftest import HEAVY_SCOPE, REPO, OneHeavyWorker, heavy_modules


def spark_modules_as_collected() -> set[str]:
    """The modules of the tests pytest itself selects with ``-m spark``."""
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "spark", "-p", "no:xdist"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return {line.split("::", 1)[0] for line in listed.splitlines() if "::" in line}


def test_the_heavy_modules_are_exactly_those_with_spark_tests() -> None:
    collected = spark_modules_as_collected()
    assert collected, "no test is marked spark"
    assert heavy_modules(REPO / "tests") == collected


def test_spark_modules_share_one_scope_and_every_other_module_has_its_own() -> None:
    scheduler = object.__new__(OneHeavyWorker)  # the scope rule needs no xdist session
    scheduler.heavy = frozenset({"tests/test_livy.py", "tests/test_emr_clusters.py"})
    assert scheduler._split_scope("tests/test_livy.py::test_a") == HEAVY_SCOPE
    assert scheduler._split_scope("tests/test_emr_clusters.py::TestX::test_b") == HEAVY_SCOPE
    # A module's classes stay with their module (one module-scoped server each).
    assert scheduler._split_scope("tests/test_sts.py::TestRoles::test_c") == "tests/test_sts.py"
    assert scheduler._split_scope("tests/test_sts.py::test_d[x::y]") == "tests/test_sts.py"
