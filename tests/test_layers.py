"""Imports flow down the layers DESIGN.md draws: faces → gateway → services → cores/engines → store.

Every module of the package is parsed with :mod:`ast` (nothing is imported),
each ``import`` is resolved to the module it names, and an edge from a lower
layer to a higher one fails the test, listed with its file and line. Imports
under ``if TYPE_CHECKING:`` count too: a type named from a higher layer is a
dependency on it all the same.
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import clusterport

PACKAGE_ROOT = Path(clusterport.__file__).parent

#: Layer of each top-level module or package, top (faces) to bottom (utilities).
LAYERS: dict[str, int] = {
    "cli": 6,
    "studio": 6,
    "gateway": 5,
    "services": 4,
    # The platform object services receive: store, secrets, clock, workers.
    "platform": 3,
    "iam": 2,
    "network": 2,
    "templates": 2,
    "engines": 2,
    "store": 1,
    "errors": 0,
    "memo": 0,
    "process_groups": 0,
    "regions": 0,
    "stopping": 0,
    "workers": 0,
}
LAYER_NAMES = {
    6: "faces",
    5: "gateway",
    4: "services",
    3: "platform",
    2: "cores/engines",
    1: "store",
    0: "utilities",
}

#: Type-only references up the layers, each with its reason.
TYPE_ONLY_UPWARD: dict[tuple[str, str], str] = {
    # The platform holds the providers the registry builds for it, and caches
    # what the IAM provider computes; it names their types, never runs their code.
    ("clusterport.platform", "clusterport.services.base"): "Platform.providers",
    ("clusterport.platform", "clusterport.services.iam.principal_policies"): "policy cache",
    ("clusterport.platform", "clusterport.services.identity"): "verified-key cache",
    ("clusterport.platform", "clusterport.services.sagemaker.source_network"): "Studio networks",
}

#: Sibling packages that must not import each other, with what to do instead.
SEPARATE: dict[tuple[str, str], str] = {
    ("clusterport.services.servicecatalog", "clusterport.services.cloudformation"): (
        "Service Catalog provisions through CloudFormation's API and the shared modules "
        "of services/ (calls, principals, stack_status, stack_reader, template_source)"
    ),
    ("clusterport.services.cloudformation", "clusterport.services.servicecatalog"): (
        "CloudFormation reads catalog templates through template_source.CatalogTemplates"
    ),
}


@dataclass(frozen=True)
class Edge:
    """One import: the importing module, the imported one, where, and whether type-only."""

    source: str
    target: str
    location: str
    type_only: bool


def module_name(path: Path, root: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str, root: Path) -> bool:
    relative = Path(*name.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative).is_dir()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in _statements(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        lines.add(inner.lineno)
    return lines


#: The fields of a node that hold statements (an import is a statement: it is never
#: inside an expression).
_STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement of ``tree`` in ``ast.walk``'s order, without walking expressions."""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        for field in node._fields:
            if field in _STATEMENT_FIELDS:
                todo.extend(getattr(node, field))
        yield node


@functools.cache
def imports_of(path: Path, root: Path) -> tuple[Edge, ...]:
    """The package-internal imports of one module, resolved to module names.

    Read once per module and test process: both rules walk the whole package.
    """
    source = module_name(path, root)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    type_only = _type_checking_lines(tree)
    edges: list[Edge] = []
    for node in _statements(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.append(candidate if _is_module(candidate, root) else base)
        for target in dict.fromkeys(targets):  # one edge per imported module and line
            if target == root.name or target.startswith(root.name + "."):
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                edges.append(Edge(source, target, where, node.lineno in type_only))
    return tuple(edges)


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:
        return 0  # the package itself: its version
    return LAYERS.get(parts[1])


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(root: Path) -> list[str]:
    """Every import that goes up the layers or joins two separate packages."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        for edge in imports_of(path, root):
            source_layer, target_layer = layer_of(edge.source), layer_of(edge.target)
            for module, layer in ((edge.source, source_layer), (edge.target, target_layer)):
                if layer is None:
                    found.append(f"{edge.location}: {module} is in no layer; add it to LAYERS")
            if source_layer is None or target_layer is None:
                continue
            allowed = edge.type_only and (edge.source, edge.target) in TYPE_ONLY_UPWARD
            if target_layer > source_layer and not allowed:
                found.append(
                    f"{edge.location}: {edge.source} ({LAYER_NAMES[source_layer]}) imports "
                    f"{edge.target} ({LAYER_NAMES[target_layer]})"
                )
            for (a, b), instead in SEPARATE.items():
                if _within(edge.source, a) and _within(edge.target, b):
                    found.append(f"{edge.location}: {edge.source} imports {edge.target}; {instead}")
    return found


def test_imports_flow_down_the_layers() -> None:
    assert violations(PACKAGE_ROOT) == []


def test_an_upward_import_is_found_and_located(tmp_path: Path) -> None:
    root = tmp_path / "clusterport"
    for folder in ("gateway", "services/cloudformation", "services/servicecatalog", "store"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "gateway" / "shapes.py").write_text("")
    (root / "store" / "db.py").write_text("from ..services import cloudformation\n")
    (root / "services" / "cloudformation" / "calls.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from clusterport.gateway.shapes import decode\n"
    )
    (root / "services" / "servicecatalog" / "provider.py").write_text(
        "import clusterport.store.db\nfrom clusterport.services.cloudformation import calls\n"
    )
    found = violations(root)
    assert found == [
        "clusterport/services/cloudformation/calls.py:3: clusterport.services.cloudformation"
        ".calls (services) imports clusterport.gateway.shapes (gateway)",
        "clusterport/services/servicecatalog/provider.py:2: clusterport.services.servicecatalog"
        ".provider imports clusterport.services.cloudformation.calls; "
        + SEPARATE[("clusterport.services.servicecatalog", "clusterport.services.cloudformation")],
        "clusterport/store/db.py:1: clusterport.store.db (store) imports "
        "clusterport.services.cloudformation (services)",
    ]


#: Modules of the local engine's own: the rest of the platform reaches every engine
#: through ``engines.base`` (the interface) and ``engines.registry`` (the choice).
ENGINE_PRIVATE = tuple(
    f"clusterport.engines.{name}"
    for name in (
        "local_spark",
        "processes",
        "sandbox",
        "host_budget",
        "cgroups",
        "state",
        "access",
    )
)

#: Modules outside engines/ that may use one of those, each with its reason.
ENGINE_PRIVATE_USERS: dict[tuple[str, str], str] = {
    ("clusterport.studio.launcher", "clusterport.engines.sandbox"): (
        "a Studio app runs in the same sandbox as a cluster (one sandbox module)"
    ),
    ("clusterport.studio.launcher", "clusterport.engines.cgroups"): (
        "a Studio app gets its memory and process bounds from the same control groups"
    ),
    ("clusterport.cli.server", "clusterport.engines.sandbox"): (
        "the start banner says how this host walls in clusters and Studio apps"
    ),
    ("clusterport.cli.server", "clusterport.engines.cgroups"): (
        "the start banner says which control groups bound them"
    ),
    ("clusterport.cli.train_cds", "clusterport.engines.local_spark"): (
        "'clusterport train-cds' trains the local engine's class data sharing archives"
    ),
}


def private_engine_imports(root: Path) -> list[str]:
    """Every import of a local engine's module from outside engines/ that is not allowed."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        for edge in imports_of(path, root):
            if _within(edge.source, "clusterport.engines"):
                continue
            for private in ENGINE_PRIVATE:
                if _within(edge.target, private) and (
                    (edge.source, private) not in ENGINE_PRIVATE_USERS
                ):
                    found.append(
                        f"{edge.location}: {edge.source} imports {private}, a module of the "
                        "local engine's own; go through engines.base (the Engine interface)"
                    )
    return found


def test_only_engines_use_the_local_engines_own_modules() -> None:
    assert private_engine_imports(PACKAGE_ROOT) == []


def test_a_private_engine_import_is_found_and_located(tmp_path: Path) -> None:
    root = tmp_path / "clusterport"
    for folder in ("engines", "services/emr", "gateway", "studio"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    for name in ("base", "local_spark", "sandbox", "state"):
        (root / "engines" / f"{name}.py").write_text("")
    (root / "engines" / "pool.py").write_text("from clusterport.engines import local_spark\n")
    (root / "services" / "emr" / "app_ui.py").write_text(
        "from clusterport.engines.base import Engine\n"
        "from clusterport.engines.local_spark import ui_headers\n"
    )
    (root / "gateway" / "proxy.py").write_text("from ..engines import state\n")
    (root / "studio" / "launcher.py").write_text("from clusterport.engines import sandbox\n")
    assert private_engine_imports(root) == [
        "clusterport/gateway/proxy.py:1: clusterport.gateway.proxy imports "
        "clusterport.engines.state, a module of the local engine's own; go through "
        "engines.base (the Engine interface)",
        "clusterport/services/emr/app_ui.py:2: clusterport.services.emr.app_ui imports "
        "clusterport.engines.local_spark, a module of the local engine's own; go through "
        "engines.base (the Engine interface)",
    ]
