"""The domain model as typed SQLAlchemy mappings; constraints live in the database."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    column,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from app.db import Base
from app.domain.dates import PartialDate, Precision, precision_rank
from app.domain.methodology import moves_backwards
from app.domain.vocabulary import (
    INVERSE_LABELS,
    AuditAction,
    Confidence,
    DealType,
    EmailMode,
    EmailState,
    FollowTarget,
    HardwareType,
    OrgKind,
    Qualifier,
    RelationKind,
    Role,
    SourceTier,
    Status,
    UserRole,
    ViewPage,
    label,
    values,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; timestamps must carry their zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values(enum))
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


def _precision_pair(prefix: str) -> CheckConstraint:
    """A partial date's start and precision are both set or both empty."""
    allowed = ", ".join(f"'{p.value}'" for p in Precision)
    return CheckConstraint(
        f"({prefix}_on IS NULL AND {prefix}_precision IS NULL) OR "
        f"({prefix}_on IS NOT NULL AND {prefix}_precision IS NOT NULL "
        f"AND {prefix}_precision IN ({allowed}))",
        name=f"{prefix}_precision",
    )


def _amount(column: str, qualifier: str) -> CheckConstraint:
    """A number is non-negative and carries a qualifier exactly when it is present."""
    allowed = ", ".join(f"'{value}'" for value in values(Qualifier))
    return CheckConstraint(
        f"({column} IS NULL AND {qualifier} IS NULL) OR "
        f"({column} IS NOT NULL AND {column} >= 0 AND {qualifier} IS NOT NULL "
        f"AND {qualifier} IN ({allowed}))",
        name=column,
    )


def _partial_date(prefix: str) -> Any:
    """The PartialDate over the columns `{prefix}_on` (start of period) and `{prefix}_precision`."""
    return composite(PartialDate, f"{prefix}_on", f"{prefix}_precision", return_none_on=_all_none)


def _all_none(*columns: Any) -> bool:
    return all(value is None for value in columns)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Organization(TimestampMixin, Base):
    __tablename__ = "organization"
    __table_args__ = (
        Index("uq_organization_name_lower", text("lower(name)"), unique=True),
        _in("kind", OrgKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default=OrgKind.OTHER)
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(500))
    # Bumped on every save: an edit made from a stale form is refused, never applied silently.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    aliases: Mapped[list["OrganizationAlias"]] = relationship(
        back_populates="organization",
        cascade="all, delete-orphan",
        order_by="OrganizationAlias.alias",
    )
    hardware: Mapped[list["Hardware"]] = relationship(back_populates="vendor")

    __mapper_args__ = {"version_id_col": version}

    @property
    def alias_names(self) -> list[str]:
        """In one order on every database and however the collection was loaded (the loaded
        list keeps the order aliases were added in; databases collate case differently)."""
        return sorted((a.alias for a in self.aliases), key=lambda alias: (alias.lower(), alias))

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class OrganizationAlias(Base):
    """Another name for an organization ("MSFT", "Azure"); search and entry match it."""

    __tablename__ = "organization_alias"
    __table_args__ = (
        Index("uq_organization_alias_alias_lower", text("lower(alias)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship(back_populates="aliases")


class Hardware(TimestampMixin, Base):
    __tablename__ = "hardware"
    __table_args__ = (
        Index("uq_hardware_name_lower", text("lower(name)"), unique=True),
        _in("type", HardwareType),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    vendor_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    type: Mapped[str] = mapped_column(String(30), index=True)
    family: Mapped[str | None] = mapped_column(String(100))
    in_house: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    vendor: Mapped[Organization] = relationship(back_populates="hardware")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Hardware {self.slug}>"


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        Index("uq_user_account_email_lower", text("lower(email)"), unique=True),
        _in("role", UserRole),
        _in("email_mode", EmailMode),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10), default=UserRole.VIEWER)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What readers who are not signed in see instead of the email address (else the role).
    display_name: Mapped[str | None] = mapped_column(String(100))
    email_mode: Mapped[str] = mapped_column(
        String(10), default=EmailMode.OFF, server_default=EmailMode.OFF
    )
    # The secret of the private notification feed's URL; None: no feed (revoked or never made).
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(Base):
    """A named token for the JSON API; only its SHA-256 is kept, the token is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """A sign-in attempt, kept in the database so every worker and machine limits alike."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email_key", "attempted_at"),
        Index("ix_login_attempt_client_at", "client", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class UserSession(Base):
    """A signed-in browser. The cookie holds a random token (signed); only its SHA-256 is kept
    here, so deleting the row signs that browser out on every worker and machine at once."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token, hex
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


class IdempotencyKey(Base):
    """An API write sent with an `Idempotency-Key` header, and the answer it got: the row is
    inserted before the write runs (the unique constraint lets one request of several with a
    key through), then holds the answer replayed to retries until it expires."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # None while the first request is running.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)


class StagedImport(Base):
    """An uploaded CSV kept between its preview and the confirmation, so the confirmation
    sends this key, not the file again; whoever uploaded it may confirm it until it expires.
    Kept in the database, so any worker or machine can take the confirmation."""

    __tablename__ = "staged_import"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    checksum: Mapped[str] = mapped_column(String(64))  # SHA-256 of content, in hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Deal(TimestampMixin, Base):
    __tablename__ = "deal"
    __table_args__ = (
        _in("status", Status),
        _in("confidence", Confidence),
        _amount("value_usd", "value_qualifier"),
        _amount("capacity_mw", "capacity_qualifier"),
        _amount("chips", "chips_qualifier"),
        _precision_pair("first_reported"),
        _precision_pair("announced"),
        _precision_pair("term_start"),
        _precision_pair("term_end"),
        CheckConstraint(
            "term_end_on IS NULL OR term_start_on IS NULL OR term_end_on >= term_start_on",
            name="term_order",
        ),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        # One index per sort of the deal table (app.queries.deals.sort_deals), live deals only,
        # ending in the id that breaks ties: a page reads its rows in order from the index.
        # Read backwards, each serves the other direction too — except where NULLS LAST differs
        # from how the index stores NULLs: Postgres keeps them last ascending, so a descending
        # sort of an optional column needs its own index; SQLite keeps them first, so it reads
        # (value_usd, id) backwards for the descending sort (it cannot index NULLS LAST).
        *(
            Index(
                f"ix_deal_live_{name}",
                column,
                "id",
                postgresql_where=text("deleted_at IS NULL"),
                sqlite_where=text("deleted_at IS NULL"),
            )
            for name, column in (
                ("reported", "first_reported_on"),
                ("updated", "updated_at"),
                ("value", "value_usd"),
                ("capacity", "capacity_mw"),
                ("title", text("lower(title)")),
            )
        ),
        # The few deleted deals. The network map counted an organization's live deals as all
        # of its deals but these; it reads the kept counts now, and nothing uses this index:
        # a later migration can drop it.
        Index(
            "ix_deal_deleted",
            "id",
            postgresql_where=text("deleted_at IS NOT NULL"),
            sqlite_where=text("deleted_at IS NOT NULL"),
        ),
        *(
            Index(
                f"ix_deal_live_{name}_desc",
                text(f"{column} DESC NULLS LAST"),
                text("id DESC"),
                postgresql_where=text("deleted_at IS NULL"),
            ).ddl_if(dialect="postgresql")
            for name, column in (("value", "value_usd"), ("capacity", "capacity_mw"))
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    # Derived: the status of the latest status event, kept by Deal.refresh_status() alone.
    status: Mapped[str] = mapped_column(String(20), index=True)
    confidence: Mapped[str] = mapped_column(String(10), default=Confidence.MEDIUM, index=True)
    confidence_note: Mapped[str | None] = mapped_column(Text)
    value_usd: Mapped[int | None] = mapped_column(BigInteger)
    value_qualifier: Mapped[str | None] = mapped_column(String(10))
    capacity_mw: Mapped[float | None] = mapped_column(Double)
    capacity_qualifier: Mapped[str | None] = mapped_column(String(10))
    chips: Mapped[int | None] = mapped_column(BigInteger)
    chips_qualifier: Mapped[str | None] = mapped_column(String(10))
    first_reported_on: Mapped[date] = mapped_column(Date)
    first_reported_precision: Mapped[str] = mapped_column(String(10))
    first_reported: Mapped[PartialDate] = _partial_date("first_reported")
    announced_on: Mapped[date | None] = mapped_column(Date)
    announced_precision: Mapped[str | None] = mapped_column(String(10))
    announced: Mapped[PartialDate | None] = _partial_date("announced")
    term_start_on: Mapped[date | None] = mapped_column(Date)
    term_start_precision: Mapped[str | None] = mapped_column(String(10))
    term_start: Mapped[PartialDate | None] = _partial_date("term_start")
    term_end_on: Mapped[date | None] = mapped_column(Date)
    term_end_precision: Mapped[str | None] = mapped_column(String(10))
    term_end: Mapped[PartialDate | None] = _partial_date("term_end")
    region: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A duplicate merged into another deal: deleted (so in no count) and pointing at the deal
    # that kept it; `merge_copies` holds the ids of the rows the merge copied there, so an
    # admin can undo it (see app/services/merging.py).
    # No foreign key: SQLite cannot add a named one to an existing table without a rebuild,
    # and deals are never removed (deleting one keeps its row).
    merged_into_id: Mapped[int | None] = mapped_column(Integer, index=True)
    merge_copies: Mapped[dict[str, list[int]] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    type_rows: Mapped[list["DealTypeRow"]] = relationship(
        cascade="all, delete-orphan", order_by="DealTypeRow.type"
    )
    parties: Mapped[list["DealParty"]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealParty.position"
    )
    hardware_lines: Mapped[list["DealHardware"]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealHardware.position"
    )
    sources: Mapped[list["Source"]] = relationship(
        back_populates="deal",
        cascade="all, delete-orphan",
        order_by="(Source.published_on, Source.id)",
        foreign_keys="Source.deal_id",
    )
    status_events: Mapped[list["StatusEvent"]] = relationship(
        back_populates="deal",
        cascade="all, delete-orphan",
        order_by="(StatusEvent.effective_on, StatusEvent.recorded_at, StatusEvent.id)",
    )
    relations: Mapped[list["DealRelation"]] = relationship(
        cascade="all, delete-orphan", foreign_keys="DealRelation.deal_id"
    )
    # The other side of the deals that name this one (read-only: "superseded by #18").
    related_from: Mapped[list["DealRelation"]] = relationship(
        foreign_keys="DealRelation.related_deal_id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def deal_types(self) -> list[str]:
        order = values(DealType)
        return sorted((row.type for row in self.type_rows), key=order.index)

    @property
    def hardware_types(self) -> list[str]:
        seen: list[str] = []
        for line in self.hardware_lines:
            if line.hardware.type not in seen:
                seen.append(line.hardware.type)
        return seen

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def parties_by_organization(self) -> list[tuple[Organization, list[str]]]:
        """Each organization once, with all its roles, in entry order."""
        grouped: dict[int, tuple[Organization, list[str]]] = {}
        for party in self.parties:
            entry = grouped.setdefault(party.organization_id, (party.organization, []))
            entry[1].append(party.role)
        return list(grouped.values())

    def refresh_status(self) -> None:
        """Set the status from the latest status event: the one place it is computed."""
        latest = latest_event(self.status_events)
        if latest is not None:
            self.status = latest.status

    @property
    def links(self) -> list["DealLink"]:
        """Related live deals both ways: "supersedes #17" here is "superseded by #18" there."""
        out = [DealLink(r.kind, r.related_deal, False) for r in self.relations]
        out += [DealLink(r.kind, r.deal, True) for r in self.related_from]
        return [link for link in out if link.deal.deleted_at is None]

    def history(self) -> list[tuple["StatusEvent", bool]]:
        """The status events in order, each with whether it moved the deal back in the
        lifecycle (see app/domain/methodology.py)."""
        ordered = sorted(
            self.status_events,
            key=lambda e: event_order(e.effective, e.recorded_at or utcnow(), e.id or 0),
        )
        steps: list[tuple[StatusEvent, bool]] = []
        previous: str | None = None
        for step in ordered:
            steps.append((step, moves_backwards(previous, step.status)))
            previous = step.status
        return steps

    def __repr__(self) -> str:
        return f"<Deal {self.id} {self.title!r}>"


@dataclass(frozen=True, slots=True)
class DealLink:
    """A relation as one deal reads it: `incoming` when the other deal names this one."""

    kind: str
    deal: Deal
    incoming: bool

    @property
    def related_deal_id(self) -> int:
        return self.deal.id

    @property
    def direction(self) -> str:
        return "incoming" if self.incoming else "outgoing"

    @property
    def label(self) -> str:
        return INVERSE_LABELS[self.kind] if self.incoming else label(self.kind).lower()


class DealTypeRow(Base):
    """One of a deal's types; a deal has one or more."""

    __tablename__ = "deal_type"
    __table_args__ = (_in("type", DealType), Index("ix_deal_type_type_deal", "type", "deal_id"))

    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(30), primary_key=True)


class DealParty(Base):
    __tablename__ = "deal_party"
    __table_args__ = (
        UniqueConstraint("deal_id", "organization_id", "role"),
        _in("role", Role),
        Index("ix_deal_party_org_role_deal", "organization_id", "role", "deal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)

    deal: Mapped[Deal] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()


class DealHardware(Base):
    """A hardware model a deal covers, with a chip count when one is reported."""

    __tablename__ = "deal_hardware"
    __table_args__ = (
        UniqueConstraint("deal_id", "hardware_id"),
        CheckConstraint("chips IS NULL OR chips >= 0", name="chips"),
        Index("ix_deal_hardware_hardware_deal", "hardware_id", "deal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    hardware_id: Mapped[int] = mapped_column(ForeignKey("hardware.id", ondelete="RESTRICT"))
    chips: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)

    deal: Mapped[Deal] = relationship(back_populates="hardware_lines")
    hardware: Mapped[Hardware] = relationship()


class Source(Base):
    """Evidence for a deal; a relay points at the story it repeats (ten relays, one story)."""

    __tablename__ = "source"
    __table_args__ = (
        _in("tier", SourceTier),
        _precision_pair("published"),
        CheckConstraint(
            "url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"
        ),
        CheckConstraint(
            "archived_url IS NULL OR archived_url LIKE 'http://%' OR archived_url LIKE 'https://%'",
            name="archived_url_http",
        ),
        CheckConstraint("relays_id IS NULL OR relays_id <> id", name="relays_other"),
        # A publisher's track record finds its sources by app.queries.sources.publisher_key
        # (publishers are stored stripped: every write path trims them).
        Index("ix_source_publisher_lower", text("lower(publisher)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    # A saved copy of the page (web.archive.org, archive.today...): an archive is where a
    # source can still be read, not a publisher that relays it.
    archived_url: Mapped[str | None] = mapped_column(String(2000))
    publisher: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    published_on: Mapped[date | None] = mapped_column(Date)
    published_precision: Mapped[str | None] = mapped_column(String(10))
    published: Mapped[PartialDate | None] = _partial_date("published")
    tier: Mapped[str] = mapped_column(String(10))
    quote: Mapped[str | None] = mapped_column(Text)
    relays_id: Mapped[int | None] = mapped_column(
        ForeignKey("source.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    deal: Mapped[Deal] = relationship(back_populates="sources", foreign_keys=[deal_id])
    relays: Mapped["Source | None"] = relationship(remote_side=[id], back_populates="relayed_by")
    relayed_by: Mapped[list["Source"]] = relationship(back_populates="relays")


def precision_rank_sql(column: str) -> str:
    """SQL for `app.domain.dates.precision_rank` of a precision column."""
    whens = " ".join(f"WHEN '{p.value}' THEN {precision_rank(p)}" for p in Precision)
    return f"CASE {column} {whens} END"


class StatusEvent(Base):
    """One dated step in a deal's append-only status history.

    `effective_rank` is computed by the database from the precision, so that one index holds
    the timeline's whole order (date, then the coarser date after the finer ones starting on
    the same day, then id): a page reads its events in order however many share a date.
    """

    __tablename__ = "status_event"
    __table_args__ = (
        _in("status", Status),
        _precision_pair("effective"),
        Index("ix_status_event_deal_effective", "deal_id", "effective_on"),
        Index("ix_status_event_timeline", "effective_on", "effective_rank", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date)
    effective_precision: Mapped[str] = mapped_column(String(10))
    effective: Mapped[PartialDate] = _partial_date("effective")
    effective_rank: Mapped[int] = mapped_column(  # STORED (the migration's SQLite: VIRTUAL)
        Computed(precision_rank_sql("effective_precision"), persisted=True)
    )
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("source.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="status_events")
    source: Mapped[Source | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


def event_order(
    effective: PartialDate, recorded_at: datetime, event_id: int
) -> tuple[tuple[date, int], datetime, int]:
    """How a deal's status events are ordered: by effective date, then when recorded, then id."""
    return (effective.sort_key(), recorded_at, event_id)


def latest_event(events: list[StatusEvent]) -> StatusEvent | None:
    """The event that sets a deal's status: latest effective date, then latest recorded."""
    if not events:
        return None
    return max(events, key=lambda e: event_order(e.effective, e.recorded_at or utcnow(), e.id or 0))


class DealRelation(Base):
    """`deal` expands / supersedes / is a duplicate of `related_deal`."""

    __tablename__ = "deal_relation"
    __table_args__ = (
        UniqueConstraint("deal_id", "related_deal_id", "kind"),
        _in("kind", RelationKind),
        CheckConstraint("deal_id <> related_deal_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"), index=True)
    related_deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    related_deal: Mapped[Deal] = relationship(foreign_keys=[related_deal_id])
    deal: Mapped[Deal] = relationship(foreign_keys=[deal_id], viewonly=True)


class search_vector(FunctionElement[str]):  # noqa: N801 (a SQL function, named as one)
    """The words of a document column as the database searches them: on Postgres
    `to_tsvector('simple', document)`; on SQLite, which searches its FTS5 table instead, the
    document itself (see DealSearch)."""

    name = "search_vector"
    inherit_cache = True


@compiles(search_vector)
def _document_itself(element: search_vector, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(search_vector, "postgresql")
def _to_tsvector(element: search_vector, compiler: Any, **kw: Any) -> str:
    return f"to_tsvector('simple', {compiler.process(element.clauses, **kw)})"


class DealSearch(Base):
    """A deal's words for text search (see app/derived/search.py); indexed per database.

    SQLite: the FTS5 table `deal_fts`, kept in step by triggers. Postgres: a GIN index on the
    stored `search_vector`, computed by the database from the document. Stored, not only
    indexed: a page of matching deals read in date order checks each deal it passes against
    the vector, and computing it from the text every time cost 16 µs a deal. On SQLite the
    column is the document again, virtual (the migration's), so both have the same columns.
    """

    __tablename__ = "deal_search"
    __table_args__ = (
        Index("ix_deal_search_vector", "search_vector", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"),
        Computed(search_vector(column("document")), persisted=True),
        deferred=True,
    )


class DealDerived(Base):
    """What is rendered ahead from a deal and its related rows (see app/derived/refresh.py), kept in
    step by a session hook so that lists and figures over many deals read one flat row each.

    `cells` is the CSV text of the deal's export row up to `url` (which depends on the request
    and is appended at export time); `api_json` its answer in the API's lists without its id and
    addresses (app/derived/dealjson.py; None until rendered). `first_publisher` is the
    publisher (app.queries.sources.publisher_key) credited with the first report;
    `first_status` is the status of the first event and `official_on` the date of the first
    announced, confirmed or completed one (the official word); `official_days` how long that
    word took, for a deal first reported as a rumor.
    """

    __tablename__ = "deal_derived"
    __table_args__ = (
        Index("ix_deal_derived_first_publisher", "first_publisher", "deal_id"),
        # The overview lists the rumors whose official word came soonest: read in this order.
        Index(
            "ix_deal_derived_official_days",
            "official_days",
            "deal_id",
            postgresql_where=text("official_days IS NOT NULL"),
            sqlite_where=text("official_days IS NOT NULL"),
        ),
    )

    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True
    )
    cells: Mapped[str] = mapped_column(Text)
    api_json: Mapped[str | None] = mapped_column(Text)
    first_publisher: Mapped[str | None] = mapped_column(String(200))
    first_status: Mapped[str | None] = mapped_column(String(20))
    official_on: Mapped[date | None] = mapped_column(Date)
    # For a deal first reported as a rumor: the days from its first report to the official
    # word (0 when the word came first; app.domain.figures.official_days), else None.
    official_days: Mapped[int | None] = mapped_column(Integer)


class DealPair(Base):
    """A pair of a deal's organizations (`org_a` < `org_b`) with what flows between them in it
    (bits, app.domain.flows.FLOW_BITS), or with `org_a` = `org_b` one of its organizations:
    derived from `deal_party` (app/derived/pairs.py) for the network map's GROUP BYs."""

    __tablename__ = "deal_pair"
    __table_args__ = (
        CheckConstraint("org_a <= org_b", name="ordered"),
        Index("ix_deal_pair_pair", "org_a", "org_b", "flows", "deal_id"),
        # The rows saying an organization is in a deal, in organization order: its deals are
        # counted from the index alone.
        Index(
            "ix_deal_pair_member",
            "org_a",
            "deal_id",
            postgresql_where=text("org_a = org_b"),
            sqlite_where=text("org_a = org_b"),
        ),
    )

    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True
    )
    org_a: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    org_b: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    flows: Mapped[int] = mapped_column(Integer, default=0)


class ChangeCounter(Base):
    """One row: a number bumped by every flush that changes what lists and figures show (see
    app/derived/refresh.py), so that figures computed over all deals can be cached until the next
    change (app/derived/cache.py), in every worker process alike."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class FacetCount(Base):
    """How many live deals have each value of each facet of the deal table, and under the
    dimension "deals" how many live deals there are: kept exact by the writing transactions
    (app/derived/counts.py), so the unfiltered table reads its counts in one statement."""

    __tablename__ = "facet_count"

    dimension: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    # The sum of a measure over those deals (a `…_usd` or `…_mw` dimension); 0 for the others.
    total: Mapped[float] = mapped_column(Double, default=0.0, server_default="0")


class PairCount(Base):
    """How many live deals have each pair of organizations (`org_a` < `org_b`) with what
    flows between them and the deal's status, how many of those have a value, and their
    values' sum: the unfiltered network map's edges, kept exact by the writing transactions
    (app/derived/pair_counts.py). No foreign keys: the rows of an organization merged away or
    deleted are left at zero, not cascaded in the middle of the flush that moves them."""

    __tablename__ = "pair_count"
    __table_args__ = (
        # The map reads the pairs among its organizations from the index alone on Postgres.
        Index(
            "ix_pair_count_pair",
            "org_a",
            "org_b",
            postgresql_include=["flows", "status", "n", "valued", "value_usd"],
        ),
    )

    org_a: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_b: Mapped[int] = mapped_column(Integer, primary_key=True)
    flows: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    valued: Mapped[int] = mapped_column(BigInteger)
    value_usd: Mapped[int] = mapped_column(BigInteger)


class FactChange(Base):
    """Which deals' facts (what their facet values and totals count towards, see
    app/derived/counts.py) changed at which generation of the change counter: written by the
    same transactions, so every worker's sets of deal ids per facet value (app/derived/dealsets.py)
    re-read just those deals. Deal id 0 stands for every deal (a bulk load, a recount): the
    sets are then built again. Rows older than `dealsets.KEEP` generations are trimmed."""

    __tablename__ = "fact_change"

    generation: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[int] = mapped_column(Integer, primary_key=True)


SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE deal_fts USING fts5("
    "document, content='deal_search', content_rowid='deal_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER deal_search_ai AFTER INSERT ON deal_search BEGIN "
    "INSERT INTO deal_fts(rowid, document) VALUES (new.deal_id, new.document); END",
    "CREATE TRIGGER deal_search_ad AFTER DELETE ON deal_search BEGIN "
    "INSERT INTO deal_fts(deal_fts, rowid, document) "
    "VALUES ('delete', old.deal_id, old.document); END",
    "CREATE TRIGGER deal_search_au AFTER UPDATE ON deal_search BEGIN "
    "INSERT INTO deal_fts(deal_fts, rowid, document) "
    "VALUES ('delete', old.deal_id, old.document); "
    "INSERT INTO deal_fts(rowid, document) VALUES (new.deal_id, new.document); END",
)
for _statement in SQLITE_FTS_DDL:
    event.listen(
        DealSearch.__table__,
        "after_create",
        DDL(_statement).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )


class AuditEvent(Base):
    """Who changed what and when, with each changed field's before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        _in("action", AuditAction),
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    # No foreign key: the record of a change must outlive what it describes.
    deal_id: Mapped[int | None] = mapped_column(Integer, index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


class SavedView(Base):
    """A named view of /deals or /timeline: the filters' query string as the registry writes it
    (parsed on save, so a view never holds a bad filter). Private unless shared with the team."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("owner_id", "name"), _in("page", ViewPage))

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    page: Mapped[str] = mapped_column(String(20), default=ViewPage.DEALS)
    query: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()


class Follow(Base):
    """A user follows a deal, an organization, a hardware model or a saved view."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        Index("ix_follow_target", "target_type", "target_id"),
        _in("target_type", FollowTarget),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(20))
    # No foreign key: it points into one of four tables.
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """One change of something a user follows, for that user: written in the transaction of
    the change (app/notify/outbox.py); also the mail outbox (`email_state`, retried with
    backoff by `deals notify`)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "audit_event_id"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_email_due", "email_state", "email_due_at"),
        _in("email_state", EmailState),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # The first audit row of the change (a status event and its deal's new status are one).
    audit_event_id: Mapped[int] = mapped_column(
        ForeignKey("audit_event.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deal_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(400))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Why the user hears of it: "deal", "organization OpenAI", "view Rumors"…
    reason: Mapped[str] = mapped_column(String(200), default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[str] = mapped_column(String(10), default=EmailState.NONE)
    email_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    audit_event: Mapped[AuditEvent] = relationship()
