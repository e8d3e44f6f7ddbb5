"""Command line: flask db ..., flask users ..., flask seed ...; each command commits at its edge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup

from app.db import get_session
from app.timeutil import today as utc_today

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def today_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--today YYYY-MM-DD`` for a daily job, passed to it as ``on`` (None: run as of today); see ``day_of``."""
    return click.option(
        "--today",
        "on",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Run as if today were this date, YYYY-MM-DD (default: today, UTC).",
    )(command)


def day_of(on: datetime | None) -> date:
    return on.date() if on is not None else utc_today()


def alembic_config(database_url: str | None = None) -> AlembicConfig:
    config = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url or current_app.config["DATABASE_URL"]
    return config


@click.group("db", cls=AppGroup, help="Database migrations (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    command.downgrade(alembic_config(), revision)


@db_group.command("current")
def db_current() -> None:
    command.current(alembic_config())


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--rev-id", required=True, help="Sortable id, the next number: 0002, 0003, ...")
def db_revision(message: str, rev_id: str) -> None:
    """Autogenerate a migration from the models (review it before committing)."""
    command.revision(alembic_config(), message=message, rev_id=rev_id, autogenerate=True)


@click.group("users", cls=AppGroup, help="Manage user accounts.")
def users_group() -> None:
    pass


@users_group.command("create-admin")
@click.argument("email")
@click.option("--password", help="Prompted for (hidden) if not given.")
@click.option("--name", default="Administrator", show_default=True)
def create_admin(email: str, password: str | None, name: str) -> None:
    """Create an admin account, verified and ready to sign in."""
    from app.auth import services
    from app.auth.passwords import password_problem
    from app.auth.views import policy

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, min_length=current_app.config["PASSWORD_MIN_LENGTH"], email=email, name=name)
    if problem:
        raise click.ClickException(problem)
    session = get_session()
    try:
        user = services.create_admin(session, email=email, password=password, name=name, policy=policy())
    except services.EmailTaken as error:
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(f"Created admin {user.email}.")


@click.group("seed", cls=AppGroup, help="Load demo data through the application's services.")
def seed_group() -> None:
    pass


@seed_group.command("demo")
@click.option(
    "--services", "service_count", type=click.IntRange(min=0), default=300, show_default=True, help="How many services to list."
)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed always generates the same services.")
def seed_demo(service_count: int, seed: int) -> None:
    """Create the demo accounts, buyer domains, suppliers, services and a year of buying history (running it again
    changes nothing)."""
    from seed.demo import seed_demo as run

    session = get_session()
    created = run(session, service_count=service_count, seed=seed)
    session.commit()
    click.echo(created.summary())


def register(app: Flask) -> None:
    for group in (db_group, users_group, seed_group):
        app.cli.add_command(group)
