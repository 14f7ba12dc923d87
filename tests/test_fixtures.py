"""The suite's fixtures: the demo data is built once per run, and every test still gets a
database of its own — what one test writes is never seen by the next."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Deal, Organization
from app.services.demo import read_demo_csv

DEMO_DEALS = len(list(read_demo_csv("deals.csv")))
MARKER = "Written by the first fixture test"


def test_demo_holds_every_demo_deal(demo: Session) -> None:
    assert demo.scalar(select(func.count()).select_from(Deal)) == DEMO_DEALS


def test_a_write_in_one_test(demo: Session) -> None:
    demo.add(Organization(name=MARKER, slug="written-by-a-test", kind="other"))
    demo.commit()
    assert demo.scalar(select(func.count()).where(Organization.name == MARKER)) == 1


def test_is_not_seen_by_the_next(demo: Session) -> None:
    assert demo.scalar(select(func.count()).where(Organization.name == MARKER)) == 0
    assert demo.scalar(select(func.count()).select_from(Deal)) == DEMO_DEALS


def test_an_empty_session_holds_no_demo_data(session: Session) -> None:
    assert session.scalar(select(func.count()).select_from(Deal)) == 0
    assert session.scalar(select(func.count()).select_from(Organization)) == 0
