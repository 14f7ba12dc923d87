"""What following costs a write: the median time of one committed deal edit (the audit and
notification hooks included) with nobody following anything, and with 50 users following
organizations, deals and ten saved views. Demo data, SQLite file and Postgres.

    .venv/bin/python -m bench.notify [--edits 200] [--databases sqlite,postgresql]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, select, text

from app import migrate
from app.accounts.users import create_user
from app.db import make_engine
from app.models import Deal, Follow, Notification, Organization, SavedView
from app.services.demo import load_demo
from app.unit_of_work import make_sessionmaker

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"
VIEWS = ["status=rumored", "status=confirmed", "party=microsoft", "party=openai", "vendor=nvidia",
         "min_value=1B", "deal_type=cloud_capacity", "status=in_talks", "party=coreweave",
         "hardware_type=gpu"]  # fmt: skip


def _edits(factory: object, edits: int) -> list[float]:
    timings = []
    with factory() as session:  # type: ignore[operator]
        deals = list(session.scalars(select(Deal).order_by(Deal.id)))
        session.info["user_id"] = None
        for n in range(edits):
            deal = deals[n % len(deals)]
            start = time.perf_counter()
            deal.summary = f"edit {n}"
            session.commit()
            timings.append(time.perf_counter() - start)
    return timings


def _follow_everything(factory: object) -> None:
    with factory() as session:  # type: ignore[operator]
        orgs = list(session.scalars(select(Organization.id).order_by(Organization.id)))
        deals = list(session.scalars(select(Deal.id).order_by(Deal.id)))
        owner = create_user(session, "owner@example.org", "owner password 1", "analyst")
        views = []
        for n, query in enumerate(VIEWS):
            view = SavedView(owner_id=owner.id, name=f"v{n}", query=query, shared=True)
            session.add(view)
            views.append(view)
        session.flush()
        for u in range(50):
            user = create_user(session, f"u{u}@example.org", "user password 1", "viewer")
            targets = [("organization", orgs[(u * 3 + k) % len(orgs)]) for k in range(3)]
            targets += [("deal", deals[u % len(deals)]), ("view", views[u % len(views)].id)]
            for kind, target in targets:
                session.add(Follow(user_id=user.id, target_type=kind, target_id=target))
        session.commit()


def run(url: str, edits: int) -> tuple[float, float, int]:
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        load_demo(session)
    quiet = statistics.median(_edits(factory, edits))
    _follow_everything(factory)
    followed = statistics.median(_edits(factory, edits))
    with factory() as session:
        notes = len(session.scalars(select(Notification.id)).all())
    engine.dispose()
    return quiet, followed, notes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    for database in args.databases.split(","):
        if database == "sqlite":
            folder = tempfile.mkdtemp()
            url = f"sqlite:///{Path(folder) / 'notify.sqlite3'}"
        else:
            admin = create_engine(POSTGRES + "postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("DROP DATABASE IF EXISTS bench_notify"))
                conn.execute(text("CREATE DATABASE bench_notify"))
            url = POSTGRES + "bench_notify"
        quiet, followed, notes = run(url, args.edits)
        print(
            f"{database}: median edit {quiet * 1000:.2f} ms unfollowed, {followed * 1000:.2f} ms "
            f"followed (×{followed / quiet:.2f}); {notes} notifications for {args.edits} edits"
        )
        if database != "sqlite":
            with admin.connect() as conn:
                conn.execute(text("DROP DATABASE bench_notify"))


if __name__ == "__main__":
    main()
