"""Limits declared once (app/inputs/types.py) and kept wherever a value is made."""

from sqlalchemy.orm import Session

from app.domain.vocabulary import OrgKind
from app.inputs.types import MAX_SLUG
from app.models import Organization
from app.services.deals import slugify, unique_slug


def test_slugs_fit_their_column_with_their_suffix(session: Session) -> None:
    name = "Very Long Name " * 20  # 300 characters: its slug is cut to the limit
    slugs = []
    for _ in range(3):
        slug = unique_slug(session, Organization, name)
        session.add(Organization(name=f"{len(slugs)} {name}"[:200], slug=slug, kind=OrgKind.OTHER))
        session.flush()  # Postgres refuses a slug longer than its column
        slugs.append(slug)
    assert [len(s) <= MAX_SLUG for s in slugs] == [True] * 3
    assert slugs[1].endswith("-2") and slugs[2].endswith("-3")
    assert len(set(slugs)) == 3
    assert slugify("a" * 199 + "-b", 12) == "a" * (MAX_SLUG - 3) + "-12"
    assert slugify("a" * (MAX_SLUG - 2) + "--bbbb", 2) == "a" * (MAX_SLUG - 2) + "-2"
