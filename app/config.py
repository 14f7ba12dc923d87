"""Settings, read once from the environment or a `.env` file."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


def _default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'deals.sqlite3'}"


def _dev_secret_key() -> str:
    """A development key, generated once into var/ so sessions survive restarts."""
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = ""
    secret_key: str = ""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # "public": anyone may read; "private": every page needs a signed-in user.
    read_access: Literal["public", "private"] = "public"
    # Figures over all deals kept per worker until the next change (app/derived/cache.py); 0 = off.
    figure_cache_entries: int = 256
    # Deal pages' data (all but what depends on the reader) kept per worker the same way; 0 = off.
    deal_page_cache_entries: int = 1024
    # How long a page waits for figures not in that cache before it shows its rows and says
    # the counts are still being worked out (they are computed after the response).
    figure_time_limit_ms: int = 400
    # Reading an article from its URL (app/extract/fetch.py): off, or with these limits.
    article_fetch_enabled: bool = True
    article_fetch_max_bytes: int = 2_000_000
    article_fetch_timeout_s: float = 10.0
    article_fetch_max_redirects: int = 5
    # Addresses outside the public internet that may be fetched all the same, e.g.
    # ["127.0.0.1"] for tests serving pages locally. Empty: only public addresses.
    article_fetch_allowed_addresses: list[str] = []
    # Mail to followers (`deals notify`, docs/following.md): off while SMTP_HOST is empty.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "deals@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # The site's public address (scheme and host, e.g. "https://deals.example.org"). Set, it
    # makes every absolute link (pages, API `next`, CSV `url`, the feed) and the cookies'
    # Secure flag, whatever Host header or scheme a request arrives with; empty, they follow
    # the request. Links in mails use it too (http://127.0.0.1:8000 while it is empty).
    site_url: str = ""
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
    # e.g. ["10.0.0.0/8"]). Empty: none, the peer's own address is the client's.
    trusted_proxies: list[str] = []
    # Host names requests may be addressed to (e.g. ["deals.example.org"]); others get 400.
    # Empty: any.
    allowed_hosts: list[str] = []

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        # Heroku-style and bare postgres URLs should use the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("site_url")
    @classmethod
    def _check_site_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise ValueError(
                "SITE_URL must be a scheme and host, e.g. https://deals.example.org (no path)"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = _default_database_url()
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError("SECRET_KEY must be set when ENVIRONMENT=production")
            self.secret_key = _dev_secret_key()
        return self

    @property
    def mail_site_url(self) -> str:
        return self.site_url or "http://127.0.0.1:8000"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
