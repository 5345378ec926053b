"""Build the Clusters panel and make it, the server extension and the magic visible to Jupyter.

Run as ``python -m clusterport.studio.build_labextension`` (``./dev`` does). Idempotent
and quick when nothing changed:

1. If the panel's sources (``labextension_src/``: package files, ``src/``, ``style/``)
   or the installed JupyterLab changed since the last build (a hash stamp), run
   ``npm install``, ``tsc`` and ``jupyter labextension build`` into
   ``studio/labextension/``.
2. Link the built extension into ``<sys.prefix>/share/jupyter/labextensions/``,
   enable the server extension in ``<sys.prefix>/etc/jupyter/jupyter_server_config.d/``
   and load the ``%sm_analytics`` magic in every IPython kernel of this environment
   (``<sys.prefix>/etc/ipython/ipython_kernel_config.json``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SOURCE", "TARGET", "BuildError", "build", "install", "main", "source_hash"]

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "labextension_src"
TARGET = HERE / "labextension"
STAMP = SOURCE / ".build-stamp"
SERVER_EXTENSION = "clusterport.studio.extension"
MAGICS = "clusterport.studio.magics"
_INPUTS = ("package.json", "package-lock.json", "tsconfig.json")
_INPUT_DIRS = ("src", "style")


class BuildError(RuntimeError):
    """The panel could not be built; the message says which step failed and how to fix it."""


def package_name(source: Path = SOURCE) -> str:
    """The npm name of the panel (its folder name under ``labextensions/``)."""
    return str(json.loads((source / "package.json").read_text())["name"])


def _files(source: Path) -> Iterable[Path]:
    for name in _INPUTS:
        if (source / name).is_file():
            yield source / name
    for folder in _INPUT_DIRS:
        yield from sorted(p for p in (source / folder).rglob("*") if p.is_file())


def source_hash(source: Path = SOURCE) -> str:
    """A digest of everything the build reads, including the JupyterLab it builds for."""
    digest = hashlib.sha256()
    digest.update(f"jupyterlab {importlib.metadata.version('jupyterlab')}\n".encode())
    for path in _files(source):
        digest.update(str(path.relative_to(source)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _run(command: Sequence[str], cwd: Path, step: str) -> None:
    bin_dir = str(Path(sys.prefix) / "bin")
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    print(f"clusterport studio: {step}: {' '.join(command)}", flush=True)
    try:
        subprocess.run(command, cwd=cwd, env=env, check=True)
    except FileNotFoundError as exc:
        raise BuildError(f"{step}: {command[0]} is not installed ({exc}).") from exc
    except subprocess.CalledProcessError as exc:
        raise BuildError(
            f"{step} failed (exit {exc.returncode}); its output is above. Command: "
            f"{' '.join(command)} in {cwd}"
        ) from exc


def _core_arguments() -> list[str]:
    """Tell the builder which JupyterLab core to share packages with: the installed one."""
    spec = importlib.util.find_spec("jupyterlab")
    if spec is None or spec.origin is None:
        raise BuildError("JupyterLab is not installed: pip install 'clusterport[studio]'.")
    staging = Path(spec.origin).parent / "staging"
    if importlib.util.find_spec("jupyter_builder") is not None:
        return ["--core-package-file", str(staging / "package.json")]
    return ["--core-path", str(staging)]


def build(source: Path = SOURCE, target: Path = TARGET, *, force: bool = False) -> bool:
    """Build the panel when its inputs changed; returns whether a build ran."""
    wanted = source_hash(source)
    current = STAMP.read_text().strip() if STAMP.is_file() else ""
    if not force and current == wanted and (target / "package.json").is_file():
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            "npm is not installed: install Node.js 20 or newer (with npm) to build the "
            "Clusters panel."
        )
    _run([npm, "install", "--no-audit", "--no-fund"], source, "npm install")
    _run([npm, "run", "build:lib"], source, "TypeScript")
    _run(
        [sys.executable, "-m", "jupyter", "labextension", "build", *_core_arguments(), "."],
        source,
        "jupyter labextension build",
    )
    if not (target / "package.json").is_file():
        raise BuildError(f"The build finished but {target / 'package.json'} is missing.")
    # Hashed again: npm install may have rewritten package-lock.json.
    STAMP.write_text(source_hash(source) + "\n")
    return True


def _write_json(path: Path, data: Any) -> bool:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def _link(link: Path, target: Path) -> bool:
    if link.is_symlink() and link.resolve() == target.resolve():
        return False
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    return True


def install(target: Path = TARGET, prefix: Path | None = None) -> list[Path]:
    """Make the built panel, the server extension and the magic visible in ``prefix``.

    Returns the paths that changed.
    """
    root = Path(prefix or sys.prefix)
    changed: list[Path] = []
    labextension = root / "share" / "jupyter" / "labextensions" / package_name()
    if _link(labextension, target):
        changed.append(labextension)
    server_config = root / "etc" / "jupyter" / "jupyter_server_config.d" / "clusterport.json"
    if _write_json(server_config, {"ServerApp": {"jpserver_extensions": {SERVER_EXTENSION: True}}}):
        changed.append(server_config)
    kernel_config = root / "etc" / "ipython" / "ipython_kernel_config.json"
    existing: dict[str, Any] = {}
    if kernel_config.is_file():
        try:
            existing = json.loads(kernel_config.read_text())
        except json.JSONDecodeError as exc:
            raise BuildError(
                f"{kernel_config} is not valid JSON ({exc.msg}); fix or remove it."
            ) from exc
    shell_app = existing.setdefault("InteractiveShellApp", {})
    extensions = list(shell_app.get("extensions", []))
    if MAGICS not in extensions:
        extensions.append(MAGICS)
    shell_app["extensions"] = extensions
    if _write_json(kernel_config, existing):
        changed.append(kernel_config)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    args = parser.parse_args(argv)
    try:
        built = build(force=args.force)
        changed = install()
    except BuildError as exc:
        print(f"clusterport studio: {exc}", file=sys.stderr)
        return 1
    state = "built" if built else "up to date"
    print(f"clusterport studio: Clusters panel {state}; {len(changed)} install path(s) updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
