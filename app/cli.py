"""The `deals` command: serve, migrate, load the demo data, manage users."""

import sys
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.search import refresh_missing_search
from app.services.demo import load_demo
from app.services.users import (
    UserError,
    bootstrap_admin,
    create_user,
    list_users,
    set_active,
    set_role,
)
from app.vocabulary import UserRole

app = typer.Typer(help="Compute Deal Tracker.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
console = Console(stderr=True)


def _session_factory() -> sessionmaker[Session]:
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
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"Database at {revision} ({_describe(url)}).")
    if revision == "head":
        with _session_factory()() as session:
            indexed = refresh_missing_search(session)
        if indexed:
            console.print(f"Indexed {indexed} deals for search.")


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
