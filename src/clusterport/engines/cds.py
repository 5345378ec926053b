"""Class Data Sharing archives: how Spark's JVMs skip most of their class loading.

A JVM started with ``-XX:ArchiveClassesAtExit=F`` writes the classes it loaded
to ``F`` when it exits; later JVMs of the same role started with
``-XX:SharedArchiveFile=F`` map them instead of parsing jars (≈8 s less CPU for
a cluster's start on a 2-core host). Archives live under
``<cds root>/<installation fingerprint>/`` so a new JDK or new jars get new
archives; one file per role (master, worker, driver, executor, history).

Training: the first cluster that starts without an archive for a role claims
that role (an exclusive ``<role>.training`` file naming the processes that will
write it) and its JVMs of that role write ``<role>.<nonce>.train.jsa`` when they
exit. Once none of those processes runs any more, :meth:`CdsArchives.promote`
keeps the largest finished file as ``<role>.jsa``. A JVM killed while writing
leaves a file whose header was never written; the JVM refuses such a file
(and any archive made for other jars) and starts without sharing, so a bad
archive costs speed, never a start.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from clusterport.engines.processes import ProcessRecord, boot_id, owned_group

#: A claim whose owners were never recorded is abandoned after this long.
_UNBOUND_CLAIM_SECONDS = 600.0


def default_cache_dir() -> Path:
    """Where the archives of every data dir of this machine live.

    ``$CLUSTERPORT_CACHE_DIR``, else ``$XDG_CACHE_HOME/clusterport``, else
    ``~/.cache/clusterport``; archives sit in ``cds/<fingerprint>/`` below it.
    """
    explicit = os.environ.get("CLUSTERPORT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "clusterport"


class CdsRole(enum.StrEnum):
    """JVM roles that get an archive each (they load different classes)."""

    MASTER = "master"
    WORKER = "worker"
    DRIVER = "driver"
    EXECUTOR = "executor"
    HISTORY = "history"


@dataclass(frozen=True)
class ArchiveChoice:
    """The JVM options for one role, and the training claim they belong to (if any)."""

    role: CdsRole
    options: tuple[str, ...]
    claim: Path | None = None


class CdsArchives:
    """Archives for one Spark installation under ``root``; disabled when ``enabled`` is false."""

    def __init__(
        self, root: Path, fingerprint: str, *, enabled: bool = True, trainable: bool = True
    ) -> None:
        self.dir = root / fingerprint
        self.enabled = enabled
        #: False where the JVMs run in a tenant's sandbox: an archive is code that
        #: other clusters' JVMs map, so a tenant's JVM only ever reads them.
        self.trainable = trainable

    def complete(self) -> bool:
        """True when every role has its archive (or archives are off)."""
        return not self.enabled or all(self.archive(r).is_file() for r in CdsRole)

    def archive(self, role: CdsRole) -> Path:
        """Where the finished archive of ``role`` lives."""
        return self.dir / f"{role.value}.jsa"

    def choose(
        self, role: CdsRole, *, train: bool = True, train_name: str | None = None
    ) -> ArchiveChoice:
        """Options for a JVM of ``role``: use the archive, or train one, or neither.

        ``train_name`` overrides the training file's name (executors use
        Spark's ``{{APP_ID}}``/``{{EXECUTOR_ID}}`` so each writes its own file).
        """
        if not self.enabled:
            return ArchiveChoice(role, ())
        archive = self.archive(role)
        if archive.is_file() and archive.stat().st_size > 0:
            return ArchiveChoice(role, (f"-XX:SharedArchiveFile={archive}",))
        if not (train and self.trainable):
            return ArchiveChoice(role, ())
        self.dir.mkdir(parents=True, exist_ok=True)
        claim = self.dir / f"{role.value}.training"
        try:
            fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return ArchiveChoice(role, ())
        with os.fdopen(fd, "w") as handle:
            json.dump({"claimed_at": time.time(), "owners": []}, handle)
        name = train_name or secrets.token_hex(6)
        target = self.dir / f"{role.value}.{name}.train.jsa"
        # The dump lists every class it skips (signed jars, old bytecode): keep logs short.
        options = (f"-XX:ArchiveClassesAtExit={target}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
        return ArchiveChoice(role, options, claim)

    def bind(self, choice: ArchiveChoice, owners: Sequence[ProcessRecord]) -> None:
        """Record which processes write the archive a training choice asked for."""
        if choice.claim is None:
            return
        choice.claim.write_text(
            json.dumps({"claimed_at": time.time(), "owners": [o.to_json() for o in owners]})
        )

    def release(self, choice: ArchiveChoice) -> None:
        """Give up a training claim whose JVM never started."""
        if choice.claim is not None:
            choice.claim.unlink(missing_ok=True)

    def training_owners(self) -> set[tuple[int, int]]:
        """(pid, start time) of every process bound to a training claim."""
        owners: set[tuple[int, int]] = set()
        if not self.enabled or not self.dir.is_dir():
            return owners
        for claim in self.dir.glob("*.training"):
            try:
                data = json.loads(claim.read_text())
            except (json.JSONDecodeError, FileNotFoundError):
                continue
            for owner in data.get("owners", []):
                owners.add((int(owner["pid"]), int(owner["start_ticks"])))
        return owners

    def promote(self) -> list[CdsRole]:
        """Turn finished training files into archives; returns the roles promoted."""
        if not self.enabled or not self.dir.is_dir():
            return []
        promoted = []
        with self._locked() as locked:
            if not locked:
                return []
            current = boot_id()
            for role in CdsRole:
                claim = self.dir / f"{role.value}.training"
                if not claim.exists() or self._claim_active(claim, current):
                    continue
                candidates = sorted(
                    self.dir.glob(f"{role.value}.*.train.jsa"),
                    key=lambda p: p.stat().st_size,
                    reverse=True,
                )
                if candidates and candidates[0].stat().st_size > 0:
                    candidates[0].chmod(0o644)  # every cluster's JVMs map it, read-only
                    candidates[0].replace(self.archive(role))
                    promoted.append(role)
                    candidates = candidates[1:]
                for leftover in candidates:
                    leftover.unlink(missing_ok=True)
                claim.unlink(missing_ok=True)
        return promoted

    def _claim_active(self, claim: Path, current_boot: str) -> bool:
        try:
            data = json.loads(claim.read_text())
        except (json.JSONDecodeError, FileNotFoundError):
            return False
        owners = [ProcessRecord.from_json(o) for o in data.get("owners", [])]
        if not owners:
            return time.time() - float(data.get("claimed_at", 0)) < _UNBOUND_CLAIM_SECONDS
        return any(owned_group(o, current_boot) for o in owners)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool]:
        with open(self.dir / ".lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
