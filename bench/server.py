"""Throwaway benchmark databases, a real uvicorn in front of them, and its memory.

SQLite: a file under the work directory. Postgres: `bench_<size>` on the server of
BENCH_POSTGRES_URL (default: postgres@127.0.0.1:5432), created here and dropped afterwards.
"""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import migrate
from app.config import PROJECT_ROOT
from app.db import make_engine
from app.derived.refresh import refresh_missing
from app.models import Deal
from app.unit_of_work import AppSession
from bench.generate import Report, run

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class BenchDatabase:
    kind: str
    size: int
    url: str
    generated: Report | None  # None when an existing database was reused (--keep)


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    return psycopg.connect(
        url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    )


def postgres_version() -> str:
    with _admin() as admin:
        row = admin.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def _deal_count(url: str) -> int | None:
    """How many deals the database holds, or None if it is not a migrated database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Deal)) or 0
    except Exception:  # missing file, missing tables: not reusable, regenerate
        return None
    finally:
        engine.dispose()


def _postgres_exists(name: str) -> bool:
    with _admin() as admin:
        return (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def _drop(kind: str, url: str) -> None:
    if kind == "sqlite":
        database = make_url(url).database
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    else:
        name = make_url(url).database
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_database(kind: str, name: str, *, work_dir: Path) -> Iterator[str]:
    """A migrated database with no deals (its URL), dropped afterwards."""
    if kind == "sqlite":
        work_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{(work_dir / f'{name}.sqlite3').resolve()}"
    else:
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    _drop(kind, url)
    try:
        if kind == "postgresql":
            with _admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
        migrate.upgrade(url)
        yield url
    finally:
        _drop(kind, url)


@contextmanager
def bench_database(
    kind: str, size: int, *, work_dir: Path, seed: int, keep: bool
) -> Iterator[BenchDatabase]:
    """A migrated database with `size` generated deals; reused when --keep left one behind."""
    suffix = "" if seed == 1 else f"_s{seed}"
    if kind == "sqlite":
        work_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{(work_dir / f'bench_{size}{suffix}.sqlite3').resolve()}"
        exists = Path(make_url(url).database or "").exists()
    else:
        name = f"bench_{size}{suffix}"
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        exists = _postgres_exists(name)
    report = None
    try:
        if not (keep and exists and _deal_count(url) == size):
            _drop(kind, url)
            if kind == "postgresql":
                with _admin() as admin:
                    admin.execute(f'CREATE DATABASE "{make_url(url).database}"')
            migrate.upgrade(url)
            report = run(url, size, seed)
        else:  # a kept database: bring it up to the current schema, as `deals db upgrade` does
            migrate.upgrade(url)
            engine = make_engine(url)
            try:
                with AppSession(engine) as session:
                    refresh_missing(session)
            finally:
                engine.dispose()
        yield BenchDatabase(kind, size, url, report)
    finally:
        if not keep:
            _drop(kind, url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    pid: int
    log: IO[bytes]

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's stderr (tracebacks of failed requests)."""
        self.log.seek(0)
        return "\n".join(self.log.read().decode(errors="replace").splitlines()[-lines:])


@contextmanager
def serve(database_url: str, workers: int = 1) -> Iterator[Server]:
    """A real uvicorn (`workers` processes, no access log) on a free port; waits for /readyz."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "READ_ACCESS": "public",
        "ENVIRONMENT": "production",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
        "LOG_LEVEL": "warning",
    }
    command = [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
        "--workers", str(workers),
    ]  # fmt: skip
    # A file, not a pipe: a full pipe would block the server mid-benchmark.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            base_url = _wait_ready(port, process, log)
            _wait_workers(process.pid, workers)
            yield Server(base_url, process.pid, log)
        finally:
            stop(process)


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: IO[bytes]) -> str:
    """The base URL once /readyz answers 200; RuntimeError with the server's log otherwise."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"uvicorn did not become ready:\n{log.read().decode()}")
        time.sleep(0.2)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers are children of its supervisor)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(_children(current))
    return tree


def _wait_workers(pid: int, workers: int) -> None:
    """With several workers, wait until each is up (its memory is then a fair baseline)."""
    if workers <= 1:
        return
    deadline = time.monotonic() + 60
    while len(process_tree(pid)) < workers + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # the last worker's imports


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    """A process's memory from /proc/<pid>/status, in KiB (VmRSS now, VmHWM peak)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def tree_memory_kib(pid: int) -> int:
    """The resident memory of a process and its descendants together, in KiB."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, RuntimeError):  # a process that just exited
            total += memory_kib(member)
    return total


class RssSampler:
    """Samples the resident memory of a process and its children (the server's supervisor and
    workers) every few milliseconds, keeping the peak of their sum."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.pid = pid
        self.interval = interval
        self.baseline = tree_memory_kib(pid)
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        # A gone server counts as 0 here; its failure shows in the export's result.
        self.peak = max(self.peak, tree_memory_kib(self.pid))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.baseline) / 1024


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop, and kill it if it is still there after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
