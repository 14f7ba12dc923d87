"""Bad input that once answered 500 gets a clear answer: NUL characters, ids past the
database's integer, digits `int()` refuses. On both databases (Postgres is the strict one)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.inputs.types import MAX_ID, as_id
from app.models import Deal
from tests.conftest import _test_app, sign_in

HUGE = "99999999999999999999"


@pytest.fixture
def admin(demo: Session) -> Iterator[TestClient]:
    create_user(demo, "root@example.org", "admin password 12", "admin")
    with TestClient(_test_app(demo)) as client:
        sign_in(client, "root@example.org", "admin password 12")
        yield client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/organizations/%00", 400),
        ("/hardware/%00", 400),
        ("/deals?q=%00", 400),
        (f"/deals/{MAX_ID + 1}", 404),
        (f"/deals/{HUGE}", 404),
        (f"/deals/{MAX_ID + 1}/edit", 404),
        (f"/deals/{HUGE}/delete", 404),
        (f"/audit?deal_id={HUGE}", 200),
        (f"/audit?page={HUGE}", 200),
        ("/audit?page=²", 200),
        (f"/timeline?before=2026-05_{HUGE}", 400),
    ],
)
def test_bad_paths_and_queries_get_a_clear_answer(
    admin: TestClient, path: str, expected: int
) -> None:
    assert admin.get(path, follow_redirects=False).status_code == expected


def test_bad_posts_get_a_clear_answer(admin: TestClient, demo: Session) -> None:
    deal_id = demo.scalar(select(Deal.id).order_by(Deal.id).limit(1))
    status = {"status": "confirmed", "effective_on": "2026-07", "source_publisher": "Wire"}
    cases = [
        ("/account/tokens", {"name": "bad\x00name"}, 400),
        (f"/account/tokens/{MAX_ID + 1}/revoke", {}, 404),
        (f"/admin/users/{HUGE}", {"role": "admin"}, 404),
        (f"/deals/{deal_id}/status", {**status, "source_id": "²"}, 422),
        (f"/deals/{deal_id}/status", {**status, "source_tier": "original", "note": "a\x00"}, 400),
        (f"/deals/{deal_id}/sources", {"added_publisher": "P", "added_tier": "original",
                                       "relays_id": "9" * 5000}, 303),
        (f"/deals/{deal_id}/edit", {"version": "²"}, 422),
        ("/deals/new", {"duplicate_decision": f"expands:{MAX_ID + 1}"}, 422),
    ]  # fmt: skip
    for path, form, expected in cases:
        answer = admin.post(path, data=form, follow_redirects=False)
        assert answer.status_code == expected, (path, answer.status_code, answer.text[:300])


def test_signing_in_with_a_nul_is_refused_anonymously(demo_client: TestClient) -> None:
    answer = demo_client.post("/login", data={"email": "a\x00b", "password": "x"})
    assert answer.status_code == 400


def test_ids_are_ascii_digits_within_the_database_integer() -> None:
    assert as_id("42") == 42 and as_id(str(MAX_ID)) == MAX_ID
    assert [as_id(t) for t in ("²", "9" * 5000, str(MAX_ID + 1), "-1", "", "1.0")] == [None] * 6


def test_an_import_with_a_huge_cell_or_a_strange_id_is_a_problem_not_a_crash(
    demo: Session,
) -> None:
    from app.exchange.importer import import_csv

    head = "id,title,status,confidence,deal_types,parties,first_reported_on,sources\r\n"
    row = ',T,rumored,low,cloud_capacity,"A (provider); B (customer)",2026-05,Wire (original)\r\n'
    huge = import_csv(demo, head + row.replace(",T,", ',"' + "x" * 140_000 + '",'))
    assert huge.problems and "cannot be read" in huge.problems[0].reason
    for raw_id in ("²", HUGE, "9" * 5000):
        report = import_csv(demo, head + raw_id + row, dry_run=True)
        assert "id" in [p.column for p in report.problems], report.problems
