"""The generated docs match the code."""

from __future__ import annotations

from clusterport.gateway.compatibility import render
from conftest import REPO


def test_compatibility_doc_is_current() -> None:
    current = (REPO / "docs" / "compatibility.md").read_text()
    assert current == render(), (
        "docs/compatibility.md is stale: run "
        "'python -m clusterport.gateway.compatibility > docs/compatibility.md'"
    )
