"""Cloudstore: a procurement marketplace for public sector cloud services."""

from __future__ import annotations

from pathlib import Path

import jinja2
from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from werkzeug.routing import IntegerConverter

from config import Config, ProductionConfig, config_for_environment


def create_app(config_class: type[Config] | None = None) -> Flask:
    config_class = config_class or config_for_environment()
    if issubclass(config_class, ProductionConfig):
        config_class.check()
    app = Flask(__name__, instance_path=config_class.INSTANCE_DIR, instance_relative_config=False)
    app.config.from_object(config_class)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_observability(app)  # first: its request hooks must run before and after all others
    register_extensions(app)
    register_templates(app)
    register_blueprints(app)
    register_rate_limits(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import db, search, security
    from app.extensions import csrf, login_manager

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    search.init_app(app)


def register_templates(app: Flask) -> None:
    from app import templating

    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(Path(app.root_path) / "templates")),
            jinja2.PrefixLoader(
                {
                    "govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": jinja2.PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    templating.init_app(app)


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` limited to what a database integer holds: a longer number matches no route (404),
    rather than overflowing in the database. Checked in the pattern, so no other rule answers 405."""

    regex = r"\d{1,18}"


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter
    from app.admin import accreditation_views, catalogue_views, statistics_views, template_views  # noqa: F401  (they add pages to the admin blueprint)
    from app.admin.views import bp as admin_bp
    from app.api.views import bp as api_bp
    from app.auth.views import bp as auth_bp
    from app.buyers.views import bp as buyers_bp
    from app.catalogue.public_views import bp as service_pages_bp
    from app.catalogue.views import bp as catalogue_bp
    from app.contracts.views import bp as contracts_bp
    from app.contracts.views import supplier_bp as supplier_contracts_bp
    from app.pages.views import bp as pages_bp
    from app.search.views import bp as search_bp
    from app.suppliers.directory import bp as supplier_directory_bp
    from app.suppliers.views import bp as suppliers_bp
    from app.transparency.views import bp as transparency_bp

    for blueprint in (
        pages_bp, auth_bp, suppliers_bp, catalogue_bp, supplier_directory_bp, search_bp, service_pages_bp, buyers_bp,
        contracts_bp, supplier_contracts_bp, admin_bp, api_bp, transparency_bp,
    ):
        app.register_blueprint(blueprint)


def register_rate_limits(app: Flask) -> None:
    from app import ratelimit

    ratelimit.init_app(app)  # wraps views, so after the blueprints


def register_error_handlers(app: Flask) -> None:
    from app.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register
    from app.contracts.cli import contracts_group
    from app.search.cli import search_group
    from app.suppliers.cli import suppliers_group

    register(app)
    app.cli.add_command(search_group)
    app.cli.add_command(contracts_group)
    app.cli.add_command(suppliers_group)


def register_observability(app: Flask) -> None:
    from app import observability

    observability.init_app(app)  # JSON logs with request ids, /metrics
