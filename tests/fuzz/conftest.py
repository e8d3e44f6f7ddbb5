"""Fuzzing fixtures: fixed, small Hypothesis budgets, and a live API server on a seeded database of its own.

Every fuzz test runs a fixed number of examples chosen by a fixed seed, so CI runs the same inputs each time and
stays within its time budget. Locally, ``CLOUDSTORE_FUZZ_EXAMPLES=2000`` raises every budget to that many
examples per test, and ``CLOUDSTORE_FUZZ_RANDOM=1`` draws new inputs on each run (Hypothesis prints how to
reproduce a failure).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.conftest import migrate
from tests.live import isolated_config, own_database_url, serve_demo

EXAMPLES_VARIABLE = "CLOUDSTORE_FUZZ_EXAMPLES"
RANDOM_VARIABLE = "CLOUDSTORE_FUZZ_RANDOM"

# The demo supplier user (an accredited public service mutual) whose token writes through the API.
DEMO_SUPPLIER = "supplier@mutual.example"
DEMO_PASSWORD = "cloudstore-demo-password"
# Enough listings for every lot, filter and page of results, and quick to seed.
LIVE_SERVICES = 40


def budget(examples: int) -> settings:
    """Hypothesis settings for one fuzz test: ``examples`` (or the environment's larger number), the same inputs
    on every run, no example database, no deadline (a 2-core CI machine is sometimes slow)."""
    wanted = int(os.environ.get(EXAMPLES_VARIABLE) or 0)
    return settings(
        max_examples=max(examples, wanted),
        derandomize=os.environ.get(RANDOM_VARIABLE, "") not in ("1", "true", "yes"),
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


@dataclass
class LiveApi:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """The demo site (with a small generated catalogue and its buying history) served over HTTP on a free
    local port, as a client of the API would reach it."""
    root = tmp_path_factory.mktemp("fuzz-live-api")
    database_url = own_database_url(root, "fuzz")
    migrate(database_url).dispose()

    config = isolated_config(root, database_url)
    with serve_demo(config, name="fuzz-live-api", service_count=LIVE_SERVICES) as (app, url):
        yield LiveApi(url=url, app=app)
