"""requirements.lock: what ./dev setup installs, pinned for every declared dependency."""

from __future__ import annotations

import importlib.metadata
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO


def pins() -> dict[str, str]:
    """``{normalized name: version}`` of every line of requirements.lock."""
    pinned: dict[str, str] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        name, separator, version = text.partition("==")
        assert separator, f"requirements.lock pins exact versions only, not {text!r}"
        pinned[canonicalize_name(name)] = version.strip()
    return pinned


def declared() -> list[Requirement]:
    """The dependencies of clusterport[studio,dev] as pyproject.toml declares them."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"])
    for extra in ("studio", "dev"):
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pinned = pins()
    assert "clusterport" not in pinned, "the lock pins dependencies, not the project itself"
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in requirements.lock: run ./dev lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {requirement.name}=={pinned[name]}, outside "
            f"{requirement.specifier} that pyproject.toml asks for: run ./dev lock"
        )


def test_the_environment_is_installed_from_the_lock() -> None:
    wrong = {
        name: (version, importlib.metadata.version(name))
        for name, version in pins().items()
        if importlib.metadata.version(name) != version
    }
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}; run ./dev setup"
