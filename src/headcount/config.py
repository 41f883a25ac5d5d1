"""One Settings object, read from HEADCOUNT_* environment variables and passed in, never global."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEADCOUNT_", extra="forbid", frozen=True)

    mode: Literal["production", "development", "demo"] = Field(
        default="production",
        description="demo and development relax start-up checks that production enforces",
    )
    database_url: str = Field(
        default="sqlite:///headcount.db",
        description="SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://…",
    )
    key_file: Path = Field(
        default=Path("headcount.key"),
        description="master key file (mode 0600), never stored in the database",
    )
    sqlite_synchronous: Literal["EXTRA", "FULL", "NORMAL", "OFF"] = Field(
        default="FULL",
        description="SQLite synchronous level; below FULL is refused in production mode (R2)",
    )
    audit_head_file: Path | None = Field(
        default=None,
        description="signed audit tree heads are appended here, outside the database "
        "(default: audit-heads.jsonl beside the key file)",
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 key that signs audit tree heads "
        "(default: audit-signing.key beside the key file)",
    )
    crypto_profile: Literal["intl", "gm"] = Field(
        default="intl", description="intl: AES-256-GCM + HMAC-SHA-256; gm: SM4-GCM + HMAC-SM3"
    )
    password_profile: Literal["asvs", "mlps3"] = Field(
        default="asvs", description="password rules: OWASP ASVS 5 (default) or MLPS level 3"
    )
    census_wave: str = Field(default="2020", description="the census wave whose calendar applies")
    lang: Literal["zh", "en"] = Field(default="zh", description="default language of messages")
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="a staff session ends after this long unused"
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, le=7 * 24, description="a staff session ends this long after sign-in"
    )
    demo_second_factor_optional: bool = Field(
        default=False,
        description="demo mode only: office accounts may sign in without a second factor",
    )
    pledge_version: str = Field(
        default="2020-1",
        min_length=1,
        max_length=32,
        description="current version of the confidentiality pledge (保密承诺书) staff must accept",
    )
    allow_provisional_forms: bool = Field(
        default=False,
        description="offer forms whose text is not verified yet (the hmtf form) on the pages and "
        "the API; the demo turns it on",
    )

    public_url: str | None = Field(
        default=None,
        description="the address households and staff reach the service at "
        "(https://census.example.gov.cn); every absolute link, the self-report cards' login "
        "link and QR code included, is built from it, never from a request's Host. Required in "
        "production mode",
    )
    allowed_hosts: tuple[str, ...] = Field(
        default=(),
        description="Host header values accepted besides the public URL's host (an internal "
        "name a load balancer's health check uses); outside production mode loopback names "
        "are accepted too. JSON list in the environment",
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="addresses of reverse proxies whose X-Forwarded-For/-Proto are honoured; "
        "empty: forwarded headers are ignored from everyone. JSON list in the environment",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="a connection that has not sent a whole request head this long after its "
        "first byte (or after connecting) is closed",
    )
    body_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=600,
        description="a request whose body has not fully arrived this long after its head is "
        "answered 408; nothing touches the database before the body is complete",
    )

    tables_dir: Path | None = Field(
        default=None,
        description="a tables directory written by 'headcount tables' (tables.json and the table "
        "files): the offices' results pages read it, never write it; unset: no results pages",
    )
    quality_dir: Path | None = Field(
        default=None,
        description="a directory written by 'headcount quality' (quality.json and its "
        "report/quality_report.json): the offices' quality pages read it, never write it; "
        "unset: no quality pages",
    )
    publication_dir: Path | None = Field(
        default=None,
        description="a directory of publication bundles written by 'headcount publish' (each a "
        "subdirectory with bundle.json and SHA256SUMS), served read-only at /published",
    )

    @model_validator(mode="after")
    def _public_url_shape(self) -> Settings:
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or parts.query
                or parts.fragment
                or parts.path not in ("", "/")
            ):
                raise ValueError("public_url must be http(s)://host[:port] without a path")
        return self

    @property
    def public_base(self) -> str | None:
        """The public URL without a trailing slash, or None when not configured."""
        return self.public_url.rstrip("/") if self.public_url else None

    @model_validator(mode="after")
    def _demo_only(self) -> Settings:
        # The relaxation must never reach a real census by a stray environment variable.
        if self.demo_second_factor_optional and self.mode != "demo":
            raise ValueError("demo_second_factor_optional is allowed only in mode 'demo'")
        return self
