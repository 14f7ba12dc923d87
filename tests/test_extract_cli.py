"""`deals extract FILE|-`, run as a user runs it, against SQLite and Postgres."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.databases import enabled_databases, throwaway_postgres
from tests.test_extract_fetch import Handler

DEALS = str(Path(sys.executable).parent / "deals")
FOUNDING = Path(__file__).parent / "data" / "articles" / "00-founding-report.txt"


@pytest.fixture(params=enabled_databases())
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database with the demo data."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'extract.sqlite3'}"
        _prepare(url)
        yield url
        return
    with throwaway_postgres("cdt_extract") as url:
        _prepare(url)
        yield url


def _prepare(url: str) -> None:
    assert run(url, "db", "upgrade").returncode == 0
    assert run(url, "demo").returncode == 0


def run(
    url: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "cli-test-" + "x" * 24, **(env or {})}
    return subprocess.run(
        [DEALS, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_extract_a_file_and_standard_input(demo_url: str) -> None:
    done = run(
        demo_url, "extract", str(FOUNDING), "--publisher", "Binance Square",
        "--published-on", "2026-05-22", "--url", "https://example.com/square/post/1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    draft = json.loads(done.stdout)
    assert [(p["organization"], p["roles"]) for p in draft["parties"]] == [
        ("Anthropic", ["customer"]),
        ("Microsoft", ["provider"]),
    ]
    assert draft["status"] == "in_talks"
    assert draft["first_reported_on"] == "2026-05-22"
    assert draft["matches"][0]["title"].startswith("Anthropic in talks to rent Azure")
    assert draft["sources"][-1] == {
        "publisher": "Binance Square",
        "tier": "relay",
        "url": "https://example.com/square/post/1",
        "relays": "Odaily",
        "quote": draft["evidence"]["status"],
    }
    piped = run(demo_url, "extract", "-", stdin=FOUNDING.read_text())
    assert piped.returncode == 0, piped.stderr
    undated = json.loads(piped.stdout)
    assert undated["first_reported_on"] is None
    assert undated["matches"][0]["id"] == draft["matches"][0]["id"]
    assert "any time matches" in undated["matches"][0]["why"]


def test_bad_options_get_a_clear_message(demo_url: str) -> None:
    bad_date = run(demo_url, "extract", str(FOUNDING), "--published-on", "2026-13-01")
    assert bad_date.returncode == 2
    assert "--published-on '2026-13-01' is not a date (YYYY-MM-DD)" in bad_date.stderr
    bad_url = run(demo_url, "extract", str(FOUNDING), "--url", "javascript:alert(1)")
    assert bad_url.returncode == 2 and "is not an http(s) address" in bad_url.stderr
    missing = run(demo_url, "extract", "no-such-report.txt")
    assert missing.returncode == 2 and "no-such-report.txt" in missing.stderr
    assert bad_date.stdout == bad_url.stdout == missing.stdout == ""


def test_a_link_is_fetched_within_the_settings_limits(demo_url: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    link = f"http://127.0.0.1:{server.server_address[1]}/article"
    try:
        allowed = {"ARTICLE_FETCH_ALLOWED_ADDRESSES": '["127.0.0.1"]'}
        read = run(demo_url, "extract", link, env=allowed)
        assert read.returncode == 0, read.stderr
        draft = json.loads(read.stdout)
        assert draft["value_usd"] == 3_000_000_000
        assert draft["sources"][-1]["publisher"] == "Cloud Weekly"
        assert draft["sources"][-1]["url"] == link
        refused = run(demo_url, "extract", link)
        assert refused.returncode == 1
        assert "outside the public internet" in " ".join(refused.stderr.split())
        assert refused.stdout == ""
    finally:
        server.shutdown()
        server.server_close()
