"""flask search reindex | verify | drain | prune."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import get_session
from app.search import get_index, query_log, services
from app.timeutil import today, utcnow

search_group = AppGroup("search", help="The search index of this node.")


@search_group.command("reindex")
def reindex() -> None:
    """Rebuild the index from the database into a new directory and swap it in (searches keep working)."""
    session = get_session()
    total = services.count_visible_candidates(session)
    started = time.monotonic()
    with click.progressbar(length=total, label="Indexing services", show_pos=True, file=None) as bar:
        count = services.reindex(session, get_index(), today=today(), progress=bar.update)
    click.echo(f"Indexed {count} visible services in {time.monotonic() - started:.1f} s.")
    drained = services.drain(session, get_index(), today=today(), limit=None)
    if drained.applied_rows:
        click.echo(f"Applied {drained.applied_rows} changes made during the rebuild.")


@search_group.command("verify")
def verify() -> None:
    """Compare the index with the database; exit 1 and list the differences if they disagree."""
    index = get_index()
    if not index.exists():
        raise click.ClickException("This node has no search index yet: run flask search reindex")
    differences = services.verify(get_session(), index, today=today())
    if differences:
        for difference in differences:
            click.echo(difference.describe())
        click.echo(f"{len(differences)} differences between the index and the database.", err=True)
        raise SystemExit(1)
    click.echo(f"The index agrees with the database ({index.doc_count()} services).")


@search_group.command("drain")
@click.option("--watch", is_flag=True, help="Keep applying new changes every second (for a node's background worker).")
def drain(watch: bool) -> None:
    """Apply waiting outbox rows to this node's index; rebuild if the node has fallen behind pruning."""
    index = get_index()
    index.ensure()
    while True:
        session = get_session()
        try:
            result = services.drain(session, index, today=today(), limit=None)
            if result.applied_rows:
                click.echo(f"Applied {result.applied_rows} outbox rows ({result.services} services).")
        except services.NeedsRebuild as error:
            click.echo(f"{error}: rebuilding.")
            services.reindex(session, index, today=today())
        except services.IndexUnavailable as error:
            click.echo(f"{error}; trying again.", err=True)
        session.rollback()
        if not watch:
            return
        time.sleep(1)


@search_group.command("prune")
def prune() -> None:
    """Delete outbox rows older than SEARCH_OUTBOX_RETENTION_DAYS (nodes further behind will rebuild)
    and logged searches older than SEARCH_LOG_RETENTION_DAYS."""
    session = get_session()
    deleted = services.prune(session, older_than_days=current_app.config["SEARCH_OUTBOX_RETENTION_DAYS"])
    searches = query_log.prune(session, older_than_days=current_app.config["SEARCH_LOG_RETENTION_DAYS"], now=utcnow())
    session.commit()
    click.echo(f"Deleted {deleted} outbox rows and {searches} logged searches.")
