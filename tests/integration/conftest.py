"""Fixtures for the buying tests: the small indexed catalogue, and a buyer signed in to browse it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from tests.factories import login_as, make_user
from tests.integration.search_support import Corpus, build_corpus


@pytest.fixture
def corpus(session: Session, app: Flask) -> Corpus:
    return build_corpus(session, app)


@pytest.fixture
def buyer(session: Session, client: FlaskClient, corpus: Corpus) -> User:
    """A buyer signed in on ``client``, with the small catalogue indexed."""
    user = make_user(session, Role.BUYER, email="pat@council.gov.uk")
    session.commit()
    login_as(client, user)
    return user

