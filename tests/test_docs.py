"""The README and docs/ stand on their own: short enough to read, every link resolves inside the
repository, and nothing points at files a person who clones it does not have."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def links(path: Path) -> list[str]:
    return LINK.findall(path.read_text())


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_bytes()) < 10_240


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_link_resolves_inside_the_repository(document: Path) -> None:
    found = links(document)
    outside = [target for target in found if "://" in target or target.startswith("/")]
    assert outside == [], f"{document.name} links outside the repository"
    missing = [
        target
        for target in found
        if not target.startswith("#") and not (document.parent / target.split("#")[0]).exists()
    ]
    assert missing == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_no_reference_to_files_outside_the_repository(document: Path) -> None:
    text = document.read_text()
    assert "DESIGN.md" not in text and "shared/" not in text


def test_the_readme_links_every_document() -> None:
    linked = {Path(target).name for target in links(ROOT / "README.md")}
    assert {p.name for p in DOCUMENTS[1:]} <= linked


def test_the_link_reader_finds_links() -> None:
    assert links(ROOT / "README.md"), "no link found: the pattern no longer reads the README"
