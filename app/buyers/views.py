"""Buyers' projects (journey 4): save a search, refine it, end it into a frozen shortlist, assess, download.

Every page loads the project through ``_project_or_404``: another buyer's
project answers 404, so its existence is never confirmed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.decorators import check_role
from app.auth.models import Role, User
from app.buyers import exports, services
from app.buyers.forms import NEW_PROJECT, EndSearchForm, ExcludeForm, OutcomeForm, SaveSearchForm
from app.buyers.models import Project, ShortlistItem
from app.buyers.presenters import compare_rows, service_name, shortlist_export
from app.catalogue import rules
from app.catalogue.models import Category
from app.contracts.models import Contract
from app.contracts.state import live_framework
from app.db import get_session
from app.exceptions import DomainError
from app.forms import choices, form_page
from app.search import find_all_now, search_now
from app.search.index import SearchQuery
from app.search.params import parse_search_args, search_args
from app.search.results import IndexUnavailable

bp = Blueprint("buyers", __name__, url_prefix="/buyer")

_MIMETYPES = {"csv": "text/csv", "ods": "application/vnd.oasis.opendocument.spreadsheet"}


@bp.before_request
def buyers_only() -> object:
    return check_role(Role.BUYER)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _project_or_404(project_id: int) -> Project:
    project = services.own_project(get_session(), _user(), project_id)
    if project is None:
        abort(404)
    return project


def _search_url(query: SearchQuery) -> str:
    args = search_args(query, page=1)
    return f"{url_for('search.index')}?{urlencode(args)}" if args else url_for("search.index")


def _count(query: SearchQuery, limit: int) -> tuple[int, list[Any]]:
    """How many services a search finds now and, at the limit or fewer, which (raises IndexUnavailable)."""
    return find_all_now(query, limit=limit)


@bp.route("/")
def index() -> Response:
    return redirect(url_for("buyers.projects"))


@bp.route("/projects")
def projects() -> str:
    return render_template(
        "buyer/projects.html",
        projects=services.buyer_projects(get_session(), _user()),
        outcome_labels=services.OUTCOME_LABELS,
    )


@bp.route("/projects/save-search", methods=["GET", "POST"])
def save_search() -> Any:
    """Save the search in the query string into a new project or one whose search has not ended."""
    session = get_session()
    query = parse_search_args(request.args)
    open_projects = [p for p in services.buyer_projects(session, _user()) if not p.is_locked]
    form = SaveSearchForm()
    form.project.choices = choices([(str(p.id), p.name) for p in open_projects] + [(NEW_PROJECT, "A new project")])
    if not open_projects:
        form.without_projects_to_choose()
    try:
        results = search_now(query)
    except IndexUnavailable:
        return render_template("search/unavailable.html"), 503
    context = {"summary": results.summary, "search_url": _search_url(query), "open_projects": open_projects}
    if not form.validate_on_submit():
        return form_page("buyer/save_search.html", form, **context)
    try:
        if form.project.data == NEW_PROJECT:
            project = services.create_project(session, _user(), form.name.data or "")
        else:
            chosen = services.own_project(session, _user(), int(form.project.data))
            if chosen is None or chosen.is_locked:
                raise DomainError("Choose one of your projects whose search has not ended", field="project")
            project = chosen
        services.save_search(session, _user(), project, query, results.summary)
    except DomainError as error:
        session.rollback()
        form.add_error(error.field, error.message)
        return form_page("buyer/save_search.html", form, **context)
    session.commit()
    flash(f"Search saved in ‘{project.name}’", "success")
    return redirect(url_for("buyers.project", project_id=project.id))


@bp.route("/projects/<int:project_id>")
def project(project_id: int) -> Any:
    """The project's task list: save, refine, end, download, assess, award or record another outcome."""
    project = _project_or_404(project_id)
    limit = live_framework(get_session()).end_search_limit
    active = project.active_search
    ended = services.ended_search(project)
    count: int | None = None
    if active is not None and ended is None:
        try:
            count, _ = _count(services.query_of(active), limit)
        except IndexUnavailable:
            count = None
    return render_template(
        "buyer/project.html",
        project=project,
        active=active,
        ended=ended,
        count=count,
        limit=limit,
        search_url=_search_url(services.query_of(active)) if active is not None else url_for("search.index"),
        contract=_contract_of(project),
        outcome_labels=services.OUTCOME_LABELS,
        downloaded=bool(ended and ended.downloads),
    )


def _contract_of(project: Project) -> Contract | None:
    if project.outcome is None or project.outcome.contract_id is None:
        return None
    return get_session().get(Contract, project.outcome.contract_id)


@bp.route("/projects/<int:project_id>/end-search", methods=["GET", "POST"])
def end_search(project_id: int) -> Any:
    """End the active search at 30 results or fewer, once the buyer confirms it cannot change afterwards (B2)."""
    session = get_session()
    project = _project_or_404(project_id)
    if services.ended_search(project) is not None:
        flash("The search for this project has already ended: its shortlist is below.")
        return redirect(url_for("buyers.shortlist", project_id=project.id))
    active = project.active_search
    if active is None:
        flash("Save a search into this project before you end it.", "error")
        return redirect(url_for("buyers.project", project_id=project.id))
    limit = live_framework(session).end_search_limit
    query = services.query_of(active)
    try:
        total, found = _count(query, limit)
    except IndexUnavailable:
        return render_template("search/unavailable.html"), 503
    form = EndSearchForm()
    context = {"project": project, "search": active, "total": total, "limit": limit, "search_url": _search_url(query)}
    # The box to confirm is shown only for 1 to ``limit`` results; a page sent when the results were different
    # (services published or withdrawn since) gets its error at the top, not linked to a box no longer there.
    field = "confirm" if 0 < total <= limit else None
    if total > limit:
        if request.method == "POST":
            form.add_error(field, f"Refine your search until you have no more than {limit} results (it has {total})")
        return form_page("buyer/end_search.html", form, **context)
    if not form.validate_on_submit():
        return form_page("buyer/end_search.html", form, **context)
    try:
        services.end_search(session, _user(), project, total=total, found=found, limit=limit, confirmed=bool(form.confirm.data))
    except DomainError as error:
        session.rollback()
        form.add_error(field, error.message)
        return form_page("buyer/end_search.html", form, **context)
    session.commit()
    flash(f"Search ended: your shortlist has {len(found)} service{'s' if len(found) != 1 else ''}", "success")
    return redirect(url_for("buyers.shortlist", project_id=project.id))


def _ended_or_redirect(project: Project) -> Any:
    search = services.ended_search(project)
    if search is None:
        flash("End your search first: the shortlist is made when the search ends.", "error")
        return None
    return search


@bp.route("/projects/<int:project_id>/shortlist")
def shortlist(project_id: int) -> Any:
    project = _project_or_404(project_id)
    search = _ended_or_redirect(project)
    if search is None:
        return redirect(url_for("buyers.project", project_id=project.id))
    return render_template(
        "buyer/shortlist.html",
        project=project,
        search=search,
        items=search.items,
        service_name=service_name,
        price_text=rules.price_text,
        contract=_contract_of(project),
    )


def _category_names() -> dict[str, str]:
    return {slug: name for slug, name in get_session().execute(sa.select(Category.slug, Category.name))}


@bp.route("/projects/<int:project_id>/compare")
def compare(project_id: int) -> Any:
    """The shortlisted services side by side, all of them or those the buyer ticked (``?item=<id>``)."""
    project = _project_or_404(project_id)
    search = _ended_or_redirect(project)
    if search is None:
        return redirect(url_for("buyers.project", project_id=project.id))
    chosen = {value for value in request.args.getlist("item") if value.isdigit()}
    items: list[ShortlistItem] = [item for item in search.items if not chosen or str(item.id) in chosen]
    if not items:
        items = list(search.items)
    return render_template(
        "buyer/compare.html",
        project=project,
        items=items,
        all_items=search.items,
        chosen=chosen,
        rows=compare_rows(items, _category_names()),
        service_name=service_name,
    )


@bp.route("/projects/<int:project_id>/shortlist/<int:item_id>/exclude", methods=["GET", "POST"])
def exclude(project_id: int, item_id: int) -> Any:
    session = get_session()
    project = _project_or_404(project_id)
    item = services.shortlist_item(project, item_id)
    if item is None:
        abort(404)
    form = ExcludeForm()
    context = {"project": project, "item": item, "name": service_name(item)}
    if item.excluded_at is not None:
        flash(f"{service_name(item)} is already excluded from evaluation.")
        return redirect(url_for("buyers.shortlist", project_id=project.id))
    if not form.validate_on_submit():
        return form_page("buyer/exclude.html", form, **context)
    try:
        services.exclude(session, _user(), project, item, form.reason.data or "")
    except DomainError as error:
        session.rollback()
        form.add_error(error.field or "reason", error.message)
        return form_page("buyer/exclude.html", form, **context)
    session.commit()
    flash(f"{service_name(item)} is excluded from evaluation", "success")
    return redirect(url_for("buyers.shortlist", project_id=project.id))


@bp.route("/projects/<int:project_id>/shortlist.<any(csv, ods):file_format>")
def download(project_id: int, file_format: str) -> Any:
    """The frozen shortlist as a CSV or ODS file; each download is recorded."""
    session = get_session()
    project = _project_or_404(project_id)
    search = _ended_or_redirect(project)
    if search is None:
        return redirect(url_for("buyers.project", project_id=project.id))
    export = shortlist_export(
        search,
        framework=live_framework(session).name,
        service_url=lambda service_id: url_for("service_pages.service", service_id=service_id, _external=True),
    )
    body = exports.to_csv(export) if file_format == "csv" else exports.to_ods(export)
    services.record_download(session, _user(), project, file_format)
    session.commit()
    response = current_app.response_class(body, mimetype=_MIMETYPES[file_format])
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(export, file_format)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/projects/<int:project_id>/outcome", methods=["GET", "POST"])
def outcome(project_id: int) -> Any:
    """Complete the project without a contract: cancelled, or none suitable."""
    session = get_session()
    project = _project_or_404(project_id)
    if project.outcome is not None:
        flash("This project already has its outcome.")
        return redirect(url_for("buyers.project", project_id=project.id))
    form = OutcomeForm()
    if services.ended_search(project) is None:
        form.result.choices = choices([("cancelled", services.OTHER_OUTCOMES["cancelled"])])
    if not form.validate_on_submit():
        return form_page("buyer/outcome.html", form, project=project)
    try:
        services.record_outcome(session, _user(), project, form.result.data or "", form.note.data or "")
    except DomainError as error:
        session.rollback()
        form.add_error(error.field or "result", error.message)
        return form_page("buyer/outcome.html", form, project=project)
    session.commit()
    flash(f"Outcome recorded: {services.OUTCOME_LABELS[project.outcome.result].lower()}", "success")
    return redirect(url_for("buyers.project", project_id=project.id))
