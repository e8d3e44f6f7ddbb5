"""What the log formatter removes from any line, whoever wrote it."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from app.observability.logs import JsonFormatter, Scrubber, TextFormatter

scrub = Scrubber(["config-secret-value-123"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reset sent to jo.bloggs@council.gov.uk", "reset sent to [email]"),
        ("postgresql://cloudstore:hunter2-pass@db.internal/cloudstore", "[email]"),
        ("Authorization: Bearer cs_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "Authorization: Bearer [token]"),
        ("token cs_abcdefghijklmnopqrstuvwxyz0123 was revoked", "token cs_[token] was revoked"),
        ("http://cs.example/password/reset/eyJ1c2VyIjo0Mn0.Zx9?x=1", "http://cs.example/password/reset/[token]?x=1"),
        ("GET /verify-email/eyJ1c2VyIjo0Mn0.Zx9.abc", "GET /verify-email/[token]"),
        ("GET /verify-email/resend", "GET /verify-email/resend"),
        ("link /invitations/InV1dGU.abc.def expired", "link /invitations/[token] expired"),
        ("signed with config-secret-value-123", "signed with [secret]"),
        ("url?token=abcdef123456&page=2", "url?token=[token]&page=2"),
        (
            "IntegrityError\n[SQL: INSERT INTO users (email) VALUES (%(email)s)]\n[parameters: {'email': 'x'}]",
            "IntegrityError\n[SQL: INSERT INTO users (email) VALUES (%(email)s)]\n[parameters: hidden]",
        ),
        ("Applied 12 outbox rows (3 services) in 1234567 ms", "Applied 12 outbox rows (3 services) in 1234567 ms"),
    ],
)
def test_personal_data_and_secrets_are_replaced_and_the_rest_kept(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_short_configured_values_are_not_treated_as_secrets() -> None:
    assert Scrubber(["dev", ""])("development server") == "development server"


def test_a_json_line_scrubs_extra_fields_and_the_exception_too() -> None:
    try:
        raise ValueError("no account for sam@cloudco.example")
    except ValueError:
        record = logging.LogRecord(
            "app", logging.ERROR, __file__, 1, "failed for %s", ("sam@cloudco.example",), sys.exc_info()
        )
    record.path = "/people/sam@cloudco.example"
    line = json.loads(JsonFormatter(secrets=[]).format(record))
    assert line["message"] == "failed for [email]"
    assert line["path"] == "[email]"  # the whole run of non-spaces around the @ goes
    assert "ValueError: no account for [email]" in line["exception"]
    assert line["request_id"] == "-" and line["level"] == "ERROR" and line["logger"] == "app"


def test_a_text_line_stays_one_line_and_loses_terminal_colours() -> None:
    forged = logging.LogRecord("app", logging.INFO, __file__, 1, "GET /a\n2026 ERROR forged 200", None, None)
    coloured = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "\x1b[33mPress CTRL+C\x1b[0m", None, None)
    formatter = TextFormatter(secrets=[])
    assert formatter.format(forged).endswith(" [-] GET /a\\n2026 ERROR forged 200")
    assert formatter.format(coloured).endswith(" [-] Press CTRL+C")
    assert json.loads(JsonFormatter(secrets=[]).format(coloured))["message"] == "Press CTRL+C"
