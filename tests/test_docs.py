"""The generated docs match the code."""

from __future__ import annotations

import re

import botocore

from clusterport.gateway.compatibility import render
from conftest import REPO


def locked_version(package: str) -> str:
    """The version of ``package`` that requirements.lock pins."""
    text = (REPO / "requirements.lock").read_text()
    found = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.MULTILINE)
    assert found, f"requirements.lock pins no {package}: run ./dev lock"
    return found.group(1)


def test_compatibility_doc_is_current() -> None:
    # The document counts the operations of botocore's models, so it is generated with,
    # and compared under, the botocore the lock file pins (./dev setup installs it).
    assert botocore.__version__ == locked_version("botocore"), (
        f"botocore {botocore.__version__} is installed but requirements.lock pins "
        f"{locked_version('botocore')}: run ./dev setup"
    )
    current = (REPO / "docs" / "compatibility.md").read_text()
    assert current == render(), (
        "docs/compatibility.md is stale: run "
        "'python -m clusterport.gateway.compatibility > docs/compatibility.md'"
    )
