"""The sandbox every tenant process starts in: what it walls off, and that nothing bypasses it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import clusterport.engines
from clusterport.engines.base import InvalidSpecError
from clusterport.engines.bootstrap import stage_file
from clusterport.engines.cgroups import (
    STEP_MAX_PROCESSES,
    ControlGroups,
    Limits,
    Part,
    TenantGroup,
)
from clusterport.engines.processes import inheritable_descriptors, reap, spawn
from clusterport.engines.sandbox import (
    TENANT_UID_BASE,
    Sandbox,
    SandboxPolicy,
    SandboxUnavailableError,
    TenantUsers,
    runtime_paths,
    tenant_env,
)

ENGINES = Path(clusterport.engines.__file__).parent

#: Process launches in engines/ that start no tenant process, and why.
_NOT_TENANT = {
    # The launcher probe: Spark's own launcher asked for its class path, no tenant input.
    ("spark_install.py", "create_subprocess_exec"),
    # Livy's interpreters are children of the Livy sidecar, which runs inside the sandbox.
    ("livy/process.py", "start_group_async"),
    # The sandbox's own probe (`true` inside a sandbox).
    ("sandbox.py", "run"),
    # Compiling the platform's own UI filter from its source in the package.
    ("ui_filter/__init__.py", "create_subprocess_exec"),
}
_LAUNCHERS = {
    "posix_spawn",
    "Popen",
    "create_subprocess_exec",
    "create_subprocess_shell",
    "run",
    # clusterport.process_groups: the one way to start a child in a process group of its own.
    "start_group",
    "start_group_async",
}


def runtime_python() -> str:
    """This Python, which every sandbox can read."""
    return sys.executable


def _run(sandbox: Sandbox, script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sandbox.command(["/bin/sh", "-c", script], cwd=cwd),
        env=tenant_env({}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def policy() -> SandboxPolicy:
    return SandboxPolicy.detect()


def test_every_tenant_launch_in_engines_goes_through_the_sandbox() -> None:
    """Each function in engines/ that starts a process builds its argv with ``Sandbox.command``."""
    unwrapped = []
    for path in sorted(ENGINES.rglob("*.py")):
        name = path.relative_to(ENGINES).as_posix()
        source = path.read_text()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = ast.get_source_segment(source, function) or ""
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called not in _LAUNCHERS or (called == "run" and not _is_subprocess(func)):
                    continue
                if (name, called) in _NOT_TENANT:
                    continue
                if ".command(" not in body:
                    unwrapped.append(f"{name}:{node.lineno} {called} in {function.name}")
    assert unwrapped == []


def _is_subprocess(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "subprocess"


def test_a_sandboxed_process_sees_only_its_own_folder_and_processes(
    policy: SandboxPolicy, tmp_path: Path
) -> None:
    own = tmp_path / "clusters" / "j-OWN"
    other = tmp_path / "clusters" / "j-OTHER"
    own.mkdir(parents=True)
    other.mkdir(parents=True)
    (other / "secret.txt").write_text("another tenant's\n")
    (tmp_path / "server.key").write_text("the platform's\n")
    uid = TenantUsers(tmp_path).uid_for("j-OWN") if policy.separate_users else None
    sandbox = Sandbox(
        policy,
        "j-OWN",
        writable=(own,),
        readable=runtime_paths(),
        uid=uid,
        home=own,
        identity_dir=tmp_path / ".identity",
    )
    sandbox.own(own)
    done = _run(
        sandbox,
        f"cat {tmp_path}/server.key; cat {other}/secret.txt; ls /proc/1/root/;"
        f" echo written > {own}/mine.txt; echo pids: $(ls -d /proc/[0-9]* | wc -l);"
        " echo user: $(id -un) $(id -u); echo tmp: $(ls -A /tmp)",
        own,
    )
    assert "the platform's" not in done.stdout and "another tenant's" not in done.stdout
    assert "No such file" in done.stderr or "Permission denied" in done.stderr
    assert (own / "mine.txt").read_text() == "written\n"
    pids = int(done.stdout.split("pids: ")[1].split()[0])
    assert pids < 8, done.stdout  # the sandbox's init, the shell and its pipeline
    # A private /tmp: the host's entries are not there (only the way down to the work dir).
    mounted = [tmp_path, *runtime_paths()]
    way_down = {p.parts[2] for p in mounted if p.is_relative_to("/tmp")}
    assert set(done.stdout.split("tmp: ")[1].split()) == way_down
    if policy.separate_users:
        assert f"user: cp-j-own {uid}" in done.stdout


def test_a_tenants_bounds_stop_a_memory_hog_a_fork_bomb_and_a_flood(
    policy: SandboxPolicy, tmp_path: Path
) -> None:
    """Its control group bounds memory and processes; its file bound stops a flood of output."""
    groups = ControlGroups.detect()
    name = f"test-bounds-{os.getpid()}"
    limits = Limits(memory_mb=256, max_processes=4096)
    sandbox = Sandbox(
        policy,
        name,
        writable=(tmp_path,),
        readable=runtime_paths(),
        uid=TenantUsers(tmp_path).uid_for(name) if policy.separate_users else None,
        group=groups.group(name, Part.STEPS, limits),
        max_file_bytes=1024 * 1024,
    )
    sandbox.own(tmp_path)
    python = runtime_python()
    try:
        flood = _run(sandbox, f"head -c 5000000 /dev/zero > {tmp_path}/out && echo wrote", tmp_path)
        assert "wrote" not in flood.stdout and (tmp_path / "out").stat().st_size == 1024 * 1024
        if not groups.enabled:
            assert "run as root" in groups.description
            return
        hog = _run(sandbox, f"{python} -c 'b = bytearray(1 << 30); print(len(b))'", tmp_path)
        assert hog.returncode != 0 and str(1 << 30) not in hog.stdout, hog
        bomb = (
            "import os\nforked = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
            "            os.execv('/bin/sleep', ['sleep', '60'])\n        forked += 1\n"
            "except OSError as exc:\n    print('refused after', forked)\n"
        )
        (tmp_path / "bomb.py").write_text(bomb)
        # As the step wrapper does: end what the bomb left, so the pipes close.
        forks = _run(sandbox, f"{python} {tmp_path}/bomb.py; kill -KILL -1", tmp_path)
        refused = int(forks.stdout.split("refused after ")[1].split()[0])
        assert 0 < refused < STEP_MAX_PROCESSES, forks
        assert groups.memory_limit_mb(name) == 256
    finally:
        assert groups.remove(name, settle=10.0), groups.members(name)


def test_a_group_that_cannot_be_joined_stops_the_start_naming_the_fix(
    policy: SandboxPolicy, tmp_path: Path
) -> None:
    gone = tmp_path / "no-such-group" / "cgroup.procs"
    sandbox = Sandbox(
        policy, "unjoinable", writable=(), readable=(), uid=None, group=TenantGroup((gone,))
    )
    done = _run(sandbox, "echo started", tmp_path)
    assert done.returncode == 125 and "started" not in done.stdout
    assert f"cannot join the control group {gone}: run the server as root" in done.stderr


def test_tenant_users_are_never_reused(tmp_path: Path) -> None:
    host = tmp_path / "host"
    users = TenantUsers(tmp_path / "data-1", host)
    first, second = users.uid_for("j-A"), users.uid_for("j-B")
    assert first == TENANT_UID_BASE and second == TENANT_UID_BASE + 1
    assert TenantUsers(tmp_path / "data-1", host).uid_for("j-A") == first  # across servers
    mode = (tmp_path / "data-1" / "engine" / "tenant-uids.json").stat().st_mode & 0o777
    assert oct(mode) == "0o600"
    # Another data dir on the same host never gets a uid already given, even for a
    # tenant of the same name.
    other = TenantUsers(tmp_path / "data-2", host)
    assert other.uid_for("j-A") == TENANT_UID_BASE + 2
    assert users.uid_for("j-C") == TENANT_UID_BASE + 3
    # Without a writable host folder, uids still never repeat within the data dir.
    alone = TenantUsers(tmp_path / "data-3", Path("/proc/no-such-folder"))
    assert [alone.uid_for("j-A"), alone.uid_for("j-B")] == [TENANT_UID_BASE, TENANT_UID_BASE + 1]


def test_a_tenant_inherits_nothing_of_the_servers_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "server-secret")
    monkeypatch.setenv("CLUSTERPORT_DATABASE_URL", "postgresql://admin:pw@db/cp")
    env = tenant_env({"SPARK_HOME": "/spark"})
    assert "AWS_SECRET_ACCESS_KEY" not in env and "CLUSTERPORT_DATABASE_URL" not in env
    assert env["SPARK_HOME"] == "/spark" and "PATH" in env


def test_without_bubblewrap_the_server_says_so_and_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxUnavailableError) as refused:
        SandboxPolicy.detect()
    assert "apt-get install bubblewrap" in str(refused.value)
    assert "--no-sandbox" in str(refused.value)
    off = SandboxPolicy.detect(sandbox=False)
    assert not off.enabled and "unsafe" in off.description.lower()


def test_only_files_from_the_admins_folders_are_fetched_into_a_cluster(tmp_path: Path) -> None:
    allowed = tmp_path / "files"
    allowed.mkdir()
    script = allowed / "setup.sh"
    script.write_text("echo hi\n")
    script.chmod(0o755)
    target = tmp_path / "cluster" / "bootstrap"
    copied = stage_file(script, target, [allowed], what="bootstrap action script")
    assert copied.read_text() == "echo hi\n" and os.access(copied, os.X_OK)
    outside = tmp_path / "server.key"
    outside.write_text("secret")
    escape = allowed / "innocent.sh"
    escape.symlink_to(outside)
    for path in (outside, escape, Path("/etc/shadow")):
        with pytest.raises(InvalidSpecError, match="outside the folders clusters may fetch"):
            stage_file(path, target, [allowed], what="bootstrap action script")
    with pytest.raises(InvalidSpecError, match="does not exist"):
        stage_file(allowed / "missing.sh", target, [allowed], what="bootstrap action script")


def test_a_spawned_server_inherits_no_descriptor_the_server_was_left(
    policy: SandboxPolicy, tmp_path: Path
) -> None:
    """A descriptor the server inherited (a wrapper's lock, say) does not reach a tenant."""
    own = tmp_path / "j-FDS"
    own.mkdir()
    sandbox = Sandbox(
        policy,
        "j-FDS",
        writable=(own,),
        readable=runtime_paths(),
        uid=TenantUsers(tmp_path).uid_for("j-FDS") if policy.separate_users else None,
        home=own,
        identity_dir=tmp_path / ".identity",
    )
    sandbox.own(own)
    leaked = os.open(tmp_path / "wrapper.lock", os.O_CREAT | os.O_RDWR, 0o600)
    os.set_inheritable(leaked, True)
    log = tmp_path / "probe.log"
    try:
        assert leaked in inheritable_descriptors()
        record = spawn(
            ["/bin/sh", "-c", f"ls /proc/$$/fd; test -e /proc/$$/fd/{leaked} && echo LEAKED"],
            role="probe",
            env=tenant_env({}),
            cwd=own,
            log_path=log,
            sandbox=sandbox,
        )
        for _ in range(600):
            code = reap(record.pid)
            if code is not None:
                break
            time.sleep(0.05)
        assert code == 1, log.read_text()  # `test` failed: no such descriptor
    finally:
        os.close(leaked)
    listed = log.read_text().split()
    assert "LEAKED" not in listed and {"0", "1", "2"} <= set(listed)
