"""Proxy headers, allowed hosts and the public address, on a real uvicorn (`deals serve`)."""

import csv
import io
import json
import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.config import Settings
from app.db import make_engine
from app.models import LoginAttempt
from tests.live import live_server

FORGED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def failed_sign_in(base: str, email: str) -> httpx.Response:
    """A wrong password for `email`, sent from 127.0.0.1 with forged proxy headers."""
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        data = {"email": email, "password": "wrong", "csrf_token": token.group(1)}
        return client.post("/login", data=data, headers=FORGED)


def recorded_clients(database_url: str) -> dict[str, str]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(LoginAttempt.email_key, LoginAttempt.client)).all()
    engine.dispose()
    return {email: client for email, client in rows}


def test_forwarded_headers_from_an_untrusted_peer_change_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deals.sqlite3'}"
    with live_server(url, demo=False) as base:
        assert failed_sign_in(base, "nobody@example.org").status_code == 401
        # The page's links and the CSRF cookie follow the connection (http), not the header.
        response = httpx.get(f"{base}/login", headers=FORGED)
        assert "Secure" not in response.headers["set-cookie"]
        assert f'href="{base}/deals"' in response.text
    # The sign-in limit counted the peer's own address, not the one the header claimed.
    assert recorded_clients(url) == {"nobody@example.org": "127.0.0.1"}


def test_forwarded_headers_from_a_trusted_proxy_are_believed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deals.sqlite3'}"
    with live_server(url, demo=False, settings={"TRUSTED_PROXIES": '["127.0.0.1"]'}) as base:
        assert failed_sign_in(base, "somebody@example.org").status_code == 401
        response = httpx.get(f"{base}/login", headers=FORGED)
        assert "Secure" in response.headers["set-cookie"]
    assert recorded_clients(url) == {"somebody@example.org": "203.0.113.7"}


def test_foreign_hosts_are_refused_and_links_use_the_site_url(tmp_path: Path) -> None:
    public = "https://deals.example.org"
    settings = {"SITE_URL": public, "ALLOWED_HOSTS": '["deals.example.org", "127.0.0.1"]'}
    url = f"sqlite:///{tmp_path / 'deals.sqlite3'}"
    with live_server(url, settings=settings) as base:
        foreign = httpx.get(f"{base}/deals", headers={"Host": "evil.example"})
        assert foreign.status_code == 400
        assert (
            httpx.get(f"{base}/api/v1/deals", headers={"Host": "evil.example"}).status_code == 400
        )
        # An allowed Host (here the server's own address) still gets links to the site's.
        for host in ("deals.example.org", base.removeprefix("http://")):
            headers = {"Host": host}
            listing = httpx.get(f"{base}/api/v1/deals?per_page=5", headers=headers)
            assert listing.status_code == 200
            body = listing.json()
            assert body["next"].startswith(f"{public}/api/v1/deals?")
            assert all(item["url"].startswith(f"{public}/deals/") for item in body["items"])
            exported = httpx.get(f"{base}/deals.csv", headers=headers)
            rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
            assert rows and all(row["url"].startswith(f"{public}/deals/") for row in rows)
            feed = httpx.get(f"{base}/feed.atom", headers=headers).text
            links = re.findall(r'href="([^"]+)"', feed)
            assert f"{public}/feed.atom" in links and f"{public}/deals/" in feed
            assert base not in feed
            page = httpx.get(f"{base}/login", headers=headers)
            assert f'href="{public}/deals"' in page.text
            assert "Secure" in page.headers["set-cookie"]  # the public address is https
            assert base not in page.text and base not in json.dumps(body)


def test_the_site_url_is_a_scheme_and_host() -> None:
    assert Settings(site_url="https://deals.example.org/", secret_key="k").site_url == (
        "https://deals.example.org"
    )
    assert Settings(secret_key="k").mail_site_url == "http://127.0.0.1:8000"
    for wrong in ("deals.example.org", "ftp://deals.example.org", "https://example.org/deals"):
        with pytest.raises(ValidationError):
            Settings(site_url=wrong, secret_key="k")
