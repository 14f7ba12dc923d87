"""Never a 500 from a form: every HTML POST route of the app, on a real uvicorn, gets generated
bodies as an admin with the CSRF token (so they pass the guard and reach the route).

The routes are read from the app (tests/conftest.py page_routes), so a new form is fuzzed as
soon as it exists. Each starts from the forms the site itself renders for it (crawled from its
pages, with their fields' values) and hypothesis mutates them: values replaced by huge text,
NUL bytes, invalid UTF-8, numbers past any column (2**31, 10**30, `²`, 5,000 digits), fields
dropped, duplicated or added, sent urlencoded or as multipart.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.users import create_user
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.unit_of_work import make_sessionmaker
from tests.conftest import PageRoute, page_routes
from tests.databases import enabled_databases, server_database
from tests.live import live_server

ADMIN = ("fuzz-admin@example.org", "a fuzzing password 1")
POST_ROUTES = [
    r
    for r in page_routes(
        create_app(Settings(environment="test", database_url="sqlite://", secret_key="s" * 32))  # type: ignore[call-arg]
    )
    if "POST" in r.methods
]
# Pages whose forms are the starting points (path parameters filled with demo records).
CRAWLED = (
    "/deals/new",
    "/deals/3",
    "/deals/3/edit",
    "/deals/3/delete",
    "/deals/from-article",
    "/organizations/new",
    "/organizations/openai/edit",
    "/hardware/new",
    "/hardware/h100/edit",
    "/import",
    "/account",
    "/admin/users",
    "/views/new",
    "/following",
    "/deals?party=openai",
    "/login",
)
HUGE = 200_000
NASTY: list[bytes] = [
    b"",
    b" ",
    b"x" * HUGE,
    "é".encode() * (HUGE // 2),
    b"\x00",
    b"a\x00b",
    b"\xff\xfe\xfd",
    b"\xc3\x28",
    b"\xed\xa0\x80",  # a UTF-16 surrogate written as UTF-8
    b"2147483647",
    b"2147483648",
    b"-2147483649",
    str(2**63).encode(),
    str(10**30).encode(),
    "²".encode(),
    "١٢".encode(),  # Arabic-Indic digits
    b"9" * 5000,
    b"-1",
    b"0",
    b"1e309",
    b"NaN",
    b"-inf",
    b"1.5",
    b"9999-99-99",
    b"2026-13",
    b"2026-Q5",
    b"0000",
    b"2201",
    b"1899-12-31",
    b"true",
    b"on",
    b"%00",
    b"<script>alert(1)</script>",
    b"../../etc/passwd",
    b"'; drop table deals; --",
    "\u202e\ufeff".encode(),
    b"duplicate_of:3",
    b"supersedes:2147483648",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.integers().map(lambda n: str(n).encode()),
)


@dataclass(frozen=True)
class SiteForm:
    path: str  # where it posts
    fields: tuple[tuple[str, bytes], ...]
    multipart: bool


@dataclass(frozen=True)
class Site:
    base: str
    headers: dict[str, str]  # the admin's cookies and CSRF token
    forms: tuple[SiteForm, ...]
    names: tuple[str, ...]  # every field name of every crawled form
    deal_ids: tuple[str, ...]


def _forms(base: str, path: str, html: str) -> list[SiteForm]:
    found = []
    for form in BeautifulSoup(html, "html.parser").select("form[method=post i]"):
        target = urlsplit(urljoin(base + path, str(form.get("action") or path))).path
        fields: list[tuple[str, bytes]] = []
        for element in form.select("input[name], textarea[name], select[name]"):
            name = str(element["name"])
            if element.name == "select":
                option = element.select_one("option[selected]") or element.select_one("option")
                value = str(option.get("value", option.text)) if option else ""
            elif element.name == "textarea":
                value = element.text
            elif element.get("type") in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            else:
                value = str(element.get("value", ""))
            fields.append((name, value.encode()))
        multipart = "multipart" in str(form.get("enctype", ""))
        found.append(SiteForm(target, tuple(fields), multipart))
    return found


def _sign_in(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, timeout=30) as client:
        page = BeautifulSoup(client.get("/login").text, "html.parser")
        token = str(page.select_one("input[name=csrf_token]")["value"])  # type: ignore[index]
        email, password = ADMIN
        signed = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert signed.status_code == 303, signed.text
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": token}


@pytest.fixture(scope="module", params=enabled_databases())
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    database = server_database(request.param, "cdt_fuzz", tmp_path_factory.mktemp("fuzz"))
    with database as url, live_server(url) as base:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            create_user(session, *ADMIN, "admin")
            create_user(session, "someone-else@example.org", "a fuzzing password 2", "analyst")
        engine.dispose()
        headers = _sign_in(base)
        forms: list[SiteForm] = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for path in CRAWLED:
                page = client.get(path)
                assert page.status_code == 200, path
                forms += _forms(base, path, page.text)
        names = tuple(sorted({name for form in forms for name, _ in form.fields}))
        yield Site(base, headers, tuple(forms), names, tuple(str(i) for i in range(1, 59)))


def _path_of(route: PageRoute, draw: st.DrawFn, site: Site) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        real = {"deal_id": st.sampled_from(site.deal_ids), "slug": st.just("openai")}.get(
            name, st.sampled_from(["1", "2", "3"])
        )
        odd = st.sampled_from(["0", "2147483648", str(10**30), "9" * 300, "%C2%B2", "%FF"])
        return draw(st.one_of(real, real, real, odd))

    path = re.sub(r"\{([a-z_]+)\}", fill, route.path)
    if route.path.startswith("/hardware/{slug}"):
        path = path.replace("/openai/", "/h100/")
    return path


def _matches(route: PageRoute, path: str) -> bool:
    return re.fullmatch(re.sub(r"\{[a-z_]+\}", "[^/]+", route.path), path) is not None


@st.composite
def requests(draw: st.DrawFn, route: PageRoute, site: Site) -> tuple[str, bytes, str]:
    """(path, body, content type) for one generated post to `route`."""
    own = [f for f in site.forms if _matches(route, f.path)]
    start = draw(st.sampled_from(own)) if own else SiteForm(route.path, (), False)
    fields: list[tuple[str, bytes]] = []
    for name, value in start.fields:
        action = draw(st.sampled_from(["keep", "keep", "nasty", "drop", "twice"]))
        if action == "keep":
            fields.append((name, value))
        elif action == "nasty":
            fields.append((name, draw(values)))
        elif action == "twice":
            fields += [(name, value), (name, draw(values))]
    names = st.sampled_from(site.names) if site.names else st.just("field")
    fields += draw(st.lists(st.tuples(names, values), max_size=3))
    path = _path_of(route, draw, site)
    if start.multipart or draw(st.booleans()):
        boundary = "fuzzboundary7MA4YWxkTrZu0gW"
        parts = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode()
            + (b'; filename="fuzz.csv"' if name == "file" else b"")
            + b"\r\n\r\n"
            + value
            + b"\r\n"
            for name, value in fields
        )
        return (
            path,
            parts + f"--{boundary}--\r\n".encode(),
            f"multipart/form-data; boundary={boundary}",
        )
    body = "&".join(f"{quote_from_bytes(n.encode())}={quote_from_bytes(v)}" for n, v in fields)
    return path, body.encode(), "application/x-www-form-urlencoded"


@pytest.mark.parametrize("route", POST_ROUTES, ids=[r.name for r in POST_ROUTES])
def test_no_form_body_gets_a_server_error(site: Site, route: PageRoute) -> None:
    @settings(
        max_examples=6,  # per route and database: about a minute each in all
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def post(data: st.DataObject) -> None:
        path, body, content_type = data.draw(requests(route, site))
        response = httpx.post(
            site.base + path,
            content=body,
            headers={**site.headers, "Content-Type": content_type},
            timeout=60,
        )
        assert response.status_code < 500, (path, body[:300], response.text[:300])

    post()
