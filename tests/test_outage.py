"""The database going away under load: a Postgres cluster of the test's own, stopped mid-load
(`pg_ctl stop -m immediate`) and started again under a running app.

While it is away every page answers 503 with Retry-After (HTML for pages, problem+json for the
API), never 500; once it is back the same server process answers 200 again; and every write
that was acknowledged (2xx) is in the database afterwards. Nothing here skips: a machine
without the PostgreSQL server binaries fails the test, saying what is missing.
"""

import contextlib
import html
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.users import create_token, create_user
from app.api.examples import NEW_DEAL
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.outage import OUTCOME_UNKNOWN, RETRY_AFTER, UNAVAILABLE
from app.unit_of_work import make_sessionmaker
from tests.conftest import _test_app, sign_in, site_apps
from tests.databases import throwaway_postgres
from tests.live import free_port, live_server

PROBLEM = "application/problem+json"
# The example deal, its organizations and hardware created with it on an empty database.
DEAL = {
    **NEW_DEAL,
    "hardware": [{"name": "Maia 200", "type": "custom_accelerator", "vendor": "Microsoft"}],
    "create_missing": True,
}


def postgres_bin() -> Path:
    """The PostgreSQL server's programs: PG_BIN, else Debian's newest, else those on PATH."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    initdb = shutil.which("initdb")
    candidates.append(str(Path(initdb).parent) if initdb else "")
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise RuntimeError(
        "The PostgreSQL server programs (initdb, pg_ctl) were not found: install postgresql "
        "or point PG_BIN at their folder."
    )


@dataclass
class Cluster:
    """A throwaway Postgres cluster on a free port, in a temporary folder."""

    folder: Path
    port: int
    bin: Path = field(default_factory=postgres_bin)

    def _run(self, *args: str) -> None:
        # initdb refuses to run as root: then the cluster belongs to the `postgres` user.
        runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*runner, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/deals"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        data = str(self.folder / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"),
            *("start", "-w", "-t", "60", "-D", str(self.folder / "data")),
            *("-l", str(self.folder / "log"), "-o", options),
        )

    def stop(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "stop", "-m", "immediate", "-D", str(self.folder / "data")
        )


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="cdt-pg-"))
    cluster = Cluster(folder, free_port())
    try:
        cluster.init()
        cluster.start()
        with psycopg.connect(
            f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True
        ) as admin:
            admin.execute("CREATE DATABASE deals")
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Load:
    """Writes (a new deal each) and reads in a loop, every answer kept."""

    base: str
    token: str
    answers: list[tuple[str, httpx.Response]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=30) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                title = f"Outage test deal number {n}"
                body = {
                    **DEAL,
                    "title": title,
                    "source": {**NEW_DEAL["source"], "url": f"https://example.org/report/{n}"},
                }
                write = client.build_request("POST", "/api/v1/deals", json=body, headers=auth)
                for what, request in (
                    ("write", write),
                    ("api", client.build_request("GET", "/api/v1/deals?per_page=5")),
                    ("page", client.build_request("GET", "/deals")),
                ):
                    try:
                        response = client.send(request)
                    except httpx.TransportError as exc:  # the app itself must stay up
                        self.failures.append(f"{what}: {exc!r}")
                        continue
                    self.answers.append((what, response))
                    if what == "write" and response.is_success:
                        self.acknowledged.append(title)


def check_outage_answer(what: str, response: httpx.Response) -> None:
    assert response.status_code == 503, (what, response.status_code, response.text[:500])
    assert int(response.headers["retry-after"]) > 0
    if what == "page":
        assert response.headers["content-type"].startswith("text/html")
        assert "Service unavailable" in response.text
    else:
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["status"] == 503 and problem["detail"]


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


def test_pages_answer_503_while_postgres_is_down_and_recover_after() -> None:
    with own_cluster() as cluster:
        migrate.upgrade(cluster.url)
        engine = make_engine(cluster.url)
        with make_sessionmaker(engine)() as session:
            user = create_user(session, "writer@example.org", "writer password 1", "analyst")
            _, token = create_token(session, user, "load")
        engine.dispose()
        with live_server(cluster.url, demo=False) as base:
            load = Load(base, token)
            worker = threading.Thread(target=load.run, daemon=True)
            worker.start()
            try:
                assert wait_for(lambda: len(load.acknowledged) >= 5, 120), load.answers[-3:]
                cluster.stop()
                down_at = len(load.answers)
                # The load keeps going, and meets the outage...
                assert wait_for(lambda: len(load.answers) >= down_at + 6, 60)
                # ...and so does each kind of request, asked now.
                with httpx.Client(base_url=base, timeout=30) as client:
                    check_outage_answer("page", client.get("/deals"))
                    check_outage_answer("page", client.get("/"))
                    check_outage_answer("api", client.get("/api/v1/deals"))
                    write = client.post(
                        "/api/v1/deals", json=DEAL, headers={"Authorization": f"Bearer {token}"}
                    )
                    check_outage_answer("write", write)
                cluster.start()
                started = time.monotonic()
                assert wait_for(
                    lambda: httpx.get(f"{base}/deals", timeout=30).status_code == 200, 60
                ), "the app did not recover after the database came back"
                recovered_in = time.monotonic() - started
                after = len(load.acknowledged)
                assert wait_for(lambda: len(load.acknowledged) >= after + 3, 60)
            finally:
                load.stop.set()
                worker.join(timeout=60)
            assert load.failures == []
            outage = [(w, r) for w, r in load.answers if not r.is_success]
            assert outage, "the load never met the outage"
            for what, response in outage:
                check_outage_answer(what, response)
            assert httpx.get(f"{base}/api/v1/deals", timeout=30).status_code == 200
        with psycopg.connect(
            f"host=127.0.0.1 port={cluster.port} user=postgres dbname=deals"
        ) as connection:
            saved = {row[0] for row in connection.execute("SELECT title FROM deal")}
        missing = [title for title in load.acknowledged if title not in saved]
        assert missing == [], f"acknowledged writes lost: {missing}"
        kinds = sorted({(w, r.json()["type"] if w != "page" else "page") for w, r in outage})
        print(  # shown with -s
            f"\n{len(load.acknowledged)} writes acknowledged and saved; {len(outage)} answers "
            f"503 during the outage {kinds}; 200 again {recovered_in:.2f} s after the restart"
        )


class CommitCutter:
    """Ends the server process of a connection just before its COMMIT of a write goes out (from
    another connection, as an administrator would): the client cannot know the outcome."""

    def __init__(self, engine: Engine, admin_url: str) -> None:
        self.armed = threading.Event()
        self.admin_url = admin_url
        event.listen(engine, "before_cursor_execute", self._note_write)
        event.listen(engine, "commit", self._cut)
        event.listen(engine, "rollback", lambda conn: conn.info.pop("wrote", None))

    def _note_write(self, conn: Connection, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            conn.info["wrote"] = True

    def _cut(self, conn: Connection) -> None:
        if not (conn.info.pop("wrote", False) and self.armed.is_set()):
            return
        self.armed.clear()
        pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                time.sleep(0.02)


def test_a_write_cut_off_during_its_commit_says_it_may_have_been_saved() -> None:
    with throwaway_postgres("cdt_cut") as url:
        migrate.upgrade(url)
        app = create_app(Settings(environment="test", database_url=url, secret_key="c" * 32))
        admin_url = make_url(url).set(drivername="postgresql").render_as_string(False)
        cutter = CommitCutter(app.state.engine, admin_url)
        with make_sessionmaker(app.state.engine)() as session:
            user = create_user(session, "writer@example.org", "writer password 1", "analyst")
            _, token = create_token(session, user, "cut")
        auth = {"Authorization": f"Bearer {token}"}
        with TestClient(app) as client:
            created = client.post("/api/v1/deals", json=DEAL, headers=auth)
            assert created.status_code == 201, created.text
            cutter.armed.set()
            again = {**DEAL, "title": "A second deal, whose commit is cut off"}
            cut = client.post("/api/v1/deals", json=again, headers=auth)
            assert cut.status_code == 503 and cut.headers["content-type"] == PROBLEM
            assert cut.headers["retry-after"]
            assert cut.json()["type"].endswith(":save-outcome-unknown")
            assert cut.json()["detail"] == OUTCOME_UNKNOWN
            # Reads are not told about saving; the pool has replaced the lost connection.
            assert client.get("/api/v1/deals").status_code == 200
            # A page's form: the same message on an HTML page.
            sign_in(client, "writer@example.org", "writer password 1")
            cutter.armed.set()
            form = {"target_type": "deal", "target_id": str(created.json()["id"])}
            page = client.post("/follow", data=form, follow_redirects=False)
            assert page.status_code == 503 and page.headers["retry-after"]
            assert page.headers["content-type"].startswith("text/html")
            assert html.escape(OUTCOME_UNKNOWN, quote=True) in page.text
            assert not cutter.armed.is_set(), "the write never reached its commit"


def test_only_an_unreachable_database_is_a_503(session: Session) -> None:
    """A lost connection is a 503 on pages and in the API; any other database error (here a
    broken constraint nobody caught) stays the 500 it is, in each one's format."""
    app = _test_app(session)
    api = site_apps(app)[1]
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    broken = IntegrityError("INSERT", {}, Exception("duplicate key"))

    for where in (app, api):

        @where.get("/v1/lost")
        def raise_lost() -> None:
            raise lost

        @where.get("/v1/broken")
        def raise_broken() -> None:
            raise broken

    with TestClient(app, raise_server_exceptions=False) as client:
        page, api_answer = client.get("/v1/lost"), client.get("/api/v1/lost")
        assert page.status_code == 503 and page.headers["retry-after"] == RETRY_AFTER
        assert page.headers["content-type"].startswith("text/html") and UNAVAILABLE in page.text
        assert api_answer.status_code == 503 and api_answer.headers["content-type"] == PROBLEM
        assert api_answer.json()["detail"] == UNAVAILABLE
        assert api_answer.headers["retry-after"] == RETRY_AFTER
        assert client.get("/v1/broken").status_code == 500
        failed = client.get("/api/v1/broken")
        assert failed.status_code == 500 and failed.headers["content-type"] == PROBLEM
