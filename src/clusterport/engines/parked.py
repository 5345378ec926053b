"""A parked sidecar: a Python process that has imported a sidecar's module and waits to run it.

``python -m clusterport.engines.parked MODULE`` imports ``MODULE`` (its
``__main__`` for a package), then reads one line from its standard input: the
command line the sidecar is to run, as a JSON list ``["-m", MODULE, arg, …]``.
It then calls the module's ``main(args)`` and exits with what it returns. When
its standard input ends before a line arrives (the engine stopped, or gave the
cluster no such sidecar), it exits with status 0 without running anything.

The warm pool parks its members' sidecars this way: the seconds' worth of
imports are paid before a cluster is claimed, and the sidecar reads its keys,
made afresh at the claim, only when it runs. Nothing secret passes on the
command line or the pipe: the line holds the same arguments a sidecar started
directly gets (ports, paths to key files, the cluster's id).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

__all__ = ["entry_module", "main", "parked_argv"]


def parked_argv(python: str, module: str) -> list[str]:
    """The command line of a process parked for ``module``."""
    return [python, "-m", __name__, module]


def entry_module(argv: Sequence[str]) -> str | None:
    """The module a sidecar's command line runs (``python -m MODULE …``), or None."""
    if len(argv) >= 3 and argv[1] == "-m":
        return argv[2]
    return None


def _load(module: str) -> ModuleType:
    loaded = importlib.import_module(module)
    if hasattr(loaded, "__path__"):  # a package runs its __main__
        loaded = importlib.import_module(f"{module}.__main__")
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    """Import the module named in ``argv``, wait for the command line, run it."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m clusterport.engines.parked MODULE", file=sys.stderr)
        return 2
    module = args[0]
    entry: Callable[[list[str]], int] = _load(module).main
    line = sys.stdin.readline()
    sys.stdin.close()
    if not line:
        return 0
    command = json.loads(line)
    if not (isinstance(command, list) and command[:2] == ["-m", module]):
        print(f"parked for {module}, asked to run {command!r}", file=sys.stderr)
        return 2
    sys.argv = [module, *command[2:]]
    return int(entry([str(part) for part in command[2:]]) or 0)


if __name__ == "__main__":
    sys.exit(main())
