"""An article read from its URL, within limits, so the reader cannot be turned against the
server's own network: http(s) only, every address the name resolves to on the public internet
(unless a setting allows it), the connection made to the address that was checked, each redirect
checked the same way, a size and a time limit. The text and its metadata (publisher, date,
headline) are taken from the HTML by trafilatura.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

import httpx
import trafilatura

from app.config import Settings

TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
USER_AGENT = "ComputeDealTracker/1 (article reader)"


class FetchRefused(ValueError):
    """A URL the reader may not fetch (scheme, address, size, type): the caller fixes it."""


class FetchFailed(RuntimeError):
    """The site did not give an article: unreachable, too slow, an HTTP error, no text."""


@dataclass
class FetchedArticle:
    url: str
    text: str
    title: str | None = None
    publisher: str | None = None
    published_on: date | None = None


def _checked_address(host: str, port: int, settings: Settings) -> str:
    """The address to connect to: every address of `host` must be public or allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(f"{host} could not be found.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    allowed = set(settings.article_fetch_allowed_addresses)
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global and address not in allowed:
            raise FetchRefused(
                f"{host} is at {address}, outside the public internet: it is not fetched."
            )
    if not addresses:
        raise FetchFailed(f"{host} could not be found.")
    return addresses[0]


def _target(url: str, settings: Settings) -> tuple[str, str, str]:
    """The URL to request (its host replaced by the checked address), the Host header and the
    name to verify TLS against."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused("Only http:// and https:// links are read.")
    if not parts.hostname:
        raise FetchRefused("The link has no host.")
    if parts.username or parts.password:
        raise FetchRefused("Links with a user name or password are not read.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchRefused("The link's port is not a number.") from exc
    host = parts.hostname
    address = _checked_address(host, port, settings)
    shown = f"[{address}]" if ":" in address else address
    netloc = f"{shown}:{port}" if parts.port else shown
    pinned = parts._replace(netloc=netloc).geturl()
    host_header = f"{host}:{parts.port}" if parts.port else host
    return pinned, host_header, host


def _download(url: str, settings: Settings) -> tuple[str, bytes, str]:
    """The final URL, the body and its content type, following checked redirects."""
    deadline = time.monotonic() + settings.article_fetch_timeout_s
    limit = settings.article_fetch_max_bytes
    timeout = httpx.Timeout(settings.article_fetch_timeout_s)
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(settings.article_fetch_max_redirects + 1):
            pinned, host_header, host = _target(url, settings)
            headers = {"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/html"}
            try:
                with client.stream(
                    "GET", pinned, headers=headers, extensions={"sni_hostname": host}
                ) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = urljoin(url, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchFailed(f"The site answered {response.status_code}.")
                    kind = response.headers.get("content-type", "").split(";")[0].strip()
                    if kind and kind.lower() not in TEXT_TYPES:
                        raise FetchRefused(f"The link is not a web page ({kind}).")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise FetchRefused(f"The page is larger than {limit:,} bytes.")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise FetchRefused(f"The page is larger than {limit:,} bytes.")
                        if time.monotonic() > deadline:
                            raise FetchFailed("The site took too long to answer.")
                    return url, bytes(body), kind.lower()
            except httpx.TimeoutException as exc:
                raise FetchFailed("The site took too long to answer.") from exc
            except httpx.HTTPError as exc:
                raise FetchFailed(f"The site could not be read ({type(exc).__name__}).") from exc
            if time.monotonic() > deadline:
                raise FetchFailed("The site took too long to answer.")
    raise FetchFailed(f"More than {settings.article_fetch_max_redirects} redirects.")


def fetch_article(url: str, settings: Settings) -> FetchedArticle:
    """The article at `url`: its text with the headline first, its publisher and date."""
    if not settings.article_fetch_enabled:
        raise FetchRefused("Reading links is switched off here: paste the article's text.")
    final_url, body, kind = _download(url.strip(), settings)
    if kind == "text/plain":
        return FetchedArticle(url=final_url, text=body.decode("utf-8", "replace"))
    document = trafilatura.bare_extraction(
        body.decode("utf-8", "replace"), url=final_url, with_metadata=True, include_tables=False
    )
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        raise FetchFailed("No article text was found on that page: paste it instead.")
    title = getattr(document, "title", None) or None
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return FetchedArticle(
        url=final_url,
        text=text,
        title=title,
        publisher=getattr(document, "sitename", None) or None,
        published_on=_date(getattr(document, "date", None)),
    )


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
