"""A real uvicorn on 127.0.0.1 and a real Chromium, for browser tests."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app import migrate
from app.db import make_engine
from app.services.demo import load_demo
from app.unit_of_work import make_sessionmaker

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots, for people to look at
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Console:
    """Every console error and uncaught exception of a page, CSP violations included."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def sign_in_as(page: Page, base: str, email: str, password: str) -> None:
    """Sign in through the form, by its visible labels, and wait until signed in."""
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


def chromium_path() -> str:
    """The system Chromium; a clear failure (never a skip) when it is missing."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install -y chromium) "
            "or point CHROMIUM_PATH at one."
        )
    return CHROMIUM


@contextmanager
def live_server(
    database_url: str, *, demo: bool = True, settings: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Migrate, optionally load the demo, serve with uvicorn (with these settings' environment
    variables too); yield the base URL."""
    migrate.upgrade(database_url)
    if demo:
        engine = make_engine(database_url)
        with make_sessionmaker(engine)() as session:
            load_demo(session)
        engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-" + "s" * 32,
        "FIGURE_TIME_LIMIT_MS": "60000",  # counts are waited for however busy the machine is
        **(settings or {}),
    }
    # What it says goes to a file, not a pipe: a pipe nobody reads fills up (tracebacks of a
    # failing test) and then blocks the server.
    said = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "deals"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=said,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a busy machine starts the app slowly
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.terminate()
                process.wait(timeout=10)
                said.seek(0)
                raise RuntimeError(f"server did not start: {said.read()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        said.close()


def assert_accessible(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
