"""Fixtures for end-to-end tests: real processes on loopback and a real Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from scripts.processes import seed_server, start_app, start_server, stop_all
from tests.e2e.console_steps import DemoConsole, sign_in
from tests.e2e.ui import CHROMIUM_ARGS, DESKTOP, Ui

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"


# Module scope: Playwright's sync API keeps an event loop running in this thread while
# it lives, and later tests that call asyncio.run() would fail under a session scope.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: run the tests through ./relais test, which installs it")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def out_dir(request: pytest.FixtureRequest) -> Path:
    """Where a test keeps its screenshots and process logs (kept after the run)."""
    path = OUTPUT / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def demo_console(out_dir: Path) -> Iterator[DemoConsole]:
    """A server on a fresh copy of the demo data and the console app on it."""
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    app = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    try:
        yield DemoConsole(server, app, db_url)
    finally:
        app.stop()
        server.stop()


@pytest.fixture
def supervisor(demo_console: DemoConsole, browser: Browser, out_dir: Path) -> Iterator[Ui]:
    """The demo's supervisor signed in to `demo_console`, on a desktop."""
    ui = Ui.open(browser, demo_console.app.url, out_dir / "console", DESKTOP)
    sign_in(ui, "sophie", "relais-demo")
    yield ui
    ui.page.close()


@pytest.fixture(autouse=True)
def _stop_leftover_processes() -> Iterator[None]:
    yield
    stop_all()  # what a failed test started before reaching its own cleanup


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loopback traffic must never go through a proxy set in the environment.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        if var in os.environ:
            monkeypatch.delenv(var)
