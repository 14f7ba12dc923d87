"""The `deals` command: serve, migrate, load the demo data, manage users."""

import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import sessionmaker

from app import migrate
from app.accounts import sessions
from app.accounts.users import (
    UserError,
    bootstrap_admin,
    create_user,
    list_users,
    set_active,
    set_role,
)
from app.api import idempotency
from app.config import get_settings
from app.db import make_engine
from app.derived.counts import recount
from app.derived.refresh import refresh_missing
from app.domain.cells import CellError
from app.domain.vocabulary import UserRole
from app.exchange.archive import ArchiveError, dump, load
from app.exchange.export import check_columns, write_export_file
from app.exchange.importer import import_csv, read_text
from app.extract.fetch import FetchFailed, FetchRefused
from app.extract.matches import extract_article
from app.extract.report import read_report
from app.filters import DealFilters, FilterError
from app.filters.options import QueryPairs, filter_options
from app.notify.mail import SmtpSettings, deliver
from app.queries.deals import resolve_filters
from app.services.demo import load_demo
from app.unit_of_work import AppSession, make_sessionmaker

app = typer.Typer(help="Compute Deal Tracker.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
console = Console(stderr=True)


def _session_factory() -> sessionmaker[AppSession]:
    return make_sessionmaker(make_engine(get_settings().database_url))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the app with uvicorn (run `deals db upgrade` first)."""
    import uvicorn

    settings = get_settings()
    console.print(f"Serving on [bold]http://{host}:{port}[/] ({_describe(settings.database_url)})")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        log_level=settings.log_level,
        # X-Forwarded-* are read by the app itself, from TRUSTED_PROXIES only (app/web/proxies.py).
        proxy_headers=False,
    )


@app.command()
def notify(
    once: Annotated[bool, typer.Option(help="Send what is due once, then stop.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 30.0,
) -> None:
    """Send followers their mail (instant and daily digests) from the outbox, retrying with
    backoff while the SMTP server is down; needs SMTP_HOST (docs/following.md)."""
    settings = get_settings()
    if not settings.smtp_host:
        console.print("[red]SMTP_HOST is not set: mail is off.[/]")
        raise typer.Exit(1)
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        site_url=settings.mail_site_url,
    )
    factory = _session_factory()
    while True:
        with factory() as session:
            done = deliver(session, smtp)
        if done.instant or done.digests or done.failed:
            console.print(
                f"{done.instant} instant, {done.digests} digests sent; {done.failed} failed"
            )
        if once:
            return
        time.sleep(interval)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"Database at {revision} ({_describe(url)}).")
    if revision == "head":
        with _session_factory()() as session:
            rendered = refresh_missing(session)
        if rendered:
            console.print(f"Rendered the search documents and export rows of {rendered} deals.")


@db_app.command("recount")
def db_recount() -> None:
    """Count the unfiltered deal table's totals and facets, and the network map's pairs,
    afresh (after rows were written behind the app's back; the app keeps them exact itself)."""
    with _session_factory()() as session:
        kept = recount(session.connection())
        session.commit()
    console.print(f"Counted {kept} facet values and pairs afresh.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the database down to REVISION."""
    url = get_settings().database_url
    migrate.downgrade(url, revision)
    console.print(f"Database at {revision} ({_describe(url)}).")


@app.command()
def demo() -> None:
    """Load the demo deals into an empty database; does nothing if it has deals."""
    with _session_factory()() as session:
        loaded = load_demo(session)
    if loaded:
        console.print(f"Loaded {loaded} demo deals.")
    else:
        console.print("The database already has deals; demo data not loaded.")


@app.command("purge")
def purge() -> None:
    """Delete expired sessions and API idempotency keys (sign-in and keyed writes also do)."""
    with _session_factory()() as session:
        ended = sessions.purge_expired(session)
        keys = idempotency.purge_expired(session)
    console.print(f"Deleted {ended} expired session(s) and {keys} expired idempotency key(s).")


@app.command("export")
@filter_options()
def export(
    filters: QueryPairs,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write; '-' is standard output.")
    ] = "-",
    bom: Annotated[bool, typer.Option(help="Start with a BOM (for Excel).")] = False,
    base_url: Annotated[str, typer.Option(help="Where the app is served, for the url column.")] = (
        "http://127.0.0.1:8000"
    ),
    columns: Annotated[
        list[str] | None,
        typer.Option(
            "--columns", help="Only these columns, in this order (repeat, or comma-separated)."
        ),
    ] = None,
) -> None:
    """Export the deals the filters match as CSV: the same file as /deals.csv."""
    with _session_factory()() as session:
        try:
            rf = resolve_filters(session, DealFilters.from_query(filters))
        except FilterError as exc:
            for message in exc.messages:
                console.print(f"[red]Error:[/] {message}", highlight=False)
            raise typer.Exit(2) from exc
        prefix = f"{base_url.rstrip('/')}/deals/"
        try:
            picked = check_columns(columns)
        except CellError as exc:
            console.print(f"[red]Error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from exc
        written = write_export_file(
            session, rf, prefix, output, bom=bom, console=console, columns=picked
        )
    if output != "-":
        console.print(f"Wrote {written:,} deals to {output}.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV with the columns of /deals.csv.")],
    dry_run: Annotated[bool, typer.Option(help="Check everything, write nothing.")] = False,
    create_missing: Annotated[
        bool, typer.Option(help="Create organizations and hardware the file names but we lack.")
    ] = False,
) -> None:
    """Import deals from CSV, all or nothing: one bad row and nothing is written."""
    from rich.progress import MofNCompleteColumn, Progress

    try:
        text = read_text(file.read_bytes())
    except (OSError, CellError) as exc:
        console.print(f"[red]Error:[/] {file}: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    rows = max(len(text.splitlines()) - 1, 0)  # an upper bound: cells may span lines
    with (
        _session_factory()() as session,
        Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console) as bar,
    ):
        task = bar.add_task(f"Checking {file.name}", total=rows)
        report = import_csv(
            session, text, create_missing=create_missing, dry_run=dry_run,
            progress=lambda n: bar.advance(task, n),
        )  # fmt: skip
        bar.update(task, total=bar.tasks[0].completed)
    for column in report.ignored_columns:
        console.print(f"Ignored column '{column}' (not one of the export's columns).")
    if report.new_organizations or report.new_hardware:
        verb = "Created" if report.written else "Would create" if create_missing else "Unknown"
        for kind, found in (("organizations", report.new_organizations),
                            ("hardware models", report.new_hardware)):  # fmt: skip
            if found:
                console.print(f"{verb} {kind}: {', '.join(found)}", highlight=False)
    for problem in report.problems:
        console.print(f"[red]Error:[/] {problem}", highlight=False)
    if report.problems:
        console.print(f"{len(report.problems)} problem(s): nothing was imported.")
        raise typer.Exit(1)
    what = f"{report.created:,} new and {report.updated:,} updated deals"
    if report.unchanged:
        what += f" ({report.unchanged:,} unchanged)"
    for row in report.clearing:
        console.print(f"Row {row.row}: clears {', '.join(row.cleared)} of deal {row.deal_id}.")
    console.print(f"Imported {what}." if report.written else f"Dry run: would import {what}.")


@app.command("dump")
def dump_(
    file: Annotated[Path, typer.Argument(help="The archive to write (a .zip).")],
    audit: Annotated[bool, typer.Option(help="Include the audit log.")] = True,
) -> None:
    """Write everything the database holds to an archive: one CSV per table and a manifest."""
    partial = file.with_name(f"{file.name}.partial")
    with _session_factory()() as session, _table_progress("Dumping") as advance:
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot of every table, however long the dump takes (SQLite's
            # transaction is one already).
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        try:
            manifest = dump(session, partial, audit=audit, progress=advance)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(file)
    tables = manifest["tables"]
    console.print(
        f"Wrote {tables['deal']['rows']:,} deals ({sum(t['rows'] for t in tables.values()):,} "
        f"rows in {len(tables)} tables) to {file}."
    )


@app.command("load")
def load_(
    file: Annotated[Path, typer.Argument(help="An archive written by `deals dump`.")],
) -> None:
    """Load an archive into an empty database, ids kept; all or nothing."""
    try:
        with _session_factory()() as session, _table_progress("Loading") as advance:
            counts = load(session, file, progress=advance)
    except (OSError, ArchiveError, zipfile.BadZipFile) as exc:
        console.print(f"[red]Error:[/] {file}: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    console.print(
        f"Loaded {counts['deal']:,} deals ({sum(counts.values()):,} rows in {len(counts)} "
        f"tables) from {file}."
    )


@contextmanager
def _table_progress(verb: str) -> Iterator[Callable[[str, int], None]]:
    """A progress bar of rows, one line per table."""
    from rich.progress import Progress, TaskID

    tasks: dict[str, TaskID] = {}
    with Progress(console=console) as bar:

        def advance(table: str, rows: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(f"{verb} {table}", total=None)
            bar.advance(tasks[table], rows)

        yield advance


@app.command("extract")
def extract(
    file: Annotated[
        str,
        typer.Argument(
            help="A news report as text; '-' reads standard input; an http(s) link is fetched "
            "(within the ARTICLE_FETCH_* limits)."
        ),
    ],
    publisher: Annotated[str, typer.Option(help="Who published the report.")] = "",
    published_on: Annotated[
        str, typer.Option(help="When (YYYY-MM-DD): resolves 'on Tuesday', 'last month'.")
    ] = "",
    url: Annotated[str, typer.Option(help="Where the report is (http or https).")] = "",
) -> None:
    """Draft a deal from a report and name the deals it may update, as JSON; writes nothing."""
    try:
        published = date.fromisoformat(published_on) if published_on else None
    except ValueError as exc:
        console.print(f"[red]Error:[/] --published-on '{published_on}' is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from exc
    link = file if file.startswith(("http://", "https://")) else ""
    text = ""
    if not link:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            console.print(f"[red]Error:[/] {file}: {exc}", highlight=False)
            raise typer.Exit(2) from exc
    if url and not url.startswith(("http://", "https://")):
        console.print(f"[red]Error:[/] '{url}' is not an http(s) address", highlight=False)
        raise typer.Exit(2)
    with _session_factory()() as session:
        if not link:
            draft = extract_article(
                session, text, publisher=publisher or None, published_on=published, url=url or None
            )
        else:
            try:
                draft = read_report(
                    session, get_settings(), text="", url=link, publisher=publisher or None,
                    published_on=published,
                ).draft  # fmt: skip
            except (FetchRefused, FetchFailed) as exc:
                console.print(f"[red]Error:[/] {link}: {exc}", highlight=False)
                raise typer.Exit(1) from exc
    typer.echo(draft.model_dump_json(indent=2))


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[UserRole, typer.Option(help="viewer, analyst or admin")] = UserRole.ANALYST,
) -> None:
    """Create an account; asks for the password, or reads it from standard input."""
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with _session_factory()() as session:
        try:
            user = create_user(session, email, password, role.value)
        except UserError as exc:
            console.print(f"[red]Error:[/] {exc}")
            raise typer.Exit(1) from exc
    console.print(f"Created {user.role} {user.email}.")


@users_app.command("list")
def users_list() -> None:
    """Every account with its role and state."""
    from rich.table import Table

    table = Table("email", "role", "state", "last sign-in")
    with _session_factory()() as session:
        for user in list_users(session):
            table.add_row(
                user.email,
                user.role,
                "active" if user.is_active else "disabled",
                user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never",
            )
    Console().print(table)


@users_app.command("set-role")
def users_set_role(email: str, role: UserRole) -> None:
    """Give an account another role."""
    with _session_factory()() as session:
        try:
            user = set_role(session, email, role.value)
        except UserError as exc:
            console.print(f"[red]Error:[/] {exc}")
            raise typer.Exit(1) from exc
    console.print(f"{user.email} is now {user.role}.")


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Switch an account off: it can no longer sign in, and its sessions and tokens stop working."""
    _set_active(email, False)


@users_app.command("enable")
def users_enable(email: str) -> None:
    """Switch a disabled account back on."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    with _session_factory()() as session:
        try:
            user = set_active(session, email, active)
        except UserError as exc:
            console.print(f"[red]Error:[/] {exc}")
            raise typer.Exit(1) from exc
    console.print(f"{user.email} is now {'enabled' if active else 'disabled'}.")


@users_app.command("bootstrap")
def users_bootstrap(
    email: Annotated[str, typer.Option(help="The first admin's email.")] = "admin@localhost",
    url: Annotated[str, typer.Option(help="Where the app will be served.")] = (
        "http://127.0.0.1:8000"
    ),
) -> None:
    """On a database with no accounts, create an admin and print its password once."""
    with _session_factory()() as session:
        created = bootstrap_admin(session, email)
    if created is None:
        console.print(
            "Accounts exist already; sign in with yours (admins add more with "
            "`deals users create`)."
        )
        return
    user, password = created
    console.print(
        "\n[bold]First run: an admin account was created.[/] "
        f"Sign in at [bold]{url.rstrip('/')}/login[/] with\n"
        f"    email:    [bold]{user.email}[/]\n"
        f"    password: [bold]{password}[/]\n"
        "This password is shown only now. Add accounts with "
        "`deals users create EMAIL --role analyst`.\n"
    )


def _describe(database_url: str) -> str:
    """The database without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)
