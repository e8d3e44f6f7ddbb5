"""Log lines are JSON objects carrying the request id, and nothing in them names a person or gives away a secret."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from app.auth.models import Role
from app.observability.requests import accepted_request_id
from app.search import get_index
from config import TestConfig
from tests.conftest import Mailbox
from tests.contract_factories import make_contract
from tests.factories import PASSWORD, make_buyer_domain, make_user

SECRET_KEY = "observability-test-secret-key-4f1c9a"
BUYER_EMAIL = "jo.bloggs@council.gov.uk"
BUYER_PASSWORD = "marmalade kettle horizon"
NEW_PASSWORD = "lighthouse pebble orchard"
DATABASE_PASSWORD = "Tr0ub4dor-database-pass"
SUPPLIER_EMAIL = "sam.carter@cloudco.example"
FIELDS = {"time", "level", "logger", "message", "request_id"}
REQUEST_FIELDS = {"method", "path", "endpoint", "status", "duration_ms"}
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def app_config(app_config: type[TestConfig]) -> type[TestConfig]:
    class Config(app_config):  # type: ignore[valid-type,misc]
        SECRET_KEY = globals()["SECRET_KEY"]

    return Config


def log_lines(text: str) -> list[dict[str, Any]]:
    """Every line written, each of which must be one JSON object with the common fields."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line in lines:
        assert set(line) >= FIELDS, line
        assert ISO_UTC.fullmatch(line["time"]), line["time"]
    return lines


class Recorder:
    """Sends requests and remembers each response's X-Request-ID and status."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.answers: list[tuple[str, int, str]] = []  # request id, status, what was asked

    def __call__(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.open(url, method=method, **kwargs)
        self.answers.append((response.headers["X-Request-ID"], response.status_code, f"{method} {url}"))
        return response


def test_every_line_of_the_main_journeys_is_json_with_the_request_id_and_no_personal_data_or_secret(
    app: Flask, client: FlaskClient, session: Session, mailbox: Mailbox, capsys: pytest.CaptureFixture[str]
) -> None:
    @app.route("/broken")
    def broken() -> None:
        # What a driver error can say: the database URL with its password, and whose row it was.
        raise RuntimeError(
            f"could not connect to postgresql://cloudstore:{DATABASE_PASSWORD}@db.internal/cloudstore "
            f"for {BUYER_EMAIL} (key {SECRET_KEY})"
        )

    make_buyer_domain(session, "gov.uk")
    make_user(session, Role.SUPPLIER, email=SUPPLIER_EMAIL, name="Sam Carter")
    session.commit()
    get_index(app).ensure()
    capsys.readouterr()
    send = Recorder(client)

    form = {"name": "Jo Bloggs", "email": BUYER_EMAIL, "password": BUYER_PASSWORD, "confirm_password": BUYER_PASSWORD}
    assert send("POST", "/register/buyer", data=form).status_code == 302
    verification = mailbox.last_link(BUYER_EMAIL)
    assert send("GET", verification).status_code == 302
    assert send("POST", "/login", data={"email": BUYER_EMAIL, "password": "not the password"}).status_code == 400
    signed_in = send("POST", "/login", data={"email": BUYER_EMAIL, "password": BUYER_PASSWORD})
    assert signed_in.status_code == 302
    cookie = client.get_cookie("cloudstore_session")
    assert cookie is not None
    assert send("GET", f"/services?q={BUYER_EMAIL}", headers={"X-Request-ID": "edge-7f3a.search:1"}).status_code == 200
    assert send("POST", "/logout").status_code == 302

    assert send("POST", "/password/reset", data={"email": BUYER_EMAIL}).status_code == 200
    reset = mailbox.last_link(BUYER_EMAIL)
    assert send("GET", reset).status_code == 200
    assert send("POST", reset, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302

    created = send("POST", "/api/v1/tokens", json={"email": SUPPLIER_EMAIL, "password": PASSWORD, "name": "Sync"})
    assert created.status_code == 201
    token = created.get_json()["token"]
    used = send(
        "POST",
        "/api/v1/services",
        json={"lot": "cloud-support", "name": "Migration planning"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert used.status_code < 500
    assert send("GET", f"/nothing/here/{BUYER_EMAIL}").status_code == 404
    assert send("GET", "/broken", headers={"X-Request-ID": "bad id <script>"}).status_code == 500

    output = capsys.readouterr().err
    lines = log_lines(output)

    # Each response's id is on its request's own line, and every line written in a request carries one of them.
    ids = {request_id for request_id, _, _ in send.answers}
    assert len(ids) == len(send.answers)
    for request_id, status, asked in send.answers:
        request_lines = [e for e in lines if e["logger"] == "cloudstore.request" and e["request_id"] == request_id]
        assert len(request_lines) == 1, asked
        line = request_lines[0]
        assert set(line) >= REQUEST_FIELDS and line["status"] == status and line["method"] == asked.split()[0], asked
        assert "?" not in line["path"]
    assert {line["request_id"] for line in lines} <= ids
    assert "edge-7f3a.search:1" in ids  # a well-formed incoming id is kept
    assert not any("script" in request_id for request_id in ids)  # a malformed one is replaced

    paths = {line["endpoint"]: line["path"] for line in lines if line["logger"] == "cloudstore.request"}
    assert paths["auth.verify_email"] == "/verify-email/[token]"
    assert paths["auth.reset_password"] == "/password/reset/[token]"
    assert paths["search.index"] == "/services"
    assert paths["none"] == "/nothing/here/[email]"

    error = next(line for line in lines if line["logger"] == "app" and line["level"] == "ERROR")
    assert "RuntimeError" in error["exception"] and "[email]" in error["exception"] and "[secret]" in error["exception"]

    never = {
        BUYER_EMAIL,
        SUPPLIER_EMAIL,
        "Jo Bloggs",
        "Sam Carter",
        BUYER_PASSWORD,
        NEW_PASSWORD,
        PASSWORD,
        DATABASE_PASSWORD,
        token,
        SECRET_KEY,
        cookie.value,
        urlsplit(verification).path.rsplit("/", 1)[1],
        urlsplit(reset).path.rsplit("/", 1)[1],
    }
    for secret in never:
        assert secret.lower() not in output.lower(), secret


def test_command_lines_are_json_without_a_request_id_or_the_address_that_failed(
    app: Flask, session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = make_contract(session, start_date=date(2027, 1, 4), break_dates=(date(2028, 1, 4),))
    session.commit()
    email = contract.buyer.email
    # The reminder cannot be written, and the error names the recipient (as an SMTP refusal would).
    blocked = tmp_path / email
    blocked.write_text("")
    app.config["MAIL_OUTBOX_DIR"] = str(blocked)

    result = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2027-11-20"])
    assert result.exit_code == 1

    written = [line for line in result.stderr.splitlines() if line.startswith("{")]
    lines = log_lines("\n".join(written))
    failure = next(line for line in lines if line["logger"] == "app.contracts.reminders")
    assert failure["level"] == "ERROR" and failure["request_id"] == "-"
    assert "Error" in failure["exception"] and "[email]" in failure["exception"]
    assert email not in "\n".join(written)


def test_text_format_is_one_readable_line_with_the_request_id(
    app_config: type[TestConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    class Text(app_config):  # type: ignore[valid-type,misc]
        LOG_FORMAT = "text"

    client = create_app(Text).test_client()
    response = client.get(f"/nowhere/{BUYER_EMAIL}", headers={"X-Request-ID": "abc-123"})
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert response.status_code == 404
    assert re.fullmatch(r"\S+Z INFO +cloudstore\.request \[abc-123\] GET /nowhere/\[email\] 404 [\d.]+ ms", line), line


def test_log_level_leaves_out_quieter_lines(app_config: type[TestConfig], capsys: pytest.CaptureFixture[str]) -> None:
    class Quiet(app_config):  # type: ignore[valid-type,misc]
        LOG_LEVEL = "warning"

    try:
        create_app(Quiet).test_client().get("/")
        assert capsys.readouterr().err == ""
        logging.getLogger("app").warning("still shown")
        assert json.loads(capsys.readouterr().err)["message"] == "still shown"
    finally:
        logging.getLogger().setLevel(logging.INFO)


@pytest.mark.parametrize(("setting", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "chatty")])
def test_an_unknown_log_setting_stops_the_app_with_a_clear_message(
    app_config: type[TestConfig], setting: str, value: str
) -> None:
    config = type("Config", (app_config,), {setting: value})
    with pytest.raises(RuntimeError, match=f"{setting} must be one of"):
        create_app(config)


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("7d3fea7cb7fa4f93b46384012397e2a8", True),
        ("Root-1.67891233:abcdef_012345", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("", False),
        ("two words", False),
        ("jo@council.gov.uk", False),
        ("line\nbreak", False),
        ("-leading-dash", False),
        ("<script>", False),
    ],
)
def test_incoming_request_ids_are_kept_only_when_short_and_safe(header: str, kept: bool) -> None:
    assert (accepted_request_id(header) == header) is kept
