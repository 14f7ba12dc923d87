"""Reading an article from its link: pages served by a real HTTP server on 127.0.0.1 (allowed
by the setting), and every limit — scheme, address, redirects, size, time, type — refused."""

import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.users import create_user
from app.config import Settings
from app.extract.fetch import FetchFailed, FetchRefused, fetch_article
from tests.conftest import _test_app, sign_in
from tests.test_api import token

ARTICLE = """<!doctype html><html><head><title>xAI in talks to rent AMD chips from Oracle</title>
<meta property="og:site_name" content="Cloud Weekly">
<meta property="og:title" content="xAI in talks to rent AMD chips from Oracle">
<meta property="article:published_time" content="2025-11-03T09:30:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/markets">Markets</a></nav>
<article><h1>xAI in talks to rent AMD chips from Oracle</h1>
<p>xAI is in talks to rent 50,000 AMD MI355X GPUs from Oracle for about $3 billion, people
familiar said. The discussions are at an early stage and could still fall apart, the people
added.</p>
<p>Elon Musk's AI company has so far trained its Grok models mostly on Nvidia hardware in
Memphis. Oracle has been adding AMD accelerators to its cloud to offer customers an
alternative.</p><p>Oracle and xAI did not respond to requests for comment.</p></article>
<footer>Subscribe to our newsletter for more cloud news every week.</footer></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (the server's own name)
        port = self.server.server_address[1]
        if self.path == "/article":
            self._send(200, ARTICLE.encode())
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.end_headers()
        elif self.path == "/to-metadata":  # a redirect towards the cloud's metadata address
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{port}/loop")
            self.end_headers()
        elif self.path == "/big":
            self._send(200, b"<p>" + b"x" * 50_000 + b"</p>")
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"<p>still coming</p>")
                self.wfile.flush()
                time.sleep(0.2)
        elif self.path == "/image":
            self._send(200, b"\x89PNG....", kind="image/png")
        else:
            self._send(404, b"not here")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def settings(**changes: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": "sqlite://",
        "secret_key": "t" * 32,
        "article_fetch_allowed_addresses": ["127.0.0.1"],
        "article_fetch_max_bytes": 20_000,
        "article_fetch_timeout_s": 1.0,
        "article_fetch_max_redirects": 3,
    }
    return Settings(**(values | changes))  # type: ignore[arg-type]


def test_an_article_is_read_with_its_publisher_and_date(site: str) -> None:
    article = fetch_article(f"{site}/moved", settings())
    assert article.url == f"{site}/article"
    assert article.publisher == "Cloud Weekly"
    assert article.published_on == date(2025, 11, 3)
    assert article.text.startswith("xAI in talks to rent AMD chips from Oracle\n")
    assert "50,000 AMD MI355X GPUs" in article.text
    assert "Markets" not in article.text and "newsletter" not in article.text


def test_addresses_outside_the_public_internet_are_refused_unless_allowed(site: str) -> None:
    with pytest.raises(FetchRefused, match="outside the public internet"):
        fetch_article(f"{site}/article", settings(article_fetch_allowed_addresses=[]))
    with pytest.raises(FetchRefused, match="outside the public internet"):
        fetch_article(f"{site}/to-metadata", settings())  # the redirect is checked too
    nothing_allowed = settings(article_fetch_allowed_addresses=[])
    for url in ("http://localhost:9/", "http://10.0.0.7/", "http://[::1]:9/", "http://0.0.0.0/"):
        with pytest.raises(FetchRefused, match="outside the public internet"):
            fetch_article(url, nothing_allowed)


def test_only_http_links_without_credentials_are_read(site: str) -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/a", "gopher://x/", "javascript:1"):
        with pytest.raises(FetchRefused, match="Only http"):
            fetch_article(url, settings())
    with pytest.raises(FetchRefused, match="user name or password"):
        fetch_article(site.replace("http://", "http://me:secret@") + "/article", settings())
    with pytest.raises(FetchRefused, match="switched off"):
        fetch_article(f"{site}/article", settings(article_fetch_enabled=False))


def test_size_time_redirect_and_type_limits(site: str) -> None:
    with pytest.raises(FetchRefused, match="larger than 20,000 bytes"):
        fetch_article(f"{site}/big", settings())
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="too long"):
        fetch_article(f"{site}/slow", settings(article_fetch_timeout_s=0.5))
    assert time.monotonic() - started < 2.5
    with pytest.raises(FetchFailed, match="More than 3 redirects"):
        fetch_article(f"{site}/loop", settings())
    with pytest.raises(FetchRefused, match="not a web page"):
        fetch_article(f"{site}/image", settings())
    with pytest.raises(FetchFailed, match="answered 404"):
        fetch_article(f"{site}/missing", settings())


def test_the_page_and_the_api_read_a_link(site: str, demo: Session) -> None:
    app = _test_app(demo, article_fetch_allowed_addresses=["127.0.0.1"])
    headers = token(demo)
    with TestClient(app) as client:
        draft = client.post(
            "/api/v1/extract", json={"url": f"{site}/article"}, headers=headers
        ).json()
        assert draft["value_usd"] == 3_000_000_000
        assert draft["first_reported_on"] == "2025-11-03"
        assert draft["sources"][-1]["publisher"] == "Cloud Weekly"
        assert draft["sources"][-1]["url"] == f"{site}/article"
        failed = client.post("/api/v1/extract", json={"url": f"{site}/missing"}, headers=headers)
        assert failed.status_code == 502 and "404" in failed.json()["detail"]
        create_user(demo, "reader@example.org", "analyst password 1", "analyst")
        sign_in(client, "reader@example.org", "analyst password 1")
        page = client.post("/deals/from-article", data={"url": f"{site}/article"})
        assert page.status_code == 200
        assert 'value="Cloud Weekly"' in page.text  # the publisher, read from the page
        assert 'value="2025-11-03"' in page.text
        refused = client.post("/deals/from-article", data={"url": f"{site}/to-metadata"})
        assert refused.status_code == 422
        assert "outside the public internet" in refused.text
