"""Support for the data worker's journey test: the platform as processes, Studio, the browser.

- :func:`running_platform` starts ``clusterport server --port 0`` on a data dir as a
  child process (its own process group), creates the two seed accounts with
  ``clusterport admin`` and, on exit, stops the server and runs ``clusterport down``.
- :func:`running_studio` starts ``clusterport studio`` for the seed's user profile as a
  child process with account A's root key and ``AWS_ENDPOINT_URL``, and stops it with
  SIGTERM (the launcher shuts JupyterLab, its kernels and terminals down).
- :func:`data_dir_processes` lists every process whose command line names the data dir:
  after a clean shutdown there must be none (no JVM, no kernel, no proxy).
- :class:`Steps` numbers the screenshots of the journey (``journey-NN-<what>.png``).
- The panel and notebook helpers drive JupyterLab the way a person does: clicks, keys.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser_support import screenshot
from clusterport.cli.seed import runtime
from clusterport.cli.seed.world import STUDIO_ACCOUNT, SeedWorld
from clusterport.cli.up import launch_studio
from clusterport.process_groups import stop_group

PANEL = "#clusterport-clusters"
STATUS_NAMESPACE = '"namespace": "sagemaker-analytics"'


# -- the platform as processes ---------------------------------------------------------------------


@dataclass
class Platform:
    """A ``clusterport server`` child process on a data dir and the seed accounts' root keys."""

    data_dir: Path
    server: runtime.ServerProcess
    keys: dict[str, dict[str, str]]
    region: str
    down_exit_code: int | None = None
    leftovers: list[tuple[int, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The API endpoint (``http://127.0.0.1:<port>``)."""
        return self.server.url

    def session(self, account_id: str) -> boto3.Session:
        """A boto3 session signed by the account's root key."""
        return runtime.session(self.keys[account_id], self.region)

    def client(self, service: str, account_id: str) -> Any:
        """A boto3 client of ``service`` against the platform, as the account's root."""
        return self.session(account_id).client(
            service, endpoint_url=self.url, region_name=self.region
        )


def data_dir_processes(data_dir: Path) -> list[tuple[int, str]]:
    """Every process (pid, command line) whose command line names ``data_dir``."""
    needle = str(data_dir)
    found: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        if needle in command:
            found.append((int(entry.name), command))
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_platform(data_dir: Path, region: str) -> Iterator[Platform]:
    """The server on ``data_dir`` with accounts A and B; stopped and ``down``-ed on exit.

    On exit ``down_exit_code`` and ``leftovers`` (processes still naming the data dir
    after the server stopped and ``clusterport down`` ran) are recorded for the test to
    assert on; leftovers are then killed so a failing run leaves nothing behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    server = runtime.start_server(data_dir, "127.0.0.1", 0)
    platform = Platform(data_dir, server, {}, region)
    try:
        platform.keys = runtime.account_keys(data_dir)
        yield platform
    finally:
        server.stop()
        platform.down_exit_code = runtime.stop_data_dir(data_dir)
        deadline = time.monotonic() + 20
        platform.leftovers = data_dir_processes(data_dir)
        while platform.leftovers and time.monotonic() < deadline:
            time.sleep(0.5)
            platform.leftovers = data_dir_processes(data_dir)
        _kill([pid for pid, _ in platform.leftovers])


# -- Studio ---------------------------------------------------------------------------------------


@dataclass
class Studio:
    """A ``clusterport studio`` child process serving the seed's user profile."""

    process: subprocess.Popen[str]
    app_file: Path
    log: Path

    def log_text(self) -> str:
        """What the launcher and JupyterLab printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def running_studio(
    platform: Platform, world: SeedWorld, timeout: float = 180.0
) -> Iterator[Studio]:
    """Studio for ``world``'s user profile, ready once its app file is written."""
    launcher = launch_studio(
        platform.data_dir, world, platform.keys[STUDIO_ACCOUNT], platform.url, platform.region
    )
    studio = Studio(
        launcher,
        platform.data_dir / "studio" / world.domain_id / "apps" / f"{world.user_profile}.json",
        platform.data_dir / "studio.log",
    )
    try:
        deadline = time.monotonic() + timeout
        while not studio.app_file.exists():
            if launcher.poll() is not None:
                raise RuntimeError(
                    f"clusterport studio exited with {launcher.returncode}:\n{studio.log_text()}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"Studio did not start in {timeout:.0f} s:\n{studio.log_text()}")
            time.sleep(0.5)
        yield studio
    finally:
        stop_group(launcher, grace=60, leftovers=False)


# -- the browser ----------------------------------------------------------------------------------


@dataclass
class Steps:
    """Numbers the journey's screenshots: ``test-artifacts/journey-NN-<name>.png``."""

    page: Any
    taken: list[Path] = field(default_factory=list)

    def shot(self, name: str, page: Any | None = None) -> Path:
        """Keep a screenshot of ``page`` (default: the lab's page) as the next step."""
        path = screenshot(page or self.page, f"journey-{len(self.taken) + 1:02d}-{name}")
        self.taken.append(path)
        return path


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 1.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def open_clusters_panel(page: Any, timeout_ms: int) -> None:
    """Show the Clusters sidebar (a click on its tab toggles it, so only when hidden).

    After a load or a reload JupyterLab restores its layout (the sidebar open before
    included) behind its splash screen: whether the panel is hidden is known only once
    the splash is gone, else a click races the restore and closes the panel again.
    """
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=timeout_ms)
    if not page.locator(f"{PANEL} .cp-table").is_visible():
        page.click('.jp-SideBar .lm-TabBar-tab[data-id="clusterport-clusters"]', timeout=timeout_ms)
    page.wait_for_selector(f"{PANEL} .cp-table", timeout=timeout_ms)


def cluster_row(page: Any, cluster_id: str) -> Any:
    """The panel's row of ``cluster_id`` (a Playwright locator)."""
    return page.locator(f'{PANEL} tr[data-cluster-id="{cluster_id}"]')


def wait_for_row(
    page: Any, cluster_id: str, timeout: float, status: str | None = None
) -> dict[str, str]:
    """Refresh the panel until ``cluster_id`` is listed (in ``status``); its cells by class."""

    def listed() -> dict[str, str] | None:
        row = cluster_row(page, cluster_id)
        if row.count() == 1:
            cells = {
                name: row.locator(f".cp-{name}").inner_text().strip()
                for name in ("name", "id", "status", "created", "account")
            }
            if status is None or cells["status"] == status:
                return cells
        page.click(f"{PANEL} .cp-refresh")
        page.wait_for_timeout(1500)
        return None

    try:
        found: dict[str, str] = wait_until(
            listed, timeout, f"{cluster_id} in the Clusters panel", interval=0.5
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the panel shows:\n{page.inner_text(PANEL)}") from None
    return found


def select_state_filter(page: Any, label: str) -> None:
    """Choose a state filter of the panel by its label."""
    page.select_option(f"{PANEL} .cp-state-filter", label=label)


def outputs_text(page: Any) -> str:
    """The text of every output area of the open notebook."""
    return "\n".join(
        e.inner_text() for e in page.query_selector_all(".jp-NotebookPanel .jp-OutputArea-output")
    )


def status_lines(text: str) -> list[dict[str, Any]]:
    """The magic's JSON status lines in ``text``, in order."""
    return [json.loads(line) for line in text.splitlines() if STATUS_NAMESPACE in line]


_CELLS = "[...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')]"


def cell_index(page: Any, source: str, timeout_ms: int) -> int:
    """The index of the open notebook's cell holding exactly ``source``, once there is one."""
    found = page.wait_for_function(
        f"""(text) => {{
            const i = {_CELLS}.findIndex(
                c => c.querySelector('.cm-content')?.innerText.trim() === text);
            return i >= 0 ? i + 1 : 0;
        }}""",
        arg=source,
        timeout=timeout_ms,
    )
    return int(found.json_value()) - 1


def cell_output(page: Any, index: int, timeout_ms: int) -> str:
    """The output of cell ``index`` once it ran (its prompt shows an execution count)."""
    try:
        page.wait_for_function(
            f"""(i) => /\\[\\d+\\]/.test(
                {_CELLS}[i]?.querySelector('.jp-InputPrompt')?.innerText ?? '')""",
            arg=index,
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"cell {index} did not finish in {timeout_ms / 1000:.0f} s; the notebook's "
            f"outputs:\n{outputs_text(page)}"
        ) from None
    area = page.locator(".jp-NotebookPanel .jp-Cell").nth(index).locator(".jp-OutputArea")
    return str(area.inner_text())


def run_new_cell(page: Any, code: str, timeout_ms: int) -> str:
    """Add a code cell below the last one, type ``code``, run it (Shift+Enter); its output.

    The notebook's kernel must be up already: JupyterLab drops a cell run while it starts.
    """
    cells = page.locator(".jp-NotebookPanel .jp-Cell")
    index = cells.count()
    cells.last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    return cell_output(page, index, timeout_ms)
