"""Start-up helpers for the notebook-side tests: an AWS endpoint, JupyterLab, Chromium.

- :class:`MotoEndpoint` runs moto's server on 127.0.0.1 and gives the AWS
  environment variables that point boto3 at it (a stand-in for the platform's
  own server until its EMR / Service Catalog APIs exist).
- :class:`JupyterLab` starts ``jupyter lab`` as a child process in its own
  process group with a token, waits until it answers, and kills the group.
- :func:`chromium` launches Debian's Chromium through Playwright (never a
  downloaded browser); :func:`screenshot` keeps a picture under ``test-artifacts/``.

Every process started here is stopped by the context manager that started it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from moto.server import ThreadedMotoServer
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from clusterport.process_groups import start_group, stop_group

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def aws_environment(endpoint: str, home: Path, region: str = "us-east-1") -> dict[str, str]:
    """Environment variables that make boto3 use ``endpoint`` with test credentials only.

    The AWS config and credentials files point into ``home`` so a developer's own
    ``~/.aws`` never leaks into a test.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def jupyter_environment(home: Path) -> dict[str, str]:
    """Environment variables that keep Jupyter's config, data and IPython dirs inside ``home``.

    JupyterLab's news prompt is switched off so it never covers the page.
    """
    config = home / ".jupyter"
    notification = config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    data = home / ".local" / "share" / "jupyter"
    return {
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(data),
        "JUPYTER_RUNTIME_DIR": str(data / "runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
    }


class MotoEndpoint:
    """moto's server on 127.0.0.1 (a random free port), for one test module."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def __enter__(self) -> MotoEndpoint:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Forget every resource moto holds (between tests)."""
        httpx.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()


@dataclass
class JupyterLab:
    """A running ``jupyter lab`` child process (its own process group)."""

    root_dir: Path
    env: Mapping[str, str]
    token: str = ""
    port: int = 0
    startup_timeout: float = 120.0
    extra_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.token = self.token or secrets.token_hex(16)
        self.port = self.port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.root_dir.parent / f"jupyterlab-{self.port}.log"

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, path: str = "lab") -> str:
        """A URL of the lab UI carrying the token."""
        return f"{self.url}/{path}?token={self.token}"

    def __enter__(self) -> JupyterLab:
        self.root_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),
            *self.extra_args,
        ]
        log = self.log_path.open("wb")
        self.process = start_group(
            command,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root_dir,
        )
        log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early; see {self.log_path}:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                response = httpx.get(f"{self.url}/api/status", headers=self.headers(), timeout=2)
                if response.status_code == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"jupyter lab did not answer in time; see {self.log_path}")

    def headers(self) -> dict[str, str]:
        """Headers that authenticate API calls with the server's token."""
        return {"Authorization": f"token {self.token}"}

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop the server, its kernels (each in a session of its own) and its process group."""
        if self.process is None:
            return
        pgid = self.process.pid
        descendants: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            descendants = psutil.Process(pgid).children(recursive=True)
        with contextlib.suppress(httpx.HTTPError):
            kernels = httpx.get(f"{self.url}/api/kernels", headers=self.headers(), timeout=5)
            for kernel in kernels.json() if kernels.status_code == 200 else []:
                httpx.delete(
                    f"{self.url}/api/kernels/{kernel['id']}", headers=self.headers(), timeout=15
                )
        stop_group(self.process, grace=15)
        for child in descendants:
            with contextlib.suppress(psutil.Error):
                child.kill()
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def chromium(headless: bool = True) -> Iterator[Any]:
    """A Playwright Chromium browser running Debian's ``/usr/bin/chromium``."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=headless, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def wait_for_launcher_focus(page: Any, timeout_ms: int) -> None:
    """Wait until the Launcher of an empty workspace has the keyboard focus.

    JupyterLab opens it, and focuses it, about half a second after the dock panel shows;
    a fill before that can lose its keystrokes to it (a clearing of the search did, and a
    later check read a stale row).
    """
    page.wait_for_function(
        "() => document.activeElement?.closest('#jp-main-dock-panel .jp-Launcher') != null",
        timeout=timeout_ms,
    )


@contextlib.contextmanager
def screenshot_on_failure(page: Any, name: str) -> Iterator[None]:
    """Keep ``test-artifacts/<name>-failure.png`` when the block fails, then re-raise."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(PlaywrightError):
            screenshot(page, f"{name}-failure")
        raise


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: axe-core, installed from npm with the panel's development dependencies.
AXE = ROOT / "src/clusterport/studio/labextension_src/node_modules/axe-core/axe.min.js"


def serious_violations(page: Any, selector: str) -> list[str]:
    """axe-core's serious and critical violations inside ``selector``, one line each."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: build the panel (its npm install adds axe-core)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (selector) => {
            const result = await window.axe.run(document.querySelector(selector), {
                runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)
            }));
        }""",
        selector,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(v['nodes'])}"
        for v in found
        if v["impact"] in {"serious", "critical"}
    ]


def use_theme(page: Any, theme: str) -> None:
    """Switch JupyterLab's theme through its Settings menu (``JupyterLab Dark``/``Light``)."""
    page.click('.lm-MenuBar-itemLabel:text-is("Settings")')
    page.hover('.lm-Menu-itemLabel:text-is("Theme")')
    page.click(f'.lm-Menu-itemLabel:text-is("{theme}")')
    light = "true" if "Light" in theme else "false"
    page.wait_for_selector(f'body[data-jp-theme-light="{light}"]', state="attached", timeout=60_000)
