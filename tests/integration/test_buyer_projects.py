"""Projects (journey 4, rule B2): save a search, end it at 30 results or fewer, a frozen shortlist pinned to the
versions found (C2), exclusions with reasons, downloads, outcomes, and one buyer never seeing another's project."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from odf.opendocument import load
from odf.table import TableCell, TableRow
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.buyers import services as projects
from app.buyers.models import Outcome, SavedSearch, ShortlistDownload
from app.catalogue import services as catalogue
from app.catalogue.models import Service
from app.exceptions import DomainError
from app.search.index import SearchQuery
from app.timeutil import today
from tests.factories import login_as, make_accredited_supplier, make_service, make_supplier_user, make_user
from tests.integration.buying_support import end_search, project, save_search
from tests.integration.search_support import Corpus, reindex, text_of


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return text_of(response.get_data(as_text=True))


# Saving a search ---------------------------------------------------------------------------------------------


def test_the_search_page_offers_to_save_the_search(client: FlaskClient, session: Session, corpus: Corpus) -> None:
    anonymous = client.get("/services?q=case").get_data(as_text=True)
    assert "Sign in as a buyer to save this search" in anonymous
    assert "next=/buyer/projects/save-search?q%3Dcase" in anonymous
    login_as(client, make_user(session, Role.BUYER))
    as_buyer = client.get("/services?q=case&lot=cloud-software&page=1").get_data(as_text=True)
    assert 'href="/buyer/projects/save-search?q=case&amp;lot=cloud-software"' in as_buyer


def test_saving_needs_a_signed_in_buyer(client: FlaskClient, session: Session, corpus: Corpus) -> None:
    response = client.get("/buyer/projects/save-search?q=case")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    supplier = make_supplier_user(session, corpus.mutual)
    session.commit()
    login_as(client, supplier)
    assert client.get("/buyer/projects/save-search?q=case").status_code == 403
    assert client.post("/buyer/projects/save-search?q=case", data={"project": "new", "name": "x"}).status_code == 403


def test_a_search_is_saved_into_a_new_project(client: FlaskClient, session: Session, buyer: User) -> None:
    text = page(client, "/buyer/projects/save-search?q=case&lot=cloud-software")
    assert "2 services found for ‘case’ in Cloud software" in text
    # No project to choose yet: only the new project's name is asked for, with no talk of choosing.
    assert "Where do you want to save this search?" not in text
    assert "Only if you chose" not in text and "For example, the service you need and your team" in text
    project_id = save_search(client, "  Case   management pilot ", q="case", lot="cloud-software", page="3")
    saved = project(session, project_id)
    assert saved.name == "Case management pilot"
    assert saved.buyer_id == buyer.id
    assert saved.active_search is not None
    assert projects.query_of(saved.active_search) == SearchQuery(q="case", lot="cloud-software")
    text = page(client, f"/buyer/projects/{project_id}")
    assert "Case management pilot" in text
    assert "Your search finds 2 services." in text
    assert "Case management pilot" in page(client, "/buyer/projects")
    # Now there is a project to choose, or a new one to name.
    text = page(client, "/buyer/projects/save-search?q=case")
    assert "Where do you want to save this search?" in text and "Only if you chose ‘A new project’." in text


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Enter a name for your project"), ("   ", "Enter a name for your project"),
     ("x" * 101, "Project name must be 100 characters or fewer")],
)
def test_a_project_name_is_1_to_100_characters(client: FlaskClient, session: Session, buyer: User, name: str, message: str) -> None:
    response = client.post("/buyer/projects/save-search?q=case", data={"project": "new", "name": name})
    assert response.status_code == 400
    assert message in text_of(response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_a_name_of_exactly_100_characters_is_kept(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, "n" * 100, q="case")
    assert project(session, project_id).name == "n" * 100


def test_saving_again_replaces_the_projects_one_active_search(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, q="case")
    response = client.post("/buyer/projects/save-search?q=case&lot=cloud-software", data={"project": str(project_id)})
    assert response.status_code == 302
    searches = session.scalars(sa.select(SavedSearch).where(SavedSearch.project_id == project_id).order_by(SavedSearch.id)).all()
    assert [s.active for s in searches] == [False, True]
    assert "in Cloud software" in searches[1].summary


def test_the_database_allows_one_active_search_per_project(session: Session, buyer: User) -> None:
    owned = projects.create_project(session, buyer, "Two searches")
    session.add_all([SavedSearch(project=owned, query={}, summary="a"), SavedSearch(project=owned, query={}, summary="b")])
    with pytest.raises(IntegrityError):
        session.flush()


# Ending the search ---------------------------------------------------------------------------------------------


@pytest.fixture
def widgets(session: Session, app: Flask, corpus: Corpus) -> list[int]:
    """31 services that all match 'widget': one more than a search may end with."""
    supplier = make_accredited_supplier(session, Path(app.config["EVIDENCE_DIR"]), name="Widget Works")
    ids = [make_service(session, supplier, "cloud-software", name=f"Widget tracker {n}").id for n in range(31)]
    session.commit()
    reindex(app)
    return ids


def test_a_search_ends_only_at_30_results_or_fewer(
    client: FlaskClient, session: Session, app: Flask, buyer: User, widgets: list[int]
) -> None:
    project_id = save_search(client, "Widgets", q="widget")
    text = page(client, f"/buyer/projects/{project_id}/end-search")
    assert "Your search finds 31 services." in text
    assert "You can end a search only when it finds 30 services or fewer" in text
    assert "I understand that I cannot change my search" not in text  # no form to end it
    response = client.post(f"/buyer/projects/{project_id}/end-search", data={"confirm": "y"})
    assert response.status_code == 400
    assert "Refine your search until you have no more than 30 results (it has 31)" in text_of(response.get_data(as_text=True))
    # The box to confirm is not on the page, so the error summary does not link to it.
    assert 'href="#confirm"' not in response.get_data(as_text=True)
    assert project(session, project_id).locked_at is None

    # One service leaves the catalogue: 30 remain, and the search can end.
    widget = session.get(Service, widgets[0])
    catalogue.withdraw_service(session, make_supplier_user(session, widget.organisation), widget, "No longer offered")
    session.commit()
    reindex(app)
    assert "Your search finds 30 services." in page(client, f"/buyer/projects/{project_id}/end-search")
    end_search(client, project_id)
    ended = project(session, project_id)
    assert ended.locked_at is not None
    assert len(projects.shortlist(ended)) == 30
    assert widgets[0] not in {item.service_id for item in projects.shortlist(ended)}


def test_ending_needs_the_buyers_confirmation(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, q="case")
    response = client.post(f"/buyer/projects/{project_id}/end-search", data={})
    assert response.status_code == 400
    assert "Confirm that you understand you cannot change your search after you end it" in text_of(response.get_data(as_text=True))
    assert project(session, project_id).locked_at is None


def test_the_shortlist_is_frozen_at_the_versions_found(
    client: FlaskClient, session: Session, buyer: User, corpus: Corpus, app: Flask
) -> None:
    project_id = save_search(client, q="case", lot="cloud-software")
    end_search(client, project_id)
    items = projects.shortlist(project(session, project_id))
    assert {item.service_id for item in items} == {corpus.case_management.id, corpus.case_notes.id}
    pinned = {item.service_id: item.service_version_id for item in items}

    # The supplier edits its service afterwards: the shortlist still shows what the buyer found (C2).
    owner = make_supplier_user(session, corpus.mutual)
    catalogue.update_service(session, owner, corpus.case_management, {"name": "Renamed case system"}, today=today())
    session.commit()
    items = projects.shortlist(project(session, project_id))
    assert {item.service_id: item.service_version_id for item in items} == pinned
    shortlist_page = page(client, f"/buyer/projects/{project_id}/shortlist")
    compare_page = page(client, f"/buyer/projects/{project_id}/compare")
    for text in (shortlist_page, compare_page):
        assert "Case management for social care" in text
        assert "Renamed case system" not in text


def test_a_locked_project_refuses_every_change_to_its_search(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, q="case")
    end_search(client, project_id)
    # The page offers only projects whose search has not ended ...
    assert 'value="%d"' % project_id not in client.get("/buyer/projects/save-search?q=payroll").get_data(as_text=True)
    # ... and a hand-made request is refused next to the field.
    response = client.post("/buyer/projects/save-search?q=payroll", data={"project": str(project_id)})
    assert response.status_code == 400
    locked = project(session, project_id)
    assert [s.summary for s in locked.searches] == [locked.searches[0].summary]
    with pytest.raises(projects.ProjectLocked):
        projects.save_search(session, buyer, locked, SearchQuery(q="payroll"), "payroll")
    with pytest.raises(projects.ProjectLocked):
        projects.end_search(session, buyer, locked, total=1, found=[], limit=30, confirmed=True)
    # Ending again shows the shortlist rather than a second one.
    response = client.post(f"/buyer/projects/{project_id}/end-search", data={"confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/shortlist")
    assert len(projects.shortlist(project(session, project_id))) == 2


# Assessing and downloading -------------------------------------------------------------------------------------


def test_excluding_needs_a_written_reason_that_is_kept(client: FlaskClient, session: Session, buyer: User, corpus: Corpus) -> None:
    project_id = save_search(client, q="case")
    end_search(client, project_id)
    item = next(i for i in projects.shortlist(project(session, project_id)) if i.service_id == corpus.case_notes.id)
    url = f"/buyer/projects/{project_id}/shortlist/{item.id}/exclude"
    response = client.post(url, data={"reason": "   "})
    assert response.status_code == 400
    assert "Enter why you are excluding this service from evaluation" in text_of(response.get_data(as_text=True))
    assert client.post(url, data={"reason": "Does not integrate with our housing system"}).status_code == 302
    item = next(i for i in projects.shortlist(project(session, project_id)) if i.service_id == corpus.case_notes.id)
    assert item.exclusion_reason == "Does not integrate with our housing system"
    assert "Does not integrate with our housing system" in page(client, f"/buyer/projects/{project_id}/shortlist")
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "shortlist.service_excluded")).one()
    assert event.after["reason"] == "Does not integrate with our housing system"
    assert event.actor_id == buyer.id


def _ods_rows(data: bytes) -> list[list[str]]:
    document = load(io.BytesIO(data))
    rows = []
    for row in document.spreadsheet.getElementsByType(TableRow):
        rows.append(["".join(str(node) for node in cell.childNodes) for cell in row.getElementsByType(TableCell)])
    return rows


def test_downloads_have_one_row_per_shortlisted_service(client: FlaskClient, session: Session, buyer: User, corpus: Corpus) -> None:
    project_id = save_search(client, q="case")
    end_search(client, project_id)
    item = next(i for i in projects.shortlist(project(session, project_id)) if i.service_id == corpus.case_notes.id)
    client.post(f"/buyer/projects/{project_id}/shortlist/{item.id}/exclude", data={"reason": "Too small"})

    response = client.get(f"/buyer/projects/{project_id}/shortlist.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cloudstore-shortlist-case-management-pilot-')
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "Framework" and rows[1][0] == "Search ended" and rows[2] == ["Search summary", project(session, project_id).searches[0].summary]
    heading = rows.index(next(r for r in rows if r and r[0] == "Supplier name"))
    services_rows = [r for r in rows[heading + 1 :] if any(r)]
    assert len(services_rows) == 2
    by_name = {r[1]: r for r in services_rows}
    assert by_name["Case notes"][-1] == "Too small"
    assert by_name["Case management for social care"][0] == "Riverside Care Mutual"
    assert by_name["Case management for social care"][4] == f"http://localhost/services/{corpus.case_management.id}"

    ods = client.get(f"/buyer/projects/{project_id}/shortlist.ods")
    assert ods.status_code == 200 and ods.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
    ods_rows = _ods_rows(ods.get_data())
    heading = next(n for n, r in enumerate(ods_rows) if r and r[0] == "Supplier name")
    assert len([r for r in ods_rows[heading + 1 :] if any(r)]) == 2

    downloads = session.scalars(sa.select(ShortlistDownload).order_by(ShortlistDownload.id)).all()
    assert [d.format for d in downloads] == ["csv", "ods"]
    assert all(d.downloaded_by_id == buyer.id for d in downloads)


def test_nothing_downloads_before_the_search_ends(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, q="case")
    response = client.get(f"/buyer/projects/{project_id}/shortlist.csv")
    assert response.status_code == 302
    assert session.scalar(sa.select(sa.func.count(ShortlistDownload.id))) == 0


# Outcomes ------------------------------------------------------------------------------------------------------


def test_an_outcome_completes_the_project_once(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, q="case")
    end_search(client, project_id)
    assert client.post(f"/buyer/projects/{project_id}/outcome", data={}).status_code == 400
    response = client.post(f"/buyer/projects/{project_id}/outcome", data={"result": "none_suitable", "note": "None met our needs"})
    assert response.status_code == 302
    assert "None suitable" in page(client, f"/buyer/projects/{project_id}")
    # A second outcome is refused by the service and by the database.
    with pytest.raises(DomainError):
        projects.record_outcome(session, buyer, project(session, project_id), "cancelled")
    session.add(Outcome(project_id=project_id, result="cancelled"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_none_suitable_needs_an_ended_search_but_cancelling_does_not(client: FlaskClient, session: Session, buyer: User) -> None:
    project_id = save_search(client, q="case")
    response = client.post(f"/buyer/projects/{project_id}/outcome", data={"result": "none_suitable"})
    assert response.status_code == 400
    assert client.post(f"/buyer/projects/{project_id}/outcome", data={"result": "cancelled"}).status_code == 302
    assert project(session, project_id).outcome.result == "cancelled"


# Another buyer ------------------------------------------------------------------------------------------------


def test_a_buyer_cannot_see_or_change_another_buyers_project(client: FlaskClient, session: Session, buyer: User, corpus: Corpus) -> None:
    project_id = save_search(client, q="case")
    end_search(client, project_id)
    item = projects.shortlist(project(session, project_id))[0]
    other = make_user(session, Role.BUYER, email="sam@othercouncil.gov.uk")
    session.commit()
    client.post("/logout")
    login_as(client, other)
    assert "Case management pilot" not in page(client, "/buyer/projects")
    for url in (
        f"/buyer/projects/{project_id}",
        f"/buyer/projects/{project_id}/end-search",
        f"/buyer/projects/{project_id}/shortlist",
        f"/buyer/projects/{project_id}/compare",
        f"/buyer/projects/{project_id}/shortlist.csv",
        f"/buyer/projects/{project_id}/shortlist.ods",
        f"/buyer/projects/{project_id}/outcome",
        f"/buyer/projects/{project_id}/shortlist/{item.id}/exclude",
        f"/buyer/projects/{project_id}/award/{item.id}",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/buyer/projects/{project_id}/shortlist/{item.id}/exclude", {"reason": "mine now"}),
        (f"/buyer/projects/{project_id}/outcome", {"result": "cancelled"}),
        (f"/buyer/projects/{project_id}/award/{item.id}", {}),
    ):
        assert client.post(url, data=data).status_code == 404, url
    response = client.post("/buyer/projects/save-search?q=payroll", data={"project": str(project_id)})
    assert response.status_code == 400
    assert project(session, project_id).outcome is None
    assert project(session, project_id).searches[0].items[0].excluded_at is None
    assert session.scalar(sa.select(sa.func.count(ShortlistDownload.id))) == 0
