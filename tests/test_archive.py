"""The whole-dataset archive on both databases: dump → load into an empty database → dump
gives the same files, SQLite → Postgres → SQLite included; nothing is lost (hardware types,
organization kinds, in-house chips, "up to" amounts, histories, relations, quotes, notes); a
database with data, a damaged archive and a failed load write nothing."""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.db import Base
from app.derived.counts import kept_facet_counts, kept_total
from app.exchange import archive
from app.models import (
    Deal,
    DealDerived,
    DealRelation,
    DealSearch,
    Hardware,
    Organization,
    Source,
    StatusEvent,
)
from app.services.demo import load_demo
from tests.conftest import _test_app, sign_in
from tests.databases import empty_database, enabled_databases

DEALS = str(Path(sys.executable).parent / "deals")


def dumped(session: Session, **options: Any) -> bytes:
    buffer = io.BytesIO()
    archive.dump(session, buffer, **options)
    session.rollback()
    return buffer.getvalue()


def contents(data: bytes) -> dict[str, Any]:
    """The archive's files, the manifest without when and where it was made."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files: dict[str, Any] = {n: z.read(n) for n in z.namelist() if n != archive.MANIFEST}
        manifest = json.loads(z.read(archive.MANIFEST))
    for key in ("created_at", "database", "schema_revision"):
        manifest.pop(key)
    files[archive.MANIFEST] = manifest
    return files


def facts(session: Session) -> dict[str, Any]:
    """What the CSV round trip used to lose, read back from the database."""
    session.expire_all()
    return {
        "hardware": sorted(
            session.execute(select(Hardware.name, Hardware.type, Hardware.in_house)).all()
        ),
        "kinds": sorted(session.execute(select(Organization.name, Organization.kind)).all()),
        "amounts": sorted(
            session.execute(
                select(
                    Deal.id,
                    Deal.value_qualifier,
                    Deal.capacity_qualifier,
                    Deal.summary,
                    Deal.notes,
                    Deal.version,
                )
            ).all(),
            key=lambda r: r[0],
        ),
        "events": session.scalar(select(func.count()).select_from(StatusEvent)),
        "relations": session.scalar(select(func.count()).select_from(DealRelation)),
        "quotes": session.scalars(select(Source.quote).where(Source.quote.is_not(None))).all(),
        "derived": session.scalar(select(func.count()).select_from(DealDerived)),
        "search": session.scalar(select(func.count()).select_from(DealSearch)),
    }


def test_every_table_is_archived_or_left_out_for_a_reason() -> None:
    tables = set(Base.metadata.tables) | {"alembic_version"}
    assert set(archive.TABLES) | set(archive.LEFT_OUT) == tables
    assert not set(archive.TABLES) & set(archive.LEFT_OUT)


def test_dump_load_dump_is_identical_and_loses_nothing(demo: Session, db_name: str) -> None:
    source = demo.scalars(select(Source).order_by(Source.id)).first()
    assert source is not None
    source.quote = '\\back slash, "quoted", two\r\nlines, ünïcode'
    deal = demo.get_one(Deal, source.deal_id)
    deal.notes = ""  # empty text, which is not NULL
    demo.commit()
    first = dumped(demo)
    before = facts(demo)
    assert before["relations"] and before["quotes"] and before["events"] > 58
    assert any(in_house for _, _, in_house in before["hardware"])
    assert any("up_to" in row for row in before["amounts"])
    assert len({kind for _, kind in before["kinds"]}) > 2
    with empty_database(db_name) as empty:
        counts = archive.load(empty, io.BytesIO(first))
        assert counts["deal"] == 58
        assert facts(empty) == before
        assert contents(dumped(empty)) == contents(first)
        # The table's kept counts are counted on load, as the source has them.
        assert (kept_total(empty), kept_facet_counts(empty)) == (
            kept_total(demo),
            kept_facet_counts(demo),
        )
        # Ids continue after the loaded ones.
        assert empty.scalar(select(func.max(Deal.id))) == demo.scalar(select(func.max(Deal.id)))


@pytest.mark.skipif(
    set(enabled_databases()) != {"sqlite", "postgresql"}, reason="needs both databases"
)
def test_sqlite_to_postgres_and_back_gives_the_same_files() -> None:
    with empty_database("sqlite") as sqlite:
        load_demo(sqlite)
        first = dumped(sqlite)
        before = facts(sqlite)
    with empty_database("postgresql") as postgres:
        archive.load(postgres, io.BytesIO(first))
        assert facts(postgres) == before
        second = dumped(postgres)
    assert contents(second) == contents(first)
    with empty_database("sqlite") as sqlite:
        archive.load(sqlite, io.BytesIO(second))
        assert facts(sqlite) == before
        assert contents(dumped(sqlite)) == contents(first)


def test_loading_refuses_a_database_with_data_and_a_damaged_archive(
    demo: Session, db_name: str
) -> None:
    data = dumped(demo)
    with pytest.raises(archive.ArchiveError, match="not empty"):
        archive.load(demo, io.BytesIO(data))
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(damaged, "w") as out:
        for name in z.namelist():
            body = z.read(name)
            out.writestr(
                name,
                body.replace(b"Microsoft", b"Microsoft!") if name == "organization.csv" else body,
            )
    with empty_database(db_name) as empty:
        with pytest.raises(archive.ArchiveError, match="checksum"):
            archive.load(empty, io.BytesIO(damaged.getvalue()))
        assert empty.scalar(select(func.count()).select_from(Organization)) == 0


def test_a_load_that_fails_midway_writes_nothing(demo: Session, db_name: str) -> None:
    """A status event naming a deal that is not in the archive: refused by the database after
    every table before it went in — and all of it is rolled back."""
    data = dumped(demo)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        manifest = json.loads(z.read(archive.MANIFEST))
        files = {n: z.read(n) for n in z.namelist() if n != archive.MANIFEST}
    header, first, rest = files["status_event.csv"].split(b"\r\n", 2)
    cells = first.split(b",")
    cells[1] = b"999999"  # deal_id
    files["status_event.csv"] = b"\r\n".join([header, b",".join(cells), rest])
    manifest["tables"]["status_event"]["sha256"] = hashlib.sha256(
        files["status_event.csv"]
    ).hexdigest()
    with zipfile.ZipFile(broken, "w") as out:
        for name, body in files.items():
            out.writestr(name, body)
        out.writestr(archive.MANIFEST, json.dumps(manifest))
    with empty_database(db_name) as empty:
        with pytest.raises(Exception, match="(?i)foreign key"):
            archive.load(empty, io.BytesIO(broken.getvalue()))
        assert empty.scalar(select(func.count()).select_from(Deal)) == 0


def test_the_command_line_dumps_and_loads(tmp_path: Path) -> None:
    source = tmp_path / "source.sqlite3"
    target = tmp_path / "target.sqlite3"
    file = tmp_path / "all.zip"

    def deals(url: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{url}"}
        return subprocess.run([DEALS, *args], capture_output=True, text=True, env=env)

    for url in (source, target):
        assert deals(url, "db", "upgrade").returncode == 0
    assert deals(source, "demo").returncode == 0
    picked = deals(source, "export", "--columns", "title,summary", "--columns", "id")
    assert picked.returncode == 0, picked.stderr
    assert picked.stdout.splitlines()[0] == "title,summary,id"
    assert deals(source, "export", "--columns", "colour").returncode == 2
    done = deals(source, "dump", str(file))
    assert done.returncode == 0, done.stderr
    assert "Wrote 58 deals" in done.stdout + done.stderr
    loaded = deals(target, "load", str(file))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded 58 deals" in loaded.stdout + loaded.stderr
    again = deals(target, "load", str(file))
    assert again.returncode == 1 and "not empty" in again.stdout + again.stderr
    second = tmp_path / "again.zip"
    assert deals(target, "dump", str(second)).returncode == 0
    assert contents(second.read_bytes()) == contents(file.read_bytes())


def test_admins_download_the_archive(demo: Session) -> None:
    create_user(demo, "root@example.org", "admin password 1", "admin")
    create_user(demo, "ana@example.org", "analyst password 1", "analyst")
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "ana@example.org", "analyst password 1")
        assert client.get("/admin/archive.zip", follow_redirects=False).status_code == 403
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "root@example.org", "admin password 1")
        assert "/admin/archive.zip" in client.get("/admin/users").text
        response = client.get("/admin/archive.zip")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert "deals-archive-" in response.headers["content-disposition"]
        downloaded = contents(response.content)
    assert downloaded == contents(dumped(demo))
    assert b"root@example.org" in downloaded["user_account.csv"]
